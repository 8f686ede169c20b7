"""Text from users, jobs and agents made safe for a terminal: control characters shown escaped,
long text cut with an ellipsis. Stdlib only."""

from __future__ import annotations

ELLIPSIS = "…"
# Joiners keep emoji sequences whole; they move no cursor and set no mode.
_KEPT = frozenset("\u200c\u200d")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


# What moves a cursor, sets a mode, reorders or breaks text: controls, format characters (such
# as bidirectional overrides), surrogates, line and paragraph separators. Unassigned and
# private-use characters pass: a terminal draws them as a glyph or a box.
_UNSAFE_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def _shown(char: str) -> str:
    if char.isprintable() or char in _KEPT:
        return char
    from unicodedata import category

    if category(char) not in _UNSAFE_CATEGORIES:
        return char
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, limit: int | None = None) -> str:
    """`text` with every character that could steer a terminal (C0 and C1 controls such as
    ESC, newlines, DEL; bidirectional overrides; lone surrogates) shown as an escape like
    `\\x1b`, then cut to `limit` characters with an ellipsis."""
    if not text.isprintable():
        text = "".join(_shown(c) for c in text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    return text
