"""`aio kv WORKLET ...`: a worklet's key-value store from the command line, on the core's socket.

Bad input is one line on stderr and exit 2; nothing is written when a command is refused
(`import` is all or nothing).
"""

from __future__ import annotations

import json
import sys

from aio.client.arguments import fail, parser, reports_core_errors
from aio.client.core_client import CoreError, connect
from aio.client.paths import segment
from aio.text.json_list import json_text, write_json

USAGE = """\
usage: aio kv WORKLET get KEY [-n NAMESPACE]
       aio kv WORKLET set KEY VALUE [-n NAMESPACE] [--string]
                                 VALUE is JSON ('"text"', 42, '{"a": 1}'); --string: as text
       aio kv WORKLET rm KEY [-n NAMESPACE]
       aio kv WORKLET ls [-n NAMESPACE] [--pattern P] [--json]
                                 keys, ordered by namespace then key (P: * and ? wildcards)
       aio kv WORKLET export [FILE]
                                 every namespace's keys and values as JSON (default: stdout)
       aio kv WORKLET import FILE|-
                                 store {namespace: {key: value}} from a file or stdin, all or
                                 nothing

WORKLET is a worklet's number or name. The namespace defaults to "default".
"""
COMMANDS = ("get", "set", "rm", "ls", "export", "import")


def _call(worklet: str, method: str, params: dict) -> dict:
    path = f"/kv/worklets/{segment(worklet)}/{method}"
    return connect().request("POST", path, params)


def cmd_kv(argv: list[str]) -> int:
    """The `aio kv` verb."""
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if len(argv) < 2:
        return fail(f"kv: a command after the worklet (one of: {', '.join(COMMANDS)})")
    worklet, command, rest = argv[0], argv[1], argv[2:]
    if command not in COMMANDS:
        return fail(f"kv: unknown command '{command}' (one of: {', '.join(COMMANDS)})")
    return _run_command([worklet, command, *rest])


@reports_core_errors
def _run_command(argv: list[str]) -> int:
    worklet, command, rest = argv[0], argv[1], argv[2:]
    return COMMAND_FUNCTIONS[command](worklet, rest)


def _get(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET get", "Print a key's value as JSON.")
    p.add_argument("key")
    p.add_argument("-n", "--namespace", default=None)
    args = p.parse_args(argv)
    answer = _call(worklet, "get", {"namespace": args.namespace, "key": args.key})
    if not answer.get("found"):
        namespace = args.namespace or "default"
        return fail(f"kv: no key '{args.key}' in namespace '{namespace}'", 1)
    write_json(answer["result"])
    return 0


def _set(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET set", "Store a JSON value (or, with --string, a text) under a key.")
    p.add_argument("key")
    p.add_argument("value")
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("--string", action="store_true", help="store VALUE as text, not JSON")
    args = p.parse_args(argv)
    if args.string:
        value = args.value
    else:
        try:
            value = json.loads(args.value)
        except ValueError:
            return fail(
                f"kv set: VALUE {args.value[:40]!r} is not JSON "
                "(quote a text as '\"text\"', or add --string)"
            )
    _call(worklet, "set", {"namespace": args.namespace, "key": args.key, "value": value})
    return 0


def _rm(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET rm", "Remove a key.")
    p.add_argument("key")
    p.add_argument("-n", "--namespace", default=None)
    args = p.parse_args(argv)
    answer = _call(worklet, "delete", {"namespace": args.namespace, "key": args.key})
    if not answer["result"]:
        namespace = args.namespace or "default"
        return fail(f"kv: no key '{args.key}' in namespace '{namespace}'", 1)
    return 0


def _ls(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET ls", "List keys, ordered by namespace then key.")
    p.add_argument("-n", "--namespace", default=None)
    p.add_argument("--pattern", default=None, help="* and ? wildcards")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    entries: list[dict] = []
    while True:  # page through: list answers at most 10,000 at once
        params = {"limit": 10_000, "offset": len(entries)}
        params.update(
            {k: v for k, v in (("namespace", args.namespace), ("pattern", args.pattern)) if v}
        )
        page = _call(worklet, "list", params)["entries"]
        entries.extend(page)
        if len(page) < 10_000:
            break
    if args.json:
        write_json(entries)
        return 0
    from aio.text.printable import printable

    for entry in entries:
        print(f"{printable(entry['namespace'])}\t{printable(entry['key'])}")
    return 0


def _export(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET export", "Write every namespace's keys and values as JSON.")
    p.add_argument("file", nargs="?", default="-")
    args = p.parse_args(argv)
    data = _call(worklet, "exportData", {})["result"]
    text = json_text(data)
    if args.file == "-":
        sys.stdout.write(text)
        return 0
    try:
        with open(args.file, "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        return fail(f"kv export: {args.file} exists; nothing was written")
    except OSError as exc:
        return fail(f"kv export: {args.file}: {exc.strerror}", 1)
    return 0


def _import(worklet: str, argv: list[str]) -> int:
    p = parser("kv WORKLET import", "Store {namespace: {key: value}} from a file or stdin.")
    p.add_argument("file", help="a JSON file, or - for stdin")
    args = p.parse_args(argv)
    try:
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        return fail(f"kv import: {args.file}: {exc.strerror}")
    except UnicodeDecodeError:
        return fail(f"kv import: {args.file}: not UTF-8 text")
    try:
        data = json.loads(text)
    except ValueError as exc:
        return fail(f"kv import: {args.file}: not JSON ({exc}); nothing was imported")
    try:
        count = _call(worklet, "importData", {"data": data})["result"]
    except CoreError as exc:
        return fail(f"kv import: {exc}; nothing was imported", 2 if exc.status < 500 else 1)
    print(f"imported {count} keys")
    return 0


COMMAND_FUNCTIONS = {
    "get": _get,
    "set": _set,
    "rm": _rm,
    "ls": _ls,
    "export": _export,
    "import": _import,
}
