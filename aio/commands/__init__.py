"""The `aio` verbs, one module per area; each function takes argv and returns an exit code."""

import sys


def fail(message: str, code: int = 2) -> int:
    """Print a one-line refusal; return the exit code (2: bad input)."""
    sys.stderr.write(f"aio: {message}\n")
    return code
