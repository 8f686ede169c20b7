"""CPU use of an idle core: 20 finished jobs in its history and 2 jobs running `sleep 1000`.

The core's utime + stime (/proc/PID/stat, every thread) over a 30 s window, as a percentage of
one core. Baseline over the same window: an idle `python -c "import time; time.sleep(60)"`
(it prints a line once started, so its start-up is not counted). Wake-ups (context switches of
every thread) are reported too: an idle process should hardly ever be scheduled.
Goal: the core uses < 0.5% of one core.
"""

from __future__ import annotations

import subprocess
import sys
import time

from _common import (
    CLK_TCK,
    Core,
    context_switches,
    cpu_ticks,
    goal,
    header,
    ratio,
    status_kb,
    submit,
    threads,
    wait_jobs,
)

FINISHED_JOBS = 20
SLEEPERS = 2
WINDOW = 30.0
SETTLE = 2.0
GOAL_PERCENT = 0.5
IDLE_PYTHON = "import sys, time; print('ready', flush=True); time.sleep(60)"


def main() -> int:
    header("bench_idle: CPU of the core with 20 finished and 2 sleeping jobs")
    with Core() as core:
        ids = [submit(core.home, f"done-{i}", f"echo finished {i}") for i in range(FINISHED_JOBS)]
        wait_jobs(core.home, ids, ("done",), timeout=60)
        sleepers = [submit(core.home, f"sleeper-{i}", "sleep 1000") for i in range(SLEEPERS)]
        try:
            wait_jobs(core.home, sleepers, ("running",), timeout=30)
            baseline = subprocess.Popen(
                [sys.executable, "-c", IDLE_PYTHON], stdout=subprocess.PIPE, text=True
            )
            try:
                if baseline.stdout.readline().strip() != "ready":
                    raise RuntimeError("the idle python did not start")
                # The core has just finished 20 jobs and started 2: let its follow-up work
                # (database writes, pruning) end before the window opens.
                time.sleep(SETTLE)
                print(
                    f"core pid {core.pid}: {threads(core.pid)} threads, "
                    f"VmRSS {status_kb(core.pid, 'VmRSS')} kB; baseline pid {baseline.pid}; "
                    f"window {WINDOW:.0f} s"
                )
                core_ticks, base_ticks = cpu_ticks(core.pid), cpu_ticks(baseline.pid)
                core_wakes, base_wakes = context_switches(core.pid), context_switches(baseline.pid)
                start = time.monotonic()
                time.sleep(WINDOW)  # the measurement window itself, not a wait for a condition
                elapsed = time.monotonic() - start
                core_ticks = cpu_ticks(core.pid) - core_ticks
                base_ticks = cpu_ticks(baseline.pid) - base_ticks
                core_wakes = context_switches(core.pid) - core_wakes
                base_wakes = context_switches(baseline.pid) - base_wakes
            finally:
                baseline.kill()
                baseline.wait()
            still = [j["status"] for j in wait_jobs(core.home, sleepers, ("running",), 5)]
        finally:
            core.run("kill", *map(str, sleepers), stdout=subprocess.DEVNULL)
            wait_jobs(core.home, sleepers, ("killed", "failed"), timeout=30)

    core_pct = core_ticks / CLK_TCK / elapsed * 100
    base_pct = base_ticks / CLK_TCK / elapsed * 100
    resolution = 100 / CLK_TCK / elapsed
    print(f"sleep jobs still running at the end of the window: {still}")
    print(
        f"core        : {core_ticks} ticks = {core_pct:.3f}% of one core, "
        f"{core_wakes / elapsed:.1f} wake-ups/s"
    )
    print(
        f"idle python : {base_ticks} ticks = {base_pct:.3f}% of one core, "
        f"{base_wakes / elapsed:.1f} wake-ups/s"
    )
    print(
        f"(1 tick = {1000 / CLK_TCK:.0f} ms of CPU; resolution {resolution:.3f}% over "
        f"{elapsed:.1f} s)"
    )
    print(
        f"ratio core / idle python CPU: {ratio(core_ticks, base_ticks)}; "
        f"difference {core_pct - base_pct:.3f} percentage points"
    )
    goal(
        f"core CPU < {GOAL_PERCENT}% of one core (measured {core_pct:.3f}%)",
        core_pct < GOAL_PERCENT,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
