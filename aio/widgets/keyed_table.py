"""KeyedTable: a DataTable of records kept by key, whose rows change one by one (from core
events) while the cursor stays on the record it was on. ClaudeTable and WorkletTable are two."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text

from aio.widgets.row_table import RowTable


class KeyedTable(RowTable):
    """Subclasses give COLUMNS ((label, column key), ...), `key_of` and `cells`."""

    COLUMNS: tuple[tuple[str, str], ...] = ()

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.records: dict[str, dict] = {}

    def on_mount(self) -> None:
        for label, key in self.COLUMNS:
            self.add_column(label, key=key)

    def key_of(self, record: dict) -> str:
        """A record's row key."""
        return str(record["id"])

    def cells(self, record: dict) -> list:
        """A record's cells, one per column."""
        raise NotImplementedError

    def _shown_cells(self, record: dict) -> list:
        """`cells`, each text as it is: DataTable reads a plain string as markup, and these
        hold names, ids and errors others chose (`[/x]` would stop the app)."""
        return [Text(cell) if isinstance(cell, str) else cell for cell in self.cells(record)]

    def load(self, records: list[dict]) -> None:
        """Replace every row, keeping the cursor on the same record."""
        selected = self.selected_key
        self.clear()
        self.records = {}
        for record in records:
            key = self.key_of(record)
            self.records[key] = record
            self.add_row(*self._shown_cells(record), key=key)
        if selected in self.records:
            self.move_cursor(row=self.get_row_index(selected))
        elif self.records:
            self.move_cursor(row=0)

    def upsert(self, record: dict) -> bool:
        """Update a record's row (True), or add it (False); the cursor stays where it was."""
        key = self.key_of(record)
        if key in self.records:
            self.records[key] = record
            for (_, column), value in zip(self.COLUMNS, self._shown_cells(record), strict=True):
                self.update_cell(key, column, value, update_width=True)
            return True
        selected = self.selected_key
        self.records[key] = record
        self.add_row(*self._shown_cells(record), key=key)
        if selected in self.records:
            self.move_cursor(row=self.get_row_index(selected))
        return False

    def remove(self, key: str) -> None:
        """Drop a record's row, if it has one."""
        if self.records.pop(key, None) is not None:
            self.remove_row(key)

    @property
    def selected_key(self) -> str | None:
        if not self.records or self.cursor_row is None or self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except Exception:
            return None

    @property
    def selected(self) -> dict | None:
        """The record under the cursor."""
        key = self.selected_key
        return self.records.get(key) if key is not None else None
