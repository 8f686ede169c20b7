"""Control-key names like `ctrl-]` and the byte a terminal sends for them."""

from __future__ import annotations

_SPECIAL = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


def parse_control_key(name: str) -> int:
    """The byte value of a control key named `ctrl-X` (X a letter or one of @[\\]^_)."""
    if not isinstance(name, str) or not name.lower().startswith("ctrl-") or len(name) != 6:
        raise ValueError(f"expected a key like 'ctrl-]' or 'ctrl-q', got {name!r}")
    char = name[5]
    if char.isalpha() and char.isascii():
        return ord(char.lower()) - ord("a") + 1
    if char in _SPECIAL:
        return _SPECIAL[char]
    raise ValueError(f"expected ctrl- followed by a letter or one of @[\\]^_, got {name!r}")
