"""pyte character attributes to Rich styles, cached (a screen reuses few distinct styles)."""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style

_NAMES = {
    "black": "black",
    "red": "red",
    "green": "green",
    "brown": "yellow",
    "blue": "blue",
    "magenta": "magenta",
    "cyan": "cyan",
    "white": "white",
}


def _colour(name: str) -> str | None:
    if name == "default":
        return None
    if name.startswith("bright"):
        base = _NAMES.get(name[6:])
        return f"bright_{base}" if base else None
    if name in _NAMES:
        return _NAMES[name]
    if len(name) == 6:
        return f"#{name}"
    return None


@lru_cache(maxsize=4096)
def char_style(
    fg: str,
    bg: str,
    bold: bool,
    italics: bool,
    underscore: bool,
    strikethrough: bool,
    reverse: bool,
    blink: bool,
) -> Style:
    """The Rich style of a pyte character's attributes."""
    return Style(
        color=_colour(fg),
        bgcolor=_colour(bg),
        bold=bold or None,
        italic=italics or None,
        underline=underscore or None,
        strike=strikethrough or None,
        reverse=reverse or None,
        blink=blink or None,
    )


CURSOR_STYLE = Style(reverse=True)
