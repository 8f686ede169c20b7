"""The Claude screen's first rows against the Jobs screen's first frame, in a real terminal.

Setup: a core holding SESSIONS aio Claude session records made through it: headless sessions
(`aio claude new --headless -- PROMPT`, the real `claude -p` against the tests' Messages API
stub, bench/_claude.py) that each answered their prompt, then `aio claude stop` (ended records,
resumable), so the core also holds their SESSIONS jobs (killed) for the Jobs screen.

Each run opens a fresh tmux window (120x35, bench/_tmux.py) whose process is the dashboard
(`exec aio ...`) and times from just before the window is created. Three kinds of run, in
turn, ROUNDS each after a warm-up:
- `aio` -> the Jobs screen's first frame: the newest job's row (number, name, status), which
  only a frame drawn from the core's jobs can show (the baseline);
- `aio --screen claude` -> the first Claude row (`1 ended`), and -> every session's row (the
  goal's figure: the Claude screen opened as the user opens it);
- for context, `aio`, then `4` sent at its first frame -> the first Claude row: what a switch
  costs on top of a start (the screen's first build: its widgets' styles).
Goal: `aio --screen claude` -> first Claude row <= GOAL_RATIO x `aio` -> first Jobs frame.
"""

from __future__ import annotations

import shlex
import statistics
import sys
import time
from pathlib import Path

from _claude import ClaudeBench, new_sessions, wait_answered, wait_sessions
from _common import goal, header, jobs, ms, ratio, summary
from _tmux import Tmux, row_starts_with

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
        aio = shlex.quote(core.aio)
        with Tmux() as tmux:
            # Run 0 warms the page cache and the core's caches; then the three kinds take turns.
            for run in range(3 * ROUNDS + 1):
                kind = "warm" if run == 0 else ("jobs", "claude", "switch")[run % 3]
                window = f"dash{run}"
                command = f"exec {aio} --screen claude" if kind == "claude" else f"exec {aio}"
                tmux.drain()
                t0 = time.perf_counter()
                pid = tmux.launch(window, command, {"AIO_HOME": core.home})
                try:
                    if kind == "claude":
                        rows = tmux.watch(
                            window, {"first": first_row, "all": last_row}, 30, start=t0
                        )
                        results["first"].append(rows["first"])
                        results["all"].append(max(rows["first"], rows["all"]))
                        continue
                    frame = tmux.watch(window, {"frame": jobs_frame}, 30, start=t0)["frame"]
                    if kind == "jobs":
                        results["frame"].append(frame)
                        continue
                    sent = time.perf_counter()
                    tmux.send_keys(window, "4")
                    rows = tmux.watch(window, {"first": first_row}, 30, start=t0)
                    if kind == "switch":
                        results["key"].append(rows["first"] - (sent - t0))
                finally:
                    tmux.close(window, pid)
    frame, first = statistics.median(results["frame"]), statistics.median(results["first"])
    key = statistics.median(results["key"])
    print(f"aio -> first Jobs frame (newest job row)         : {summary(results['frame'])}")
    print(f"aio --screen claude -> first Claude row          : {summary(results['first'])}")
    print(f"aio --screen claude -> every Claude row          : {summary(results['all'])}")
    print(f"aio, key 4 at its first frame -> first Claude row: {summary(results['key'])}")
    print("ratios to aio -> first Jobs frame:")
    print(f"  aio --screen claude -> first Claude row (the goal's): {ratio(first, frame)}")
    print(f"  key 4 at the first frame -> first Claude row        : {ratio(key, frame)}")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    goal(
        f"aio --screen claude -> first Claude row <= {GOAL_RATIO:g}x aio -> first Jobs frame "
        f"(measured {ratio(first, frame)}; {ms(first)} vs {ms(frame)})",
        first <= GOAL_RATIO * frame,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
