"""Plain-text tables for the CLI (`aio ls`, `aio t`, `aio cli list`); stdlib only."""

from __future__ import annotations

from aio.text.printable import printable

RESET = "\x1b[0m"


def text_table(
    headers: tuple[str, ...],
    rows: list[tuple[str, ...]],
    colour_column: int | None = None,
    colours: list[str] | None = None,
    max_widths: dict[int, int] | None = None,
) -> str:
    """Columns padded to their widest cell. Every cell is made printable (control characters
    escaped) and cut to its column's entry in `max_widths`, if any. With `colours` (one ANSI
    prefix a row), the cells of `colour_column` are coloured; padding stays outside the colour
    codes' count."""
    limits = max_widths or {}
    rows = [tuple(printable(c, limits.get(i)) for i, c in enumerate(row)) for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for index, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        if colours is not None and colour_column is not None:
            cells[colour_column] = f"{colours[index]}{cells[colour_column]}{RESET}"
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
