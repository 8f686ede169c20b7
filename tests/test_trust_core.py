"""Issue 10, items 9, 10 and 12: a busy core is not a dead one, a crashed core's orphans are
found, and a flooding job's log stays within its cap."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

from core_harness import AioHome, aio_command, pid_alive, wait_for, wait_for_exit

from aio.client.core_client import CoreClient, CoreUnavailable
from aio.jobs.capped_log import MARKER


def _fill_backlog(path: str, limit: int = 5000) -> list[socket.socket]:
    """Connect without being accepted until the listen backlog is full (EAGAIN)."""
    held = []
    for _ in range(limit):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(path)
        except BlockingIOError:
            sock.close()
            return held
        held.append(sock)
    raise AssertionError(f"the backlog took {limit} connections without filling")


def _answer(client: CoreClient, method: str, path: str) -> object:
    try:
        return client.request(method, path)
    except CoreUnavailable as exc:
        return exc


def test_a_busy_core_is_waited_for_not_replaced(core: AioHome) -> None:
    pid = core.core_pid()
    assert pid
    os.kill(pid, signal.SIGSTOP)  # it accepts nothing while stopped
    held: list[socket.socket] = []
    try:
        held = _fill_backlog(str(core.path / "core.sock"))
        client = subprocess.Popen(
            [*aio_command(), "ls"], env=core.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        answers: list = []
        request = threading.Thread(
            target=lambda: answers.append(_answer(core.client(), "GET", "/jobs")), daemon=True
        )
        request.start()
        # Today's client gave up at once ("not running") and started a second core.
        request.join(timeout=1.0)
        assert request.is_alive(), answers
        with contextlib.suppress(subprocess.TimeoutExpired):
            client.wait(timeout=0.1)
        assert client.returncode is None, client.communicate()
    finally:
        os.kill(pid, signal.SIGCONT)
        for sock in held:
            sock.close()
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    assert out.decode().startswith("#")
    request.join(timeout=30)
    assert answers == [{"jobs": []}]
    assert "already running" not in (core.path / "core.log").read_text()
    assert core.core_pid() == pid
    cores = [c for c in core.core_processes().values() if " serve" in c]
    assert len(cores) == 1, cores


def test_a_crashed_cores_orphans_are_killed_at_restart(core: AioHome) -> None:
    step = 'nohup sleep 600 >/dev/null 2>&1 & echo "orphan=$!"; wait'
    job = core.submit({"name": "orphan", "steps": [{"cmd": step}]})
    log = core.wait_log(job, "orphan=")
    orphan = int(log.split("orphan=")[1].split()[0])
    recorded = core.job(job)["pgid"]
    assert recorded and os.getpgid(orphan) == recorded
    pid = core.core_pid()
    assert pid
    os.kill(pid, signal.SIGKILL)
    assert wait_for_exit(pid, 10)
    assert pid_alive(orphan), "the step that ignores SIGHUP should outlive the core"
    core.start()
    lost = core.wait_status(job, "lost")
    wait_for(lambda: not pid_alive(orphan), 15, "the orphan to be killed")
    final = wait_for(lambda: "were killed" in (core.job(job)["error"] or "") and core.job(job))
    assert f"group {recorded}" in final["error"]
    assert lost["status"] == final["status"] == "lost"


def test_a_process_of_another_job_in_a_reused_group_is_left_alone(core: AioHome) -> None:
    """A group number alone names no job: only processes whose environment names it die."""
    from aio.jobs.orphans import job_processes

    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True, env=core.env)
    try:
        assert job_processes(core.path, 1, stranger.pid) == []
        own = subprocess.Popen(
            ["sleep", "60"], start_new_session=True, env={**core.env, "AIO_JOB_ID": "1"}
        )
        try:
            assert job_processes(core.path, 1, own.pid) == [own.pid]
            assert job_processes(core.path, 2, own.pid) == []
        finally:
            own.kill()
            own.wait()
    finally:
        stranger.kill()
        stranger.wait()


def test_a_flooding_job_keeps_the_head_and_the_latest_output(home: AioHome) -> None:
    cap = 64 * 1024
    home.write_config(f"log_max_bytes = {cap}\n")
    gate = home.root / "gate"
    step = (
        "echo HEAD-START; yes 'flood line' | head -c 3000000; echo; echo TAIL-END; "
        f"while [ ! -e {gate} ]; do sleep 0.05; done"
    )
    job = home.submit({"name": "flood", "steps": [{"cmd": step}]})
    home.wait_log(job, "TAIL-END")
    log_path = home.job(job)["log_path"]
    size = os.path.getsize(log_path)
    assert size <= cap, f"the log is {size} bytes, over its cap of {cap}"
    # A lossless reader from the start while the job runs: head, marker, the latest output.
    follower = subprocess.Popen(
        [*aio_command(), "log", "-f", str(job)], env=home.env, stdout=subprocess.PIPE
    )
    gate.touch()
    out, _ = follower.communicate(timeout=60)
    assert follower.returncode == 0
    for text in (Path(log_path).read_bytes(), out):
        assert text.startswith(b"HEAD-START")
        assert MARKER in text
        assert text.rstrip().endswith(b"TAIL-END")
        assert text.count(b"flood line") < 3000000 // 11
    home.wait_status(job, "done")
    assert home.job(job)["exit_code"] == 0


def test_the_capped_log_maps_offsets_across_compactions(tmp_path) -> None:
    from aio.jobs.capped_log import CappedLog

    log = CappedLog(str(tmp_path / "out.log"), 64 * 1024)
    stream = b"".join(f"{i:07d}\n".encode() for i in range(40_000))
    for start in range(0, len(stream), 1000):
        log.write(stream[start : start + 1000])
    assert os.path.getsize(tmp_path / "out.log") <= 64 * 1024
    assert log.read(0, 100) == (stream[:100], 100)
    assert log.read(log.head, 10) == (MARKER, log.tail_start)
    data, following = log.read(log.tail_start, 1 << 20)
    assert data == stream[log.tail_start :] and following == len(stream)
    log.close()
    assert log.read(log.tail_start, 8)[0] == stream[log.tail_start : log.tail_start + 8]
