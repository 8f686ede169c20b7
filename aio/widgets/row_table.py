"""RowTable: a DataTable with a row cursor whose Home and End go to the first and the last row
(DataTable's own go to the first and last column, which a row cursor does not have)."""

from __future__ import annotations

from textual.widgets import DataTable


class RowTable(DataTable):
    """A row-cursor DataTable; Home/End select the first/last row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def action_scroll_home(self) -> None:
        self.action_scroll_top()

    def action_scroll_end(self) -> None:
        self.action_scroll_bottom()
