"""How jobs look on a terminal: the `aio ls` table, durations, status colours."""

from __future__ import annotations

import time

from aio.text.table import text_table

NAME_WIDTH = 40  # longer job names are cut with an ellipsis
STATUS_COLOURS = {
    "queued": "\x1b[2m",
    "running": "\x1b[36m",
    "done": "\x1b[32m",
    "failed": "\x1b[31m",
    "killed": "\x1b[33m",
    "timeout": "\x1b[35m",
    "lost": "\x1b[31;2m",
}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def job_duration(job: dict, now: float | None = None) -> float | None:
    started = job.get("started_at")
    if started is None:
        return None
    end = job.get("finished_at") or (now if now is not None else time.time())
    return end - started


def step_label(job: dict) -> str:
    steps = job["steps"]
    current = job.get("current_step")
    if current is None:
        done = sum(1 for s in steps if s["status"] == "done")
        return f"{done}/{len(steps)}"
    return f"{current + 1}/{len(steps)}"


def jobs_table(jobs: list[dict], colour: bool, now: float | None = None) -> str:
    """The `aio ls` table: number, name, status, step i/n, exit code, duration."""
    headers = ("#", "NAME", "STATUS", "STEP", "EXIT", "DURATION")
    rows = [
        (
            str(j["id"]),
            j["name"],
            j["status"],
            step_label(j),
            "-" if j.get("exit_code") is None else str(j["exit_code"]),
            format_duration(job_duration(j, now)),
        )
        for j in jobs
    ]
    colours = [STATUS_COLOURS.get(row[2], "") for row in rows] if colour else None
    return text_table(headers, rows, colour_column=2, colours=colours, max_widths={1: NAME_WIDTH})
