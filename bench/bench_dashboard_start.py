"""Cold start of the dashboard: `aio` launched in a terminal until its first frame shows the jobs.

The core is already running with 200 finished jobs in its history (`keep_jobs = 200`). Each run
opens a fresh tmux window (120x35) whose process is `exec aio`, and times from just before the
window is created until the screen shows the newest job's row (number, name, status), read with
`capture-pane` whenever the pane writes and at least every 5 ms. Also reported: until the first
job row of any kind is on screen.

Baseline, started the same way and interleaved (the order alternates every round):
bench/bare_textual_app.py, a bare Textual app with a Header, a DataTable of the same 7 columns
and 200 rows of the same kind that it builds itself, and a Footer, timed until its last row shows.
Goal: the median `aio` start <= 1.3x the median bare Textual start.
"""

from __future__ import annotations

import re
import shlex
import statistics
import sys
import time
from pathlib import Path

from _common import Core, goal, header, ms, ratio, submit, summary, wait_jobs
from _tmux import Tmux, row_starts_with

HISTORY = 200
ROUNDS = 12
GOAL_RATIO = 1.3
NEWEST_AIO = "aio-newest"
NEWEST_BARE = "bare-newest"
BARE_APP = Path(__file__).resolve().parent / "bare_textual_app.py"
ANY_ROW = re.compile(r"^\s*\d+\s+(history-\d+|aio-newest|bare-newest)\s+done\b")


def any_row(lines: list[str]) -> bool:
    return any(ANY_ROW.match(line) for line in lines)


def main() -> int:
    header("bench_dashboard_start: `aio` start to the first frame with the jobs vs bare Textual")
    with Core(config=f"keep_jobs = {HISTORY}\n") as core:
        start = time.monotonic()
        ids = [submit(core.home, f"history-{i}", "true") for i in range(1, HISTORY)]
        ids.append(submit(core.home, NEWEST_AIO, "true"))
        wait_jobs(core.home, ids, ("done",), timeout=150, interval=0.25)
        print(
            f"core pid {core.pid}; {len(ids)} jobs done in {time.monotonic() - start:.1f} s, "
            f"newest #{ids[-1]} {NEWEST_AIO}"
        )
        commands = {
            "aio": (f"exec {shlex.quote(core.aio)}", NEWEST_AIO, str(ids[-1])),
            "bare": (
                f"exec {shlex.quote(sys.executable)} {shlex.quote(str(BARE_APP))} "
                f"--rows {HISTORY} --newest {NEWEST_BARE}",
                NEWEST_BARE,
                str(HISTORY),
            ),
        }
        results: dict[str, dict[str, list[float]]] = {
            kind: {"rows": [], "newest": []} for kind in commands
        }

        with Tmux() as tmux:
            count = 0

            def run_once(kind: str, record: bool) -> None:
                nonlocal count
                count += 1
                shell, name, number = commands[kind]
                window = f"{kind}{count}"
                checks = {"rows": any_row, "newest": row_starts_with(number, name, "done")}
                tmux.drain()
                t0 = time.perf_counter()
                pid = tmux.launch(window, shell, {"AIO_HOME": core.home})
                try:
                    found = tmux.watch(window, checks, timeout=30, start=t0)
                    if count <= 2:
                        print(f"{kind}: pane {tmux.size(window)}, pid {pid}")
                finally:
                    tmux.close(window, pid)
                if record:
                    for key, seconds in found.items():
                        results[kind][key].append(seconds)

            run_once("aio", record=False)  # warm-up: page cache, bytecode, the core's caches
            run_once("bare", record=False)
            for i in range(ROUNDS):
                order = ("aio", "bare") if i % 2 else ("bare", "aio")
                for kind in order:
                    run_once(kind, record=True)

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
    goal(
        f"aio start median <= {GOAL_RATIO:g}x bare Textual "
        f"(measured {ratio(aio_newest, bare_newest)})",
        aio_newest <= GOAL_RATIO * bare_newest,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
