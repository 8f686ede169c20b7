"""The core's memory after 20 jobs have each printed 50 MB (1 GB of output in all).

RSS (VmRSS) and peak RSS (VmHWM) from /proc/PID/status. Baseline: the same core's RSS right
after it started, with no jobs. All 20 jobs are queued at once; the core runs `workers` (default
4) at a time. The 1 GB of logs in the temporary home is deleted at the end.
Goal: RSS < 150 MB.
"""

from __future__ import annotations

import os
import sys
import time

from _common import CLK_TCK, Core, cpu_ticks, goal, header, jobs, ratio, status_kb, submit, wait_for

JOBS = 20
BYTES_PER_JOB = 50_000_000
DEADLINE = 300.0
GOAL_MB = 150
PRINT_50MB = f"head -c {BYTES_PER_JOB} /dev/zero | tr '\\0' x | fold -w 100"


def mb(kb: int) -> str:
    return f"{kb * 1024 / 1e6:.1f} MB"


def main() -> int:
    header("bench_memory: core RSS after 20 jobs x 50 MB of output")
    with Core() as core:
        base_rss, base_hwm = status_kb(core.pid, "VmRSS"), status_kb(core.pid, "VmHWM")
        print(f"core pid {core.pid}; step: {PRINT_50MB!r}")
        start, ticks = time.monotonic(), cpu_ticks(core.pid)
        ids = set()
        for i in range(JOBS):
            ids.add(submit(core.home, f"print50-{i}", PRINT_50MB))
        samples: list[int] = []

        def all_finished() -> list[dict] | None:
            samples.append(status_kb(core.pid, "VmRSS"))
            found = [j for j in jobs(core.home) if j["id"] in ids]
            if all(j["status"] not in ("queued", "running") for j in found):
                return found
            return None

        finished = wait_for(all_finished, DEADLINE, f"{JOBS} jobs to finish", interval=0.5)
        elapsed = time.monotonic() - start
        core_cpu = (cpu_ticks(core.pid) - ticks) / CLK_TCK
        rss, hwm = status_kb(core.pid, "VmRSS"), status_kb(core.pid, "VmHWM")
        logs = sum(
            os.path.getsize(j["log_path"]) for j in finished if os.path.exists(j["log_path"])
        )
        statuses = sorted({j["status"] for j in finished})

    print(
        f"{JOBS} jobs finished in {elapsed:.1f} s ({statuses}); logs on disk: {logs} bytes "
        f"({logs / elapsed / 1e6:.0f} MB/s through the core); the home is removed"
    )
    print(f"core CPU while the jobs ran: {core_cpu:.1f} s ({core_cpu / elapsed:.0%} of one core)")
    print(f"baseline, right after start: VmRSS {mb(base_rss)}, VmHWM {mb(base_hwm)}")
    print(f"while the jobs ran: VmRSS max sampled {mb(max(samples))} ({len(samples)} samples)")
    print(f"after the jobs    : VmRSS {mb(rss)}, VmHWM (peak) {mb(hwm)}")
    print(f"ratio to the baseline RSS: VmRSS {ratio(rss, base_rss)}, VmHWM {ratio(hwm, base_rss)}")
    goal(
        f"core RSS < {GOAL_MB} MB, now and at its peak (VmRSS {mb(rss)}, peak {mb(hwm)})",
        max(rss, hwm) * 1024 < GOAL_MB * 1e6,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
