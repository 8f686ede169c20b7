"""The core's life: auto-start, one core per home, crash recovery, private files, events."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
from pathlib import Path

import aiohttp
from core_harness import AioHome, aio_command, pid_alive, wait_for, wait_for_exit


def test_a_verb_that_needs_the_core_starts_it(home: AioHome) -> None:
    assert not home.path.exists()
    assert home.ok("ls").splitlines() == ["#  NAME  STATUS  STEP  EXIT  DURATION"]
    pid = home.core_pid()
    assert pid is not None
    assert list(home.core_processes()) == [pid]
    health = home.request("GET", "/health")
    assert health["ok"] is True
    assert health["pid"] == pid
    assert health["home"] == str(home.path)
    home.ok("ls")
    assert home.core_pid() == pid, "a second verb must reuse the running core"


def test_racing_clients_end_with_exactly_one_core(home: AioHome) -> None:
    racers = [
        subprocess.Popen(
            [*aio_command(), "ls", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=home.env,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=60), *p.communicate()) for p in racers]
    for code, out, err in results:
        assert code == 0, err
        assert json.loads(out) == []
    pid = home.core_pid()
    assert pid is not None
    assert list(home.core_processes()) == [pid]
    assert home.request("GET", "/health")["pid"] == pid


def test_a_second_serve_refuses_to_start(core: AioHome) -> None:
    result = core.aio("serve", timeout=30)
    assert result.returncode == 3
    assert f"a core is already running for {core.path} (pid {core.core_pid()})" in result.stderr
    assert core.ok("ls").startswith("#")


def test_serve_runs_in_the_foreground_until_sigterm(home: AioHome) -> None:
    proc = subprocess.Popen(
        [*aio_command(), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=home.env,
    )
    try:
        wait_for(home.client().is_running, 30, "the foreground core to listen")
        assert home.core_pid() == proc.pid
        job_id = home.submit({"name": "fg", "steps": [{"cmd": "echo fg"}]})
        home.wait_status(job_id, "done")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert f"core {proc.pid} stopped" in err
    assert not (home.path / "core.sock").exists()


def test_crash_recovery_marks_running_jobs_lost_and_runs_queued_ones(home: AioHome) -> None:
    home.write_config("workers = 1\n")
    first = home.submit(
        {
            "name": "crashy",
            "steps": [{"cmd": "echo before-crash; echo $$ > pid; read x; echo after"}],
        }
    )
    second = home.submit({"name": "queued", "steps": [{"cmd": "echo second ran"}]})
    home.wait_step_running(first, 0)
    home.wait_log(first, "before-crash")
    pid_file = Path(home.job(first)["workdir"]) / "pid"
    job_pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text().strip()))
    assert home.job(second)["status"] == "queued"

    core_pid = int((home.path / "core.lock").read_text())
    os.kill(core_pid, signal.SIGKILL)
    assert wait_for_exit(core_pid, 30)
    # The job's terminal hung up with its core; its shell goes with it.
    wait_for(lambda: not pid_alive(job_pid), 30, "the orphaned job to end")

    jobs = json.loads(home.ok("ls", "--json"))  # starts a new core
    new_pid = home.core_pid()
    assert new_pid not in (None, core_pid)
    lost = jobs[0]
    assert lost["status"] == "lost"
    assert lost["error"] == "the core stopped while this job ran"
    assert lost["steps"][0]["status"] == "failed"
    log = Path(lost["log_path"]).read_text()
    assert "before-crash" in log
    assert "after" not in log
    assert home.ok("log", str(first)).replace("\r\n", "\n").startswith("before-crash\n")
    done = home.wait_status(second, "done")
    assert "second ran" in home.ok("log", str(second))
    assert done["exit_code"] == 0
    assert home.job(first)["status"] == "lost"


def test_a_restart_keeps_records_and_logs(home: AioHome) -> None:
    job_id = home.submit({"name": "kept", "steps": [{"cmd": "seq 1 3"}, {"cmd": "exit 2"}]})
    before = home.wait_status(job_id, "failed")
    home.ok("stop")
    home.start()
    after = home.job(job_id)
    assert after == before
    assert home.ok("log", "kept").replace("\r\n", "\n") == "1\n2\n3\n"
    # An attach to a job of an earlier core replays its log and ends at once.
    result = home.aio("a", str(job_id), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("\r\n", "\n") == "1\n2\n3\n"
    assert f"[aio] job {job_id} failed (exit 2)" in result.stderr
    assert home.submit({"name": "next", "steps": [{"cmd": "true"}]}) == job_id + 1


def test_files_are_private(home: AioHome) -> None:
    # A permissive umask in the caller must not leak into the core's files.
    result = home.aio("run", str(home.task({"name": "p", "steps": [{"cmd": "echo x"}]})), umask=0)
    assert result.returncode == 0, result.stderr
    job = home.wait_status(1, "done")

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert stat.S_ISSOCK((home.path / "core.sock").stat().st_mode)
    assert mode(home.path / "core.sock") == 0o600
    assert mode(home.path) == 0o700
    assert mode(home.path / "aio.db") == 0o600
    assert mode(home.path / "jobs") == 0o700
    assert mode(home.path / "tasks") == 0o700
    assert mode(Path(job["folder"])) == 0o700
    assert mode(Path(job["log_path"])) == 0o600
    assert mode(home.path / "core.lock") == 0o600


def test_an_existing_home_is_made_private(home: AioHome) -> None:
    home.path.mkdir(mode=0o755)
    os.chmod(home.path, 0o755)
    home.start()
    assert stat.S_IMODE(home.path.stat().st_mode) == 0o700


async def next_job_event(ws: aiohttp.ClientWebSocketResponse, job_id: int) -> dict:
    while True:
        message = await ws.receive_json(timeout=30)
        if message.get("type") == "job" and message["job"]["id"] == job_id:
            return message["job"]


async def test_event_stream_sends_a_snapshot_then_job_transitions(core: AioHome) -> None:
    earlier = core.submit({"name": "earlier", "steps": [{"cmd": "true"}]})
    core.wait_status(earlier, "done")
    connector = aiohttp.UnixConnector(path=str(core.path / "core.sock"))
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.ws_connect("http://aio/events") as ws,
    ):
        snapshot = await ws.receive_json(timeout=30)
        assert snapshot["type"] == "snapshot"
        assert [j["id"] for j in snapshot["jobs"]] == [earlier]
        assert snapshot["jobs"][0]["status"] == "done"
        assert "tasks" in snapshot
        assert "task_errors" in snapshot

        task = {"name": "watched", "steps": [{"cmd": "echo a"}, {"cmd": "echo b"}]}
        answer = await asyncio.to_thread(core.request, "POST", "/jobs", {"task": task})
        job_id = answer["job"]["id"]
        statuses: list[str] = []
        steps_seen: list[list[str]] = []
        while not statuses or statuses[-1] != "done":
            job = await next_job_event(ws, job_id)
            if not statuses or statuses[-1] != job["status"]:
                statuses.append(job["status"])
            steps_seen.append([s["status"] for s in job["steps"]])
        assert statuses == ["queued", "running", "done"]
        assert ["done", "running"] in steps_seen  # step changes are pushed while it runs
        assert steps_seen[-1] == ["done", "done"]

        await asyncio.to_thread(core.request, "DELETE", f"/jobs/{job_id}")
        while (message := await ws.receive_json(timeout=30))["type"] != "job_removed":
            pass
        assert message == {"type": "job_removed", "id": job_id}
