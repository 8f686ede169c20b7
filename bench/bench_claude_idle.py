"""CPU use of the open dashboard on the Claude screen with SESSIONS idle interactive sessions.

Setup: a core running SESSIONS real `claude` TUIs, each in its job's PTY against the tests'
Messages API stub (bench/_claude.py), each given a prompt (`aio claude new -- PROMPT`), which it
answered before going idle through its Stop hook. `aio` opens in a tmux window (120x35,
bench/_tmux.py) and `4` switches it to the Claude screen, where the first session is selected
and its terminal previewed live (the preview shows the stub's reply). Beside it, in another
window, bench/bare_textual_app.py (a bare Textual app: Header, 7-column DataTable of 200 rows,
Footer), as in bench_dashboard_idle.

Once both have settled (no CPU tick over half a second, within a deadline; if the dashboard
never does, that is said and the window measured anyway), the utime + stime of every thread
(/proc/PID/stat) is read over the same window, as a percentage of one core: the dashboard, the
bare app, the core, and all the `claude` processes together (the process groups of the
sessions' jobs: they are not aio's, and are reported apart). Also the dashboard's and the bare
app's wake-ups and bytes written to the terminal, and the bytes the previewed session printed.
Two windows: FRESH_WINDOW seconds at once, while the rows' Updated column still counts seconds
("12s ago", redrawn every second), then, once every session has been idle for a minute (the
column shows minutes), WINDOW seconds: the goal's figure.
Goal: the dashboard uses < GOAL_PERCENT of one core in the second window.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
import time
from pathlib import Path

from _claude import ClaudeBench, new_sessions, session, wait_answered
from _common import CLK_TCK, context_switches, cpu_ticks, goal, header, jobs, ratio, wait_for
from _tmux import Tmux, row_starts_with
from bench_dashboard_idle import BARE_APP, settled, written

SESSIONS = 10
# Each session is a job: `workers` (default 4) would queue all but four of them.
CONFIG = f"workers = {SESSIONS + 2}\n"
WINDOW = 30.0
FRESH_WINDOW = 15.0
GOAL_PERCENT = 1.0


def group_pids(pgids: set[int]) -> list[int]:
    """The live processes whose process group is one of `pgids`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[2]) in pgids:
                    found.append(int(entry.name))
    return found


def claude_screen(numbers: list[int]):
    """A screen predicate: every session's row shows `idle`, and the preview shows the first
    session's reply (it is the one selected)."""
    rows = [row_starts_with(str(n), "idle") for n in numbers]
    reply = re.compile(rf"stub reply to: bench prompt {numbers[0]}\b")

    def check(lines: list[str]) -> bool:
        return all(row(lines) for row in rows) and any(reply.search(line) for line in lines)

    return check


def ticks_of(pids: list[int]) -> dict[int, int]:
    counted = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            counted[pid] = cpu_ticks(pid)
    return counted


class Window:
    """CPU ticks, wake-ups and bytes written of the apps, the core and the claude processes
    over one measurement window, and the bytes the previewed session's job printed."""

    def __init__(self, pids: dict[str, int], claude: list[int], log: Path) -> None:
        self.pids, self.claude, self.log = pids, claude, log

    def measure(self, seconds: float) -> dict:
        apps = ("dashboard", "bare")
        ticks = {k: cpu_ticks(p) for k, p in self.pids.items()}
        claude = ticks_of(self.claude)
        wakes = {k: context_switches(self.pids[k]) for k in apps}
        out = {k: written(self.pids[k]) for k in apps}
        printed = self.log.stat().st_size
        start = time.monotonic()
        time.sleep(seconds)  # the measurement window itself, not a wait for a condition
        elapsed = time.monotonic() - start
        ticks = {k: cpu_ticks(p) - ticks[k] for k, p in self.pids.items()}
        ticks["claude"] = sum(
            t - claude[p] for p, t in ticks_of(self.claude).items() if p in claude
        )
        return {
            "elapsed": elapsed,
            "ticks": ticks,
            "percent": {k: t / CLK_TCK / elapsed * 100 for k, t in ticks.items()},
            "wakes": {k: context_switches(self.pids[k]) - v for k, v in wakes.items()},
            "out": {k: written(self.pids[k]) - v for k, v in out.items()},
            "printed": self.log.stat().st_size - printed,
        }


