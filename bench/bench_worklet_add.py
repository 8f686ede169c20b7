"""`aio wl add REPO --wait` of a local git repository to status `running`, against the same
app's own start.

The app is the worklet tests' tiny stdlib HTTP server (tests/worklets/worklet_harness.py's
PYTHON_APP) in a git repository with a `worklet.toml` (`run = ["python3", "app.py"]`, no build).
ROUNDS rounds, interleaved:

* the baseline: `python3 app.py` spawned directly in the repository with PORT and HOST, timed
  from spawn until its port accepts a connection (probed every 2 ms), then killed;
* aio: the whole `aio wl add REPO --name wN --wait` process, spawn -> exit (it exits once the
  core has cloned the repository, started the server as a job, under bubblewrap where `bwrap`
  is installed, and seen its port answer); then `aio wl rm wN` (not timed).

Also printed: where the core's time goes for the last aio run (clone, then the job started,
then the port answering, from the worklet's events). Goal: aio's median <= 2 s plus the
baseline's median.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Core, goal, header, ms, request, summary, wait_for

ROUNDS = 7
GOAL_EXTRA_SECONDS = 2.0
HERE = Path(__file__).resolve().parent


def app_source() -> str:
    sys.path.insert(0, str(HERE.parent / "tests" / "worklets"))
    sys.path.insert(0, str(HERE.parent / "tests"))
    from worklet_harness import PYTHON_APP

    return PYTHON_APP


def make_repo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(app_source())
    (folder / "greeting.txt").write_text("hello from the bench\n")
    (folder / "worklet.toml").write_text('run = ["python3", "app.py"]\n')
    ident = ["-c", "user.email=bench@aio.invalid", "-c", "user.name=aio bench"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "app"]):
        subprocess.run(["git", *ident, *args], cwd=folder, check=True, capture_output=True)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def own_start(repo: Path) -> float:
    """Spawn the app directly; seconds until its port accepts a connection."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["python3", "app.py"], cwd=repo, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for(lambda: port_answers(port), 30, "the app's own port", interval=0.002)
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait(10)


def aio_add(core: Core, repo: Path, name: str) -> float:
    start = time.perf_counter()
    result = core.run("wl", "add", str(repo), "--name", name, "--wait", capture_output=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"aio wl add exited {result.returncode}: {result.stderr!r}")
    return elapsed


def where_the_time_goes(core: Core, name: str) -> None:
    worklet = request(core.home, "GET", f"/worklets/{name}")["worklet"]
    job = request(core.home, "GET", f"/jobs/{worklet['run_job']}")["job"]
    print(
        f"  last aio run, in the core: record made -> server job created "
        f"{ms(job['created_at'] - worklet['created_at'])} (clone + plan), -> job started "
        f"{ms(job['started_at'] - job['created_at'])}, -> running "
        f"{ms(worklet['updated_at'] - job['started_at'])} (the app's start + the probe)"
    )


def main() -> None:
    header("aio wl add (local repo -> running) vs the app's own start")
    sandboxed = shutil.which("bwrap") is not None
    print(f"bubblewrap: {'used' if sandboxed else 'not installed: the worklet runs bare'}")
    folder = Path(tempfile.mkdtemp(prefix="aiobwl"))
    try:
        repo = make_repo(folder / "app")
        with Core() as core:
            baseline: list[float] = []
            added: list[float] = []
            for i in range(ROUNDS):
                name = f"w{i}"
                for which in ("own", "aio") if i % 2 == 0 else ("aio", "own"):
                    if which == "own":
                        baseline.append(own_start(repo))
                        continue
                    added.append(aio_add(core, repo, name))
                    if i == ROUNDS - 1:
                        where_the_time_goes(core, name)
                    core.run("wl", "rm", name, capture_output=True)
            base, aio = sorted(baseline)[ROUNDS // 2], sorted(added)[ROUNDS // 2]
            print(f"  the app's own start (spawn -> port answers): {summary(baseline)}")
            print(f"  aio wl add --wait (spawn -> exit, running):  {summary(added)}")
            print(f"  aio - own start: {ms(aio - base)} (goal: <= {GOAL_EXTRA_SECONDS:.0f} s)")
            goal(
                f"aio wl add to running <= {GOAL_EXTRA_SECONDS:.0f} s + the app's own start",
                aio <= base + GOAL_EXTRA_SECONDS,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
