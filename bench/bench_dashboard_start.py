"""Cold start of the dashboard: `aio` launched in a terminal until its first frame shows the jobs.

Two cases: the core is already running with 1 job, then (another core) with 200 finished jobs in
its history (`keep_jobs = 200`). Each run opens a fresh tmux window (120x35) whose process is
`exec aio`, and times from just before the window is created until the screen shows the newest
job's row (number, name, status), read with `capture-pane` whenever the pane writes and at least
every 5 ms. Also reported: until the first job row of any kind is on screen.

Baseline, started the same way and interleaved (the order alternating every round):
bench/bare_textual_app.py, a bare Textual app with a Header, a DataTable of the same 7 columns
and a Footer, showing exactly the rows the dashboard shows (the core's jobs, formatted as the
dashboard formats them, handed over in a file), timed until the newest row shows.
Goal, in each case: the median `aio` start <= 1.3x the median bare Textual start.
"""

from __future__ import annotations

import json
import re
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import Core, goal, header, jobs, ms, ratio, submit, summary, wait_jobs
from _tmux import Tmux, row_starts_with

CASES = (1, 200)
ROUNDS = 12
GOAL_RATIO = 1.3
NEWEST = "aio-newest"
BARE_APP = Path(__file__).resolve().parent / "bare_textual_app.py"
ANY_ROW = re.compile(r"^\s*\d+\s+(history-\d+|aio-newest)\s+done\b")


def any_row(lines: list[str]) -> bool:
    return any(ANY_ROW.match(line) for line in lines)


def dashboard_rows(home: str) -> list[list[str]]:
    """The core's jobs as the dashboard's table shows them (the same functions format them)."""
    from aio.jobs.display import format_duration, job_duration
    from aio.widgets.job_table import started_cell, step_cell

    rows = []
    for job in sorted(jobs(home), key=lambda j: j["id"]):
        exit_code = "-" if job.get("exit_code") is None else str(job["exit_code"])
        duration = format_duration(job_duration(job, time.time()))
        rows.append(
            [str(job["id"]), job["name"], job["status"], step_cell(job), exit_code, duration,
             started_cell(job)]
        )  # fmt: skip
    return rows


def measure(count: int) -> tuple[float, float]:
    """The medians (aio, bare) of launch -> the newest row, with `count` jobs."""
    print(f"-- {count} job{'s' * (count != 1)} --", flush=True)
    with Core(config=f"keep_jobs = {max(count, 20)}\n") as core:
        start = time.monotonic()
        ids = [submit(core.home, f"history-{i}", "true") for i in range(1, count)]
        ids.append(submit(core.home, NEWEST, "true"))
        wait_jobs(core.home, ids, ("done",), timeout=150, interval=0.25)
        print(
            f"core pid {core.pid}; {len(ids)} jobs done in {time.monotonic() - start:.1f} s, "
            f"newest #{ids[-1]} {NEWEST}"
        )
        rows_file = Path(tempfile.mkdtemp(prefix="aiobr")) / "rows.json"
        rows_file.write_text(json.dumps(dashboard_rows(core.home)), encoding="utf-8")
        bare = f"exec {shlex.quote(sys.executable)} {shlex.quote(str(BARE_APP))}"
        commands = {
            "aio": f"exec {shlex.quote(core.aio)}",
            "bare": f"{bare} --rows-file {shlex.quote(str(rows_file))}",
        }
        results: dict[str, dict[str, list[float]]] = {
            kind: {"rows": [], "newest": []} for kind in commands
        }
        checks = {"rows": any_row, "newest": row_starts_with(str(ids[-1]), NEWEST, "done")}

        with Tmux() as tmux:
            runs = 0

            def run_once(kind: str, record: bool) -> None:
                nonlocal runs
                runs += 1
                window = f"{kind}{runs}"
                tmux.drain()
                t0 = time.perf_counter()
                pid = tmux.launch(window, commands[kind], {"AIO_HOME": core.home})
                try:
                    found = tmux.watch(window, checks, timeout=30, start=t0)
                    if runs <= 2:
                        print(f"{kind}: pane {tmux.size(window)}, pid {pid}")
                finally:
                    tmux.close(window, pid)
                if record:
                    for key, seconds in found.items():
                        results[kind][key].append(seconds)

            run_once("aio", record=False)  # warm-up: page cache, bytecode, the core's caches
            run_once("bare", record=False)
            for i in range(ROUNDS):
                for kind in ("aio", "bare") if i % 2 else ("bare", "aio"):
                    run_once(kind, record=True)
        rows_file.unlink()
        rows_file.parent.rmdir()

    aio_newest = statistics.median(results["aio"]["newest"])
    bare_newest = statistics.median(results["bare"]["newest"])
    aio_rows = statistics.median(results["aio"]["rows"])
    bare_rows = statistics.median(results["bare"]["rows"])
    print(f"launch -> newest row on screen, aio : {summary(results['aio']['newest'])}")
    print(f"launch -> newest row on screen, bare: {summary(results['bare']['newest'])}")
    print(f"launch -> first job row,        aio : {summary(results['aio']['rows'])}")
    print(f"launch -> first job row,        bare: {summary(results['bare']['rows'])}")
    print(f"aio overhead over bare Textual (newest row): {ms(aio_newest - bare_newest)}")
    print(f"ratio aio / bare, first job row: {ratio(aio_rows, bare_rows)}")
    print(f"ratio aio / bare, newest row    : {ratio(aio_newest, bare_newest)}")
    return aio_newest, bare_newest


def main() -> int:
    header("bench_dashboard_start: `aio` start to the first frame with the jobs vs bare Textual")
    counts = [int(a) for a in sys.argv[1:]] or list(CASES)
    for count in counts:
        aio_newest, bare_newest = measure(count)
        goal(
            f"aio start with {count} job{'s' * (count != 1)} median <= {GOAL_RATIO:g}x bare "
            f"Textual (measured {ratio(aio_newest, bare_newest)})",
            aio_newest <= GOAL_RATIO * bare_newest,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
