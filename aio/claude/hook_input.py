"""What the core reads from a Claude Code hook's input: the few fields it needs, from the
whole JSON when the hook entry forwarded all of it, else from its first HEAD_BYTES (a
PostToolUse input can carry a tool's whole output, many megabytes)."""

from __future__ import annotations

import json
import re

FIELDS = (
    "hook_event_name",
    "session_id",
    "notification_type",
    "source",
    "reason",
    "transcript_path",
    "cwd",
)
MAX_FIELD_CHARS = 4096


def _string_field(text: str, name: str) -> str | None:
    """The first `"name": "..."` string in `text` (Claude writes the common fields first)."""
    match = re.search(rf'"{name}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    if match is None:
        return None
    try:
        return json.loads(f'"{match.group(1)}"')
    except ValueError:
        return None


def hook_fields(head: bytes, complete: bool) -> dict[str, str | None]:
    """The fields of FIELDS found in the hook input `head` (the whole input when `complete`,
    else its start: then each is the first occurrence of its key), each cut at
    MAX_FIELD_CHARS; a field that is missing or not a string is None."""
    text = head.decode("utf-8", errors="replace")
    data: object = None
    if complete:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
    found: dict[str, str | None] = {}
    for name in FIELDS:
        value = data.get(name) if isinstance(data, dict) else _string_field(text, name)
        found[name] = value[:MAX_FIELD_CHARS] if isinstance(value, str) else None
    return found
