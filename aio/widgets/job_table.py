"""JobTable: the live jobs list (number, name, status, step, exit, duration, started)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from aio.jobs.display import format_duration, job_duration, step_label

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


class JobTable(DataTable):
    """A DataTable keyed by job number, updated row by row from core events."""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock
        self.jobs: dict[int, dict] = {}

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def cells(self, job: dict) -> list:
        status = job["status"]
        return [
            Text(str(job["id"]), justify="right"),
            job["name"],
            Text(status, style=STATUS_STYLES.get(status, "")),
            step_cell(job),
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
        self._clear_caches()
        self.refresh()

    def upsert(self, job: dict) -> None:
        """Update a job's row, or add it; the cursor stays on the job it was on."""
        key = str(job["id"])
        if job["id"] in self.jobs:
            self.jobs[job["id"]] = job
            for (_, column), value in zip(COLUMNS, self.cells(job), strict=True):
                self.update_cell(key, column, value, update_width=True)
        else:
            selected = self.selected_job_id
            self.jobs[job["id"]] = job
            self.add_row(*self.cells(job), key=key)
            self._keep_cursor_on(selected)

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
