"""A transcript entry as text for a terminal: what `aio claude show` prints and the Claude
screen shows. An agent's and a tool's words are untrusted: every line is made printable."""

from __future__ import annotations

from aio.text.printable import printable


def _lines(text: str, mark: str = "") -> str:
    return "\n".join(mark + printable(line.expandtabs()) for line in text.splitlines() or [""])


def format_entry(entry: dict) -> str:
    """One transcript entry (see `aio.claude.headless.entries_of`) as lines of text."""
    kind = entry.get("kind")
    text = entry.get("text") or ""
    if kind == "user":
        return _lines(text, "> ")
    if kind == "tool_use":
        name = printable(str(entry.get("name", "")), 80)
        return f"[{name}] {printable(str(entry.get('input', '')))}"
    if kind == "tool_result":
        return _lines(text, "  ! " if entry.get("is_error") else "  = ")
    if kind == "result":
        return f"-- error: {printable(text)}" if entry.get("is_error") else "-- turn done"
    return _lines(text)
