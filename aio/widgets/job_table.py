"""JobTable: the live jobs list (number, name, status, step, exit, duration, started).

On a narrow terminal the columns give way in order: Step first, then Name (each down to a few
cells, cut with an ellipsis); Status, the number and the times keep their width.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text

from aio.jobs.display import format_duration, job_duration, step_label
from aio.text.printable import printable
from aio.widgets.row_table import RowTable

STATUS_STYLES = {
    "queued": "dim",
    "running": "bold cyan",
    "done": "green",
    "failed": "bold red",
    "killed": "yellow",
    "timeout": "magenta",
    "lost": "red dim",
}

COLUMNS = (
    ("#", "id"),
    ("Name", "name"),
    ("Status", "status"),
    ("Step", "step"),
    ("Exit", "exit"),
    ("Duration", "duration"),
    ("Started", "started"),
)
# The columns that shrink when the table is too narrow, first to give way first; their least.
SHRINKING = (("step", 8), ("name", 10))


def step_cell(job: dict) -> str:
    label = step_label(job)
    current = job.get("current_step")
    if current is not None and 0 <= current < len(job["steps"]):
        return f"{label} {job['steps'][current]['desc']}"
    return label


def started_cell(job: dict) -> str:
    started = job.get("started_at")
    if started is None:
        return "-"
    return datetime.fromtimestamp(started).strftime("%H:%M:%S")


class JobTable(RowTable):
    """A DataTable keyed by job number, updated row by row from core events; its columns fit
    the width it has (see SHRINKING)."""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.jobs: dict[int, dict] = {}

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def cells(self, job: dict) -> list:
        status = job["status"]
        return [
            Text(str(job["id"]), justify="right"),
            Text(printable(job["name"]), no_wrap=True, overflow="ellipsis"),
            Text(status, style=STATUS_STYLES.get(status, "")),
            Text(printable(step_cell(job)), no_wrap=True, overflow="ellipsis"),
            "-" if job.get("exit_code") is None else str(job["exit_code"]),
            format_duration(job_duration(job, self.clock())),
            started_cell(job),
        ]

    def load(self, jobs: list[dict]) -> None:
        """Replace every row (a fresh snapshot), keeping the cursor on the same job."""
        selected = self.selected_job_id
        self.clear()
        self.jobs = {}
        for job in sorted(jobs, key=lambda j: j["id"]):
            self.jobs[job["id"]] = job
            self.add_row(*self.cells(job), key=str(job["id"]))
        if selected in self.jobs:
            self.move_cursor(row=self.get_row_index(str(selected)))
        elif self.jobs:
            self.move_cursor(row=len(self.jobs) - 1)  # the newest job is the likeliest interest
        # DataTable can keep rows rendered at the old column widths after a bulk reload.
        self.call_after_refresh(self._redraw)

    def _redraw(self) -> None:
        self.fit_columns()
        self._clear_caches()
        self.refresh()

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give each column its content's width, then take what does not fit from the
        SHRINKING columns, in their order, down to their least width."""
        available = self.scrollable_content_region.width
        if available <= 0 or not self.columns:
            return
        padding = 2 * self.cell_padding
        natural = {
            key: max(col.content_width, col.label.cell_len) for key, col in self.columns.items()
        }
        excess = sum(natural.values()) + padding * len(natural) - available
        widths = {}
        for key, least in SHRINKING:
            column_key = next((k for k in natural if k.value == key), None)
            if column_key is None:
                continue
            give = max(0, min(excess, natural[column_key] - least))
            widths[column_key] = natural[column_key] - give if give else None
            excess -= give
        changed = False
        for column_key, width in widths.items():
            column = self.columns[column_key]
            auto = width is None
            if column.auto_width != auto or (not auto and column.width != width):
                column.auto_width = auto
                column.width = width or 0
                changed = True
        if changed:
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def upsert(self, job: dict) -> None:
        """Update a job's row, or add it; the cursor stays on the job it was on."""
        key = str(job["id"])
        if job["id"] in self.jobs:
            self.jobs[job["id"]] = job
            for (_, column), value in zip(COLUMNS, self.cells(job), strict=True):
                self.update_cell(key, column, value, update_width=True)
            self.call_after_refresh(self.fit_columns)
        else:
            selected = self.selected_job_id
            self.jobs[job["id"]] = job
            self.add_row(*self.cells(job), key=key)
            self._keep_cursor_on(selected)
            self.call_after_refresh(self.fit_columns)

    def remove(self, job_id: int) -> None:
        """Drop a job's row. The cursor stays on the job it was on: DataTable keeps the row
        index instead, which would slide the highlight onto the next job. If the selected job
        itself goes, the cursor stays at its place, on the job below (or the new last one)."""
        if self.jobs.pop(job_id, None) is None:
            return
        selected = self.selected_job_id
        self.remove_row(str(job_id))
        if selected != job_id:
            self._keep_cursor_on(selected)

    def _keep_cursor_on(self, job_id: int | None) -> None:
        if job_id in self.jobs:
            row = self.get_row_index(str(job_id))
            if row != self.cursor_row:
                self.move_cursor(row=row)

    def tick(self) -> None:
        """Refresh the duration of running jobs (called once a second while any runs)."""
        for job in self.jobs.values():
            if job["status"] == "running":
                self.update_cell(
                    str(job["id"]), "duration", format_duration(job_duration(job, self.clock()))
                )

    @property
    def any_running(self) -> bool:
        return any(j["status"] == "running" for j in self.jobs.values())

    @property
    def selected_job_id(self) -> int | None:
        if not self.jobs or self.cursor_row is None or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key
        except Exception:
            return None
        return int(key.value) if key.value is not None else None

    @property
    def selected_job(self) -> dict | None:
        job_id = self.selected_job_id
        return self.jobs.get(job_id) if job_id is not None else None
