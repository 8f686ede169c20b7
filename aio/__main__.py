"""`python -m aio` is the same as the `aio` command."""

from aio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
