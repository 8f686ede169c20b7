"""`aio t +Fix bug 2h` (add a todo) against `python -c pass` and taskwarrior's `task add`.

Whole processes, timed from spawn to exit, interleaved (the order rotates every round), in two
conditions: with the core running (`aio t` then asks it to add the todo, POST /todos, and waits
for its answer: no SQLite in the CLI) and with no core running (the core stopped with `aio stop`;
`aio t` finds no socket and writes SQLite itself). In each condition, ROUNDS runs of:

* `python -c pass`  with this interpreter (sys.executable), and `aio t +Fix bug 2h` with the
  console script beside it: the direct pair;
* `python3 -c pass` and `aio t +Fix bug 2h` as found on PATH (a version manager's shim, if any,
  is part of both): the PATH pair, when both are on PATH (skipped otherwise);
* `task add Fix bug due:now+2h` (taskwarrior 2.x, a C++ program) in a temporary TASKDATA with its
  own taskrc (confirmation=off, verbose=nothing), for reference. When `task` is missing it is
  installed with apt-get if this runs as root; otherwise it is skipped and said so.

Each figure is a wall-time median, with the CPU time (user + system, from wait4) beside it: on a
loaded machine the CPU time is the steadier of the two. Then, where the time goes: the imports
of `aio t` (`-X importtime`), TodoBook's open + add + close in this process (with and without
the core holding the database open: the last connection to close checkpoints the WAL), and
the core's answers to POST /todos (what `aio t +...` waits for) and POST /todos/changed.

Goal: the median `aio t +...` costs at most 2x the median `python -c pass` of the same pair.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from _common import Core, goal, header, ms, ratio, request, summary, wait_for
from _runs import Runs, import_profile, interleaved, median, on_path, python_start_note, table

from aio.todos.model import TodoBook

ROUNDS = 21
IMPORT_RUNS = 5
GOAL_RATIO = 2.0
ADD_WORDS = ["+Fix", "bug", "2h"]  # what the shell hands over for `aio t +Fix bug 2h`


def taskwarrior() -> str | None:
    """The `task` program; installed with apt-get when missing and this process is root."""
    if shutil.which("task") is None:
        if os.geteuid() != 0:
            print("taskwarrior: `task` is not installed and this is not root: skipped")
            return None
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "taskwarrior"]
        # The package lists may be missing or stale: update once if the first install fails.
        for step in (install, ["apt-get", "update", "-q"], install):
            if shutil.which("task") is not None:
                break
            print(f"taskwarrior: `task` is missing; running {' '.join(step)}", flush=True)
            try:
                subprocess.run(step, env=env, capture_output=True, timeout=150, check=False)
            except subprocess.TimeoutExpired:
                print("taskwarrior: apt-get took over 150 s")
                break
    found = shutil.which("task")
    if found is None:
        print("taskwarrior: could not be installed: skipped")
    return found


def task_env(folder: Path) -> dict[str, str]:
    """A private TASKDATA and a taskrc that never prompts or chats."""
    data = folder / "data"
    data.mkdir(parents=True)
    rc = folder / "taskrc"
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
        "news.version=99.0.0\n",
        encoding="utf-8",
    )
    return {**os.environ, "TASKRC": str(rc), "TASKDATA": str(data)}


def task_version(task: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [task, "--version"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    return out.stdout.strip() or "?"


def core_answers(home: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(os.path.join(home, "core.sock"))
        except OSError:
            return False
    return True


def measure(label: str, commands: dict[str, list[str]], envs: dict[str, dict[str, str]]) -> Runs:
    print(f"-- {label}: {ROUNDS} interleaved rounds", flush=True)
    runs = interleaved(commands, ROUNDS, envs=envs)
    table(runs, "python -c pass")
    return runs


def where_the_time_goes(core: Core, running: bool) -> None:
    """Imports of one `aio t +...`, the SQLite part in this process, the core's answer."""
    profile = import_profile([core.aio, "t", *ADD_WORDS], runs=IMPORT_RUNS)
    print(f"  imports of aio t +... (median of {IMPORT_RUNS}, cumulative): {profile}")
    book_times = []
    database = Path(core.home, "aio.db")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        book = TodoBook(database)
        book.add("in-process add", time.time() + 7200, None)
        book.close()
        book_times.append(time.perf_counter() - start)
    holder = "the core holds the database open" if running else "no other connection"
    print(f"  TodoBook open + add + close in-process ({holder}): {summary(book_times)}")
    if running:
        adds, pings = [], []
        body = {"title": "in-process add", "deadline": time.time() + 7200}
        for _ in range(ROUNDS):
            start = time.perf_counter()
            request(core.home, "POST", "/todos", body)
            adds.append(time.perf_counter() - start)
            start = time.perf_counter()
            request(core.home, "POST", "/todos/changed")
            pings.append(time.perf_counter() - start)
        print(f"  POST /todos to the core (what aio t +... waits for): {summary(adds)}")
        print(f"  POST /todos/changed to the core: {summary(pings)}")


