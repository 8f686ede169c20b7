"""How a verb refuses: one printable line on stderr and an exit code. Stdlib only and tiny, so
the fastest verbs (`aio cli ID`) can refuse without loading argparse or the client."""

from __future__ import annotations

import sys

from aio.text.printable import printable


def fail(message: str, code: int = 2) -> int:
    """Print a one-line refusal, made printable; return the exit code (2: bad input)."""
    sys.stderr.write(f"aio: {printable(message)}\n")
    return code
