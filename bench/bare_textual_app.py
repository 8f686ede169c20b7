"""The baseline of the dashboard benchmarks: a bare Textual app with a Header, a DataTable and a
Footer, nothing else (no core, no network, no preview).

The table has the dashboard's 7 columns and rows of the same kind (number, name, status, step,
exit code, duration, start time) that it builds itself on mount, the cursor on the last row as
the dashboard puts it on the newest job.

    python bench/bare_textual_app.py [--rows 200] [--newest NAME]
    python bench/bare_textual_app.py --rows-file ROWS.json

The last row is named NAME (default `bare-newest`), so that a benchmark can tell from the screen
when the rows are shown. With `--rows-file`, the rows are exactly those in the file (a JSON list
of 7-string rows, as the dashboard shows a core's jobs: bench_dashboard_start writes it).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

COLUMNS = ("#", "Name", "Status", "Step", "Exit", "Duration", "Started")


class BareTableApp(App):
    """Header, a 7-column DataTable of job-like rows, Footer."""

    TITLE = "bare"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, rows: int, newest: str, given: list[list[str]] | None = None) -> None:
        super().__init__()
        self.rows = len(given) if given is not None else rows
        self.newest = newest
        self.given = given

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label.lower())
        for number, name, status, step, exit_code, duration, started in self._rows():
            table.add_row(
                Text(number, justify="right"),
                Text(name, no_wrap=True, overflow="ellipsis"),
                Text(status, style="green"),
                Text(step, no_wrap=True, overflow="ellipsis"),
                exit_code,
                duration,
                started,
                key=number,
            )
        table.move_cursor(row=table.row_count - 1)
        table.focus()
        self.sub_title = f"{table.row_count} rows"

    def _rows(self) -> list[list[str]]:
        if self.given is not None:
            return self.given
        started = datetime.fromtimestamp(time.time()).strftime("%H:%M:%S")
        return [
            [
                str(number),
                self.newest if number == self.rows else f"history-{number}",
                "done",
                "1/1 true",
                "0",
                "0.0s",
                started,
            ]
            for number in range(1, self.rows + 1)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description="A bare Textual app: Header, DataTable, Footer.")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--newest", default="bare-newest")
    parser.add_argument("--rows-file", help="a JSON list of rows to show instead")
    args = parser.parse_args()
    given = None
    if args.rows_file:
        with open(args.rows_file, encoding="utf-8") as rows:
            given = json.load(rows)
    BareTableApp(args.rows, args.newest, given).run()


if __name__ == "__main__":
    main()
