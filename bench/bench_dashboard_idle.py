"""CPU use of the open, idle dashboard: a few finished jobs, none running, nobody typing.

`aio` and the baseline, bench/bare_textual_app.py (a bare Textual app with a Header, a 7-column
DataTable of 200 rows and a Footer), run side by side in two tmux windows (120x35). Once both
show their rows and have settled (no CPU tick over half a second, within a deadline), the
utime + stime of each process (/proc/PID/stat, every thread) is read over the same 30 s window,
as a percentage of one core. Also reported: wake-ups (context switches of every thread) and the
bytes each wrote to its terminal (/proc/PID/io wchar) in the window: an idle app should neither
wake up nor redraw.
Goal: the dashboard uses < 1% of one core.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

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
    wait_for,
    wait_jobs,
)
from _tmux import Tmux, row_starts_with

FINISHED_JOBS = 5
WINDOW = 30.0
QUIET = 0.5  # seconds without a CPU tick that count as settled
GOAL_PERCENT = 1.0
BARE_APP = Path(__file__).resolve().parent / "bare_textual_app.py"


def written(pid: int) -> int:
    """Bytes the process has written (write(2) and friends), from /proc/PID/io."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise KeyError(f"wchar not in /proc/{pid}/io")


def settled(pids: list[int]) -> bool:
    """True when none of `pids` used a CPU tick over the last QUIET seconds (this waits QUIET:
    the deadline is the caller's)."""
    before = [cpu_ticks(pid) for pid in pids]
    time.sleep(QUIET)
    return [cpu_ticks(pid) for pid in pids] == before


def main() -> int:
    header("bench_dashboard_idle: CPU of the open, idle dashboard vs a bare Textual app")
    with Core() as core:
        ids = [submit(core.home, f"done-{i}", f"echo finished {i}") for i in range(FINISHED_JOBS)]
        wait_jobs(core.home, ids, ("done",), timeout=60)
        with Tmux() as tmux:
            dash = tmux.launch("dash", f"exec {shlex.quote(core.aio)}", {"AIO_HOME": core.home})
            bare = tmux.launch(
                "bare", f"exec {shlex.quote(sys.executable)} {shlex.quote(str(BARE_APP))}"
            )
            newest = f"done-{FINISHED_JOBS - 1}"
            tmux.watch("dash", {"rows": row_starts_with(str(ids[-1]), newest, "done")}, 60)
            tmux.watch("bare", {"rows": row_starts_with("200", "bare-newest", "done")}, 60)
            start = time.monotonic()
            wait_for(lambda: settled([dash, bare]), 30, "both apps to settle", interval=0)
            print(
                f"dashboard pid {dash} ({threads(dash)} threads, VmRSS {status_kb(dash, 'VmRSS')}"
                f" kB), bare pid {bare} ({threads(bare)} threads, VmRSS "
                f"{status_kb(bare, 'VmRSS')} kB); settled after {time.monotonic() - start:.1f} s;"
                f" window {WINDOW:.0f} s"
            )
            pids = {"dashboard": dash, "bare": bare}
            ticks = {k: cpu_ticks(p) for k, p in pids.items()}
            wakes = {k: context_switches(p) for k, p in pids.items()}
            out = {k: written(p) for k, p in pids.items()}
            start = time.monotonic()
            time.sleep(WINDOW)  # the measurement window itself, not a wait for a condition
            elapsed = time.monotonic() - start
            ticks = {k: cpu_ticks(p) - ticks[k] for k, p in pids.items()}
            wakes = {k: context_switches(p) - wakes[k] for k, p in pids.items()}
            out = {k: written(p) - out[k] for k, p in pids.items()}
            tmux.close("dash", dash)
            tmux.close("bare", bare)

    percent = {k: t / CLK_TCK / elapsed * 100 for k, t in ticks.items()}
    for key, label in (("dashboard", "aio dashboard"), ("bare", "bare Textual ")):
        print(
            f"{label}: {ticks[key]} ticks = {percent[key]:.3f}% of one core, "
            f"{wakes[key] / elapsed:.1f} wake-ups/s, {out[key]} bytes written"
        )
    print(
        f"(1 tick = {1000 / CLK_TCK:.0f} ms of CPU; resolution {100 / CLK_TCK / elapsed:.3f}% "
        f"over {elapsed:.1f} s)"
    )
    print(
        f"ratio dashboard / bare Textual CPU: {ratio(ticks['dashboard'], ticks['bare'])}; "
        f"wake-ups {ratio(wakes['dashboard'], wakes['bare'])}; "
        f"difference {percent['dashboard'] - percent['bare']:.3f} percentage points"
    )
    goal(
        f"idle dashboard CPU < {GOAL_PERCENT:g}% of one core (measured "
        f"{percent['dashboard']:.3f}%)",
        percent["dashboard"] < GOAL_PERCENT,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
