"""How verbs read their arguments and report refusals: argparse that exits 2, one-line errors,
and the core's refusals turned into exit codes (2 for bad input, 1 otherwise)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import wraps

from aio.client.core_client import CoreError, CoreUnavailable
from aio.client.refusal import fail

__all__ = ["ArgumentParser", "fail", "parser", "reports_core_errors", "run_subverb"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse that names the verb and exits 2 on bad arguments."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\n")


def parser(verb: str, description: str) -> ArgumentParser:
    return ArgumentParser(prog=f"aio {verb}", description=description)


def reports_core_errors(verb: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """Turn the core's refusals into one-line errors: exit 2 for bad input, 1 otherwise."""

    @wraps(verb)
    def run(argv: list[str]) -> int:
        try:
            return verb(argv)
        except CoreError as exc:
            return fail(str(exc), 2 if exc.status < 500 else 1)
        except CoreUnavailable as exc:
            return fail(str(exc), 1)

    return run


def run_subverb(
    verb: str, usage: str, subverbs: dict[str, Callable[[list[str]], int]], argv: list[str]
) -> int:
    """`aio VERB SUBVERB ARGS...`: the usage on --help (exit 0) or without a subverb (exit 2),
    a one-line refusal for an unknown one, else the subverb's exit code."""
    if not argv:
        sys.stderr.write(usage)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(usage)
        return 0
    command = subverbs.get(argv[0])
    if command is None:
        return fail(f"{verb}: unknown command '{argv[0]}' (try: {', '.join(subverbs)})")
    return command(argv[1:])