def verdicts(label: str, runs: Runs) -> None:
    print(f"-- {label}")
    pairs = [
        ("direct", "aio t +... (console script)", "python -c pass"),
        ("via PATH", "aio t +... (PATH)", "python3 -c pass (PATH)"),
    ]
    pairs = [pair for pair in pairs if pair[1] in runs.wall]
    for kind, aio, base in pairs:
        a, b = median(runs.wall[aio]), median(runs.wall[base])
        ca, cb = median(runs.cpu[aio]), median(runs.cpu[base])
        print(
            f"  {kind:8}: wall {ms(a)} vs {ms(b)} = {ratio(a, b)} (aio's own {ms(a - b)}); "
            f"CPU {ms(ca)} vs {ms(cb)} = {ratio(ca, cb)} (aio's own {ms(ca - cb)})"
        )
    if "task add" in runs.wall:
        t, ct = median(runs.wall["task add"]), median(runs.cpu["task add"])
        a = median(runs.wall["aio t +... (console script)"])
        ca = median(runs.cpu["aio t +... (console script)"])
        print(
            f"  task add: wall {ms(t)}, CPU {ms(ct)}; aio t +... (console script) / task add: "
            f"wall {ratio(a, t)}, CPU {ratio(ca, ct)}"
        )
    for kind, aio, base in pairs:
        a, b = median(runs.wall[aio]), median(runs.wall[base])
        goal(
            f"aio t +Fix bug 2h, {label}, {kind}: median <= {GOAL_RATIO:g}x python -c pass "
            f"(measured {ratio(a, b)}: {ms(a)} vs {ms(b)})",
            a <= GOAL_RATIO * b,
        )


def main() -> int:
    header("bench_todo_add: `aio t +Fix bug 2h` vs `python -c pass` and taskwarrior's `task add`")
    print(python_start_note())
    print(f"PATH: {on_path('aio')}; {on_path('python3')}")
    task = taskwarrior()
    with Core() as core:
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "aio t +... (console script)": [core.aio, "t", *ADD_WORDS],
        }
        if shutil.which("aio") and shutil.which("python3"):  # else only the direct pair
            commands["python3 -c pass (PATH)"] = ["python3", "-c", "pass"]
            commands["aio t +... (PATH)"] = ["aio", "t", *ADD_WORDS]
        else:
            print("no `aio` or `python3` on PATH: the PATH pair is skipped")
        envs: dict[str, dict[str, str]] = {}
        if task is not None:
            envs["task add"] = task_env(Path(core.home, "taskwarrior"))
            commands["task add"] = [task, "add", "Fix", "bug", "due:now+2h"]
            print(f"taskwarrior {task_version(task, envs['task add'])} at {task}")
        print(f"core pid {core.pid}, AIO_HOME {core.home}")

        running = measure("core running", commands, envs)
        where_the_time_goes(core, running=True)

        core.run("stop", "--force", stdout=subprocess.DEVNULL, check=True)
        core.proc.wait(timeout=30)
        wait_for(lambda: not core_answers(core.home), 10, "the core's socket to close")
        sock = Path(core.home, "core.sock")
        print(f"core stopped; core.sock {'still exists' if sock.exists() else 'removed'}")
        stopped = measure("no core running", commands, envs)
        where_the_time_goes(core, running=False)
        if core_answers(core.home):
            print("WARNING: a core answers again: `aio t` started one")

        listed = core.run("t", "--json", capture_output=True, text=True, check=True).stdout
        added = listed.count('"title": "Fix bug"')
        adders = sum(1 for name in commands if name.startswith("aio t"))
        expected = 2 * (adders * (ROUNDS + 1) + IMPORT_RUNS)
        print(f"todos added by aio t: {added} (expected {expected})")
        if task is not None:
            count = subprocess.run(
                [task, "count"], env=envs["task add"], capture_output=True, text=True, check=False
            ).stdout.strip()
            print(f"tasks added by task add: {count} (expected {2 * (ROUNDS + 1)})")

    print("== verdicts ==")
    verdicts("core running", running)
    verdicts("no core running", stopped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
