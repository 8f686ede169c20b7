"""The baseline of the dashboard benchmarks: a bare Textual app with a Header, a DataTable and a
Footer, nothing else (no core, no network, no preview).

The table has the dashboard's 7 columns and rows of the same kind (number, name, status, step,
exit code, duration, start time) that it builds itself on mount, the cursor on the last row as
the dashboard puts it on the newest job.

    python bench/bare_textual_app.py [--rows 200] [--newest NAME]

The last row is named NAME (default `bare-newest`), so that a benchmark can tell from the screen
when the rows are shown.
"""

from __future__ import annotations

import argparse
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

    def __init__(self, rows: int, newest: str) -> None:
        super().__init__()
        self.rows = rows
        self.newest = newest

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label.lower())
        started = datetime.fromtimestamp(time.time()).strftime("%H:%M:%S")
        for number in range(1, self.rows + 1):
            name = self.newest if number == self.rows else f"history-{number}"
            table.add_row(
                Text(str(number), justify="right"),
                name,
                Text("done", style="green"),
                "1/1 true",
                "0",
                "0.0s",
                started,
                key=str(number),
            )
        table.move_cursor(row=self.rows - 1)
        table.focus()
        self.sub_title = f"{self.rows} rows"


def main() -> None:
    parser = argparse.ArgumentParser(description="A bare Textual app: Header, DataTable, Footer.")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--newest", default="bare-newest")
    args = parser.parse_args()
    BareTableApp(args.rows, args.newest).run()


if __name__ == "__main__":
    main()