def report(title: str, figures: dict, claude_count: int) -> None:
    elapsed, ticks, percent = figures["elapsed"], figures["ticks"], figures["percent"]
    wakes, out = figures["wakes"], figures["out"]
    print(f"{title} ({elapsed:.1f} s; resolution {100 / CLK_TCK / elapsed:.3f}%):")
    for key, label in (("dashboard", "aio dashboard"), ("bare", "bare Textual ")):
        print(
            f"  {label}: {ticks[key]} ticks = {percent[key]:.3f}% of one core, "
            f"{wakes[key] / elapsed:.1f} wake-ups/s, {out[key]} bytes written"
        )
    print(f"  aio core     : {ticks['core']} ticks = {percent['core']:.3f}% of one core")
    print(
        f"  claude TUIs  : {ticks['claude']} ticks = {percent['claude']:.3f}% of one core, all "
        f"{claude_count} processes of the {SESSIONS} sessions together (not aio's); the "
        f"previewed one printed {figures['printed']} bytes"
    )
    print(
        f"  ratio dashboard / bare Textual CPU: {ratio(ticks['dashboard'], ticks['bare'])}; "
        f"wake-ups {ratio(wakes['dashboard'], wakes['bare'])}; "
        f"difference {percent['dashboard'] - percent['bare']:.3f} percentage points"
    )


def ages(home: str, numbers: list[int]) -> list[float]:
    """Seconds since each session's record last changed."""
    return [time.time() - session(home, n)["updated_at"] for n in numbers]


def main() -> int:
    header(
        f"bench_claude_idle: CPU of the dashboard on the Claude screen, {SESSIONS} idle sessions"
    )
    with ClaudeBench() as bench, bench.core(CONFIG) as core:
        started = time.monotonic()
        numbers = new_sessions(core, bench.work, SESSIONS, prompt="bench prompt")
        found = wait_answered(bench, core.home, numbers, 180)
        running = [j for j in jobs(core.home) if j["status"] == "running"]
        pgids = {j["pgid"] for j in running}
        log = Path(next(j["log_path"] for j in running if j["id"] == found[0]["job"]))
        print(
            f"core pid {core.pid}; {len(found)} interactive sessions idle after one prompt "
            f"each, {time.monotonic() - started:.1f} s after the first `aio claude new`"
        )
        with Tmux() as tmux:
            dash = tmux.launch("dash", f"exec {shlex.quote(core.aio)}", {"AIO_HOME": core.home})
            bare = tmux.launch(
                "bare", f"exec {shlex.quote(sys.executable)} {shlex.quote(str(BARE_APP))}"
            )
            newest = session(core.home, numbers[-1])["job"]
            tmux.watch("dash", {"jobs": row_starts_with(str(newest), f"claude-{numbers[-1]}")}, 60)
            tmux.send_keys("dash", "4")
            tmux.watch("dash", {"claude": claude_screen(numbers)}, 60)
            tmux.watch("bare", {"rows": row_starts_with("200", "bare-newest", "done")}, 60)
            start = time.monotonic()
            try:
                wait_for(lambda: settled([dash, bare]), 30, "both apps to settle", interval=0)
                note = f"settled after {time.monotonic() - start:.1f} s"
            except TimeoutError:
                note = "NOT settled within 30 s (measured anyway)"
            claude = group_pids(pgids)
            print(f"dashboard pid {dash}, bare pid {bare}, {len(claude)} claude processes; {note}")
            window = Window({"dashboard": dash, "bare": bare, "core": core.pid}, claude, log)
            young = ages(core.home, numbers)
            fresh = window.measure(FRESH_WINDOW)
            # The rows' Updated column counts seconds for a minute, then minutes.
            wait_for(lambda: min(ages(core.home, numbers)) >= 60, 120, "a minute of idleness")
            old = ages(core.home, numbers)
            idle = window.measure(WINDOW)
            tmux.close("dash", dash)
            tmux.close("bare", bare)
    report(
        f"window 1: the sessions' last change {min(young):.0f}-{max(young):.0f} s ago "
        "(Updated counts seconds)",
        fresh,
        len(claude),
    )
    report(
        f"window 2, the goal's: the sessions' last change {min(old):.0f}-{max(old):.0f} s ago",
        idle,
        len(claude),
    )
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    percent = idle["percent"]["dashboard"]
    goal(
        f"dashboard CPU on the Claude screen with {SESSIONS} idle sessions < {GOAL_PERCENT:g}% "
        f"of one core (measured {percent:.3f}%)",
        percent < GOAL_PERCENT,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
