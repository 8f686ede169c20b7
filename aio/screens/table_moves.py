"""Vim's keys for every table of the dashboard: `j`/`k` move the selection down and up, `g`/`G`
go to the first and the last row.

They are app-level bindings acting on whichever table has focus, so each screen's table (a
DataTable, or a Line API table with the same `cursor_row`/`row_count`/`move_cursor` surface
such as TodoTable) gets them without a binding of its own. A screen's own binding of the same
key would win; none has one. With no table focused the keys are disabled, so they reach
whatever else wants them.
"""

from __future__ import annotations

from textual.binding import Binding

MOVE_BINDINGS = [
    Binding("j", "move_selection('down')", "Down", show=False, id="app.down"),
    Binding("k", "move_selection('up')", "Up", show=False, id="app.up"),
    Binding("g", "move_selection('first')", "First row", show=False, id="app.first"),
    Binding("G", "move_selection('last')", "Last row", show=False, id="app.last"),
]


def is_row_table(widget: object) -> bool:
    """Whether `widget` is a table with a row cursor (the surface the moves need)."""
    return all(hasattr(widget, name) for name in ("cursor_row", "row_count", "move_cursor"))


def target_row(current: int, count: int, where: str) -> int:
    """The row `where` ("down", "up", "first", "last") leads to from `current`, in 0..count-1."""
    row = {"down": current + 1, "up": current - 1, "first": 0, "last": count - 1}[where]
    return max(0, min(count - 1, row))


class TableMoves:
    """The App mixin that carries out MOVE_BINDINGS on the focused table."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move_selection":
            return is_row_table(self.focused)
        return super().check_action(action, parameters)

    def action_move_selection(self, where: str) -> None:
        table = self.focused
        if is_row_table(table) and table.row_count:
            table.move_cursor(row=target_row(table.cursor_row or 0, table.row_count, where))
