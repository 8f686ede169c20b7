"""`aio ls` with the core running and 20 jobs in its history, against `python -c pass`.

Both are whole processes of the same interpreter, timed from spawn to exit, interleaved (the
order alternates every round) so that the machine's noise falls on both alike.
Goal: the median `aio ls` costs at most 2.5x the median `python -c pass`. Then where its time
goes: the imports of `aio ls` (-X importtime) and the core's answer to GET /jobs in-process.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import Core, goal, header, ms, ratio, request, submit, summary, wait_jobs
from _runs import import_profile

HISTORY_JOBS = 20
ROUNDS = 25
GOAL_RATIO = 2.5


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    header("bench_ls: `aio ls` wall time vs `python -c pass`")
    with Core() as core:
        ids = [submit(core.home, f"history-{i}", f"echo job {i}") for i in range(HISTORY_JOBS)]
        wait_jobs(core.home, ids, ("done",), timeout=60)
        listing = core.run("ls", capture_output=True, text=True, check=True).stdout
        rows = len(listing.splitlines()) - 1
        print(f"core pid {core.pid}; `aio ls` lists {rows} jobs")

        baseline_argv = [sys.executable, "-c", "pass"]
        ls_argv = [core.aio, "ls"]
        timed(baseline_argv)  # warm the page cache for both before measuring
        timed(ls_argv)
        base: list[float] = []
        aio: list[float] = []
        for i in range(ROUNDS):
            if i % 2:
                aio.append(timed(ls_argv))
                base.append(timed(baseline_argv))
            else:
                base.append(timed(baseline_argv))
                aio.append(timed(ls_argv))
        print(f"imports of aio ls (median of 5, cumulative): {import_profile(ls_argv)}")
        answers = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            request(core.home, "GET", "/jobs")
            answers.append(time.perf_counter() - start)
        print(f"the core's answer to GET /jobs, in this process: {summary(answers)}")

    base_median, aio_median = statistics.median(base), statistics.median(aio)
    print(f"python -c pass : {summary(base)}")
    print(f"aio ls         : {summary(aio)}")
    print(f"aio ls overhead over the bare interpreter: {ms(aio_median - base_median)}")
    print(f"ratio aio ls / python -c pass: {ratio(aio_median, base_median)}")
    goal(
        f"aio ls median <= {GOAL_RATIO:g}x python -c pass "
        f"(measured {ratio(aio_median, base_median)})",
        aio_median <= GOAL_RATIO * base_median,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
