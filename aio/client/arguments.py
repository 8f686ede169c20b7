"""How verbs read their arguments and report refusals: argparse that exits 2, one-line errors,
and the core's refusals turned into exit codes (2 for bad input, 1 otherwise).

argparse (with gettext and locale, which it loads on its first message) costs a CLI call a few
milliseconds, so it is imported only when a parser is built. The hot verbs first try
`quick_parse`, which reads the plain, common argument lists itself and hands anything else
(`--help`, an unknown or abbreviated option, a wrong count) to argparse, so the help and the
errors stay argparse's own.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from aio.client.core_client import CoreError, CoreUnavailable
from aio.client.refusal import fail

TYPE_CHECKING = False  # not typing's: it costs the CLI milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [  # and ArgumentParser, built on first use (module __getattr__)
    "fail",
    "parser",
    "quick_parse",
    "reports_core_errors",
    "run_subverb",
]

_parser_class = None


def _argument_parser_class():
    """argparse's parser that names the verb and exits 2 on bad arguments (built once)."""
    global _parser_class
    if _parser_class is None:
        import argparse

        class ArgumentParser(argparse.ArgumentParser):
            """argparse that names the verb and exits 2 on bad arguments."""

            def error(self, message: str):  # type: ignore[override]
                self.print_usage(sys.stderr)
                self.exit(2, f"{self.prog}: {message}\n")

        _parser_class = ArgumentParser
    return _parser_class


def __getattr__(name: str):
    if name == "ArgumentParser":
        return _argument_parser_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parser(verb: str, description: str):
    """An argparse parser for `aio VERB` (argparse is imported here, not before)."""
    return _argument_parser_class()(prog=f"aio {verb}", description=description)


def quick_parse(
    argv: list[str],
    positionals: tuple[str, ...] = (),
    switches: dict[str, str] | None = None,
) -> SimpleNamespace | None:
    """`argv` read without argparse when it is exactly the `positionals` (in order) and any of
    the on/off `switches` (option -> attribute name); None for anything else, to be handed to
    the verb's argparse parser. Attribute names are the positionals' and the switches'."""
    switches = switches or {}
    values: dict[str, object] = dict.fromkeys(switches.values(), False)
    given: list[str] = []
    only_positionals = False
    for word in argv:
        if only_positionals or not word.startswith("-") or word == "-":
            given.append(word)
        elif word == "--":
            only_positionals = True
        elif word in switches:
            values[switches[word]] = True
        else:
            return None  # --help, an unknown or abbreviated option, a value: argparse's job
    if len(given) != len(positionals):
        return None
    values.update(zip(positionals, given, strict=True))
    return SimpleNamespace(**values)


def reports_core_errors(verb: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """Turn the core's refusals into one-line errors: exit 2 for bad input, 1 otherwise."""

    def run(argv: list[str]) -> int:
        try:
            return verb(argv)
        except CoreError as exc:
            return fail(str(exc), 2 if exc.status < 500 else 1)
        except CoreUnavailable as exc:
            return fail(str(exc), 1)

    # functools.wraps by hand: functools imports collections, which `aio ls` need not pay for
    run.__name__, run.__qualname__, run.__doc__ = verb.__name__, verb.__qualname__, verb.__doc__
    run.__module__, run.__wrapped__ = verb.__module__, verb
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
