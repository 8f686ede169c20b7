"""JSON for the CLI's `--json`, always ASCII (text from jobs, worklets and agents reaches a
terminal: `\\u` escapes carry no control character or bidi override to it).

A list of records is written one record a line, each by the C encoder (an `indent` makes `json`
use its pure-Python encoder, several times slower on a thousand records), without importing
`json` (see `aio.text.c_json`); any other value is indented. Stdlib only."""

from __future__ import annotations

import sys

from aio.text.c_json import dumps


def json_list(records: list) -> str:
    """`records` as a JSON array, one element a line (valid JSON, easy to grep and diff)."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(dumps(r) for r in records) + "\n]\n"


def write_json_list(records: list) -> None:
    """Write `records` to stdout as `json_list` does, in one write."""
    sys.stdout.write(json_list(records))


def json_text(value: object) -> str:
    """`value` as JSON indented one space a level, ASCII, with a final newline."""
    import json

    return json.dumps(value, indent=1) + "\n"


def write_json(value: object) -> None:
    """Write `value` to stdout as `json_text` gives it."""
    sys.stdout.write(json_text(value))
