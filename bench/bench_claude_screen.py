"""The Claude screen's first rows against the Jobs screen's first frame, in a real terminal.

Setup: a core holding SESSIONS aio Claude session records made through it: headless sessions
(`aio claude new --headless -- PROMPT`, the real `claude -p` against the tests' Messages API
stub, bench/_claude.py) that each answered their prompt, then `aio claude stop` (ended records,
resumable), so the core also holds their SESSIONS jobs (killed) for the Jobs screen.

`aio` has no option to open on the Claude screen (the dashboard starts on the Jobs screen; key
`4` switches), so each run opens a fresh tmux window (120x35, bench/_tmux.py) whose process is
`exec aio` and times, from just before the window is created:
- launch -> the Jobs screen's first frame: the newest job's row (number, name, status), which
  only a frame drawn from the core's jobs can show;
- then `4` is sent at once, and -> the first Claude row (`1 ended`), and -> every session's row.
Both figures come from the same launch, so they are paired. ROUNDS such runs, after a warm-up;
interleaved with ROUNDS runs that send `4` only once the dashboard has settled (no CPU tick over
half a second): key 4 -> first Claude row there is the screen's own first build and draw, with
the sessions already in the app (what the first kind adds on top is waiting for them).
Goal: launch -> first Claude row (the way a user gets there: launch, then 4) <= GOAL_RATIO x
launch -> first Jobs frame. Also printed: key 4 -> first Claude row on its own.
"""

from __future__ import annotations

import shlex
import statistics
import sys
import time
from pathlib import Path

from _claude import ClaudeBench, new_sessions, wait_answered, wait_sessions
from _common import goal, header, jobs, ms, ratio, summary, wait_for
from _tmux import Tmux, row_starts_with
from bench_dashboard_idle import settled

SESSIONS = 10
# Each session is a job: `workers` (default 4) would queue all but four of them.
CONFIG = f"workers = {SESSIONS + 2}\n"
ROUNDS = 12
GOAL_RATIO = 1.3


def make_records(bench: ClaudeBench, core) -> list[int]:
    """SESSIONS headless sessions that answered one prompt each, then stopped; their numbers."""
    numbers = new_sessions(core, bench.work, SESSIONS, "--headless", prompt="bench prompt")
    wait_answered(bench, core.home, numbers, 120)
    for number in numbers:
        core.run("claude", "stop", str(number), check=True, capture_output=True)
    wait_sessions(core.home, numbers, "ended", 60)
    return numbers


def main() -> int:
    header("bench_claude_screen: the Claude screen's first rows vs the Jobs screen's first frame")
    with ClaudeBench() as bench, bench.core(CONFIG) as core:
        started = time.monotonic()
        numbers = make_records(bench, core)
        history = jobs(core.home)
        newest = max(history, key=lambda j: j["id"])
        print(
            f"core pid {core.pid}; {len(numbers)} ended claude sessions and {len(history)} jobs "
            f"made in {time.monotonic() - started:.1f} s; newest job #{newest['id']} "
            f"{newest['name']} {newest['status']}"
        )
        jobs_frame = row_starts_with(str(newest["id"]), newest["name"], newest["status"])
        first_row = row_starts_with(str(numbers[0]), "ended")
        last_row = row_starts_with(str(numbers[-1]), "ended")
        results: dict[str, list[float]] = {k: [] for k in ("frame", "first", "all", "key")}
        settled_switch: list[float] = []
        with Tmux() as tmux:
            # Run 0 warms the page cache and the core's caches; then the two kinds alternate.
            for run in range(2 * ROUNDS + 1):
                window = f"dash{run}"
                tmux.drain()
                t0 = time.perf_counter()
                pid = tmux.launch(window, f"exec {shlex.quote(core.aio)}", {"AIO_HOME": core.home})
                try:
                    frame = tmux.watch(window, {"frame": jobs_frame}, 30, start=t0)["frame"]
                    if run % 2 == 0 and run:
                        wait_for(
                            lambda p=pid: settled([p]), 30, "the dashboard to settle", interval=0
                        )
                    sent = time.perf_counter()
                    tmux.send_keys(window, "4")
                    rows = tmux.watch(window, {"first": first_row, "all": last_row}, 30, start=t0)
                finally:
                    tmux.close(window, pid)
                if run % 2:
                    results["frame"].append(frame)
                    results["first"].append(rows["first"])
                    results["all"].append(max(rows["first"], rows["all"]))
                    results["key"].append(rows["first"] - (sent - t0))
                elif run:
                    settled_switch.append(rows["first"] - (sent - t0))
    frame, first = statistics.median(results["frame"]), statistics.median(results["first"])
    key, switch = statistics.median(results["key"]), statistics.median(settled_switch)
    print(f"launch -> first Jobs frame (newest job row)  : {summary(results['frame'])}")
    print(f"launch -> 4 at that frame -> first Claude row: {summary(results['first'])}")
    print(f"launch -> 4 at that frame -> every Claude row: {summary(results['all'])}")
    print(f"key 4 at the first frame -> first Claude row : {summary(results['key'])}")
    print(f"key 4 once settled -> first Claude row       : {summary(settled_switch)}")
    print("ratios to launch -> first Jobs frame:")
    print(f"  key 4 at the first frame -> first Claude row: {ratio(key, frame)}")
    print(f"  key 4 once settled -> first Claude row      : {ratio(switch, frame)}")
    print(f"  launch -> first Claude row (the goal's)     : {ratio(first, frame)}")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    goal(
        f"launch -> first Claude row <= {GOAL_RATIO:g}x launch -> first Jobs frame "
        f"(measured {ratio(first, frame)}; {ms(first)} vs {ms(frame)})",
        first <= GOAL_RATIO * frame,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
