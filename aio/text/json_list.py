"""A list of records as JSON for the CLI's `--json`: one record a line, each written by the C
encoder (an `indent` makes `json` use its pure-Python encoder, several times slower on a
thousand records), without importing `json` (see `aio.text.c_json`). Stdlib only."""

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
