"""Textual key events to the bytes a terminal would send for them (xterm conventions)."""

from __future__ import annotations

_SPECIAL = {
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "backspace": b"\x7f",
    "escape": b"\x1b",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "insert": b"\x1b[2~",
    "delete": b"\x1b[3~",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
    "f7": b"\x1b[18~",
    "f8": b"\x1b[19~",
    "f9": b"\x1b[20~",
    "f10": b"\x1b[21~",
    "f11": b"\x1b[23~",
    "f12": b"\x1b[24~",
    "ctrl+space": b"\x00",
    "ctrl+@": b"\x00",
    "ctrl+backslash": b"\x1c",
    "ctrl+right_square_bracket": b"\x1d",
    "ctrl+circumflex_accent": b"\x1e",
    "ctrl+underscore": b"\x1f",
}


def key_to_bytes(key: str, character: str | None) -> bytes | None:
    """The bytes for a key, or None if a terminal would send nothing for it."""
    if key in _SPECIAL:
        return _SPECIAL[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - ord("a") + 1])
    if key.startswith("alt+") or key.startswith("meta+"):
        rest = key.split("+", 1)[1]
        inner = key_to_bytes(rest, rest if len(rest) == 1 else None)
        return b"\x1b" + inner if inner else None
    if character and character.isprintable():
        return character.encode("utf-8")
    return None
