"""`aio stop` with running jobs: it says how many it would kill and asks on a terminal (y/N),
refuses without one, and stops at once with --force. Real core, real jobs, a real PTY."""

from __future__ import annotations

import time

from core_harness import AioHome, aio_command, pid_alive, wait_for
from ptyprocess import PtyProcess


def start_sleeper(core: AioHome, name: str) -> int:
    job_id = core.submit({"name": name, "steps": [{"cmd": "sleep 600"}]})
    core.wait_step_running(job_id, 0)
    return job_id


def read_until(child: PtyProcess, text: str, timeout: float = 30.0) -> str:
    """What the child wrote to its terminal, up to and including `text` (bounded wait)."""
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"{text!r} not seen in {timeout:.0f} s: {seen!r}"
        if child.fd in _readable(child, deadline - time.monotonic()):
            try:
                seen += child.read(4096).decode(errors="replace")
            except EOFError:
                break
    assert text in seen, f"{text!r} not in {seen!r}"
    return seen


def _readable(child: PtyProcess, timeout: float) -> list[int]:
    import select

    readable, _, _ = select.select([child.fd], [], [], max(0.0, min(timeout, 1.0)))
    return readable


def stop_on_a_terminal(core: AioHome, answer: str) -> tuple[str, int]:
    child = PtyProcess.spawn([*aio_command(), "stop"], env=core.env, cwd=str(core.src))
    try:
        prompt = read_until(child, "[y/N] ")
        child.write(answer.encode() + b"\r")
        rest = ""
        deadline = time.monotonic() + 30
        while child.isalive() or child.fd in _readable(child, 0):
            assert time.monotonic() < deadline, "aio stop did not end"
            try:
                rest += child.read(4096).decode(errors="replace")
            except EOFError:
                break
        child.wait()
        return prompt + rest, child.exitstatus
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_stop_without_a_terminal_refuses_to_kill_running_jobs(core: AioHome) -> None:
    job_id = start_sleeper(core, "busy")
    start_sleeper(core, "busier")
    result = core.aio("stop", input="")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"aio: stopping the core kills 2 running jobs ({job_id} busy, {job_id + 1} busier); "
        "nothing was stopped (aio stop --force stops it anyway)"
    )
    assert core.job(job_id)["status"] == "running"  # the core still answers; the job runs on


def test_stop_force_kills_them_without_asking(core: AioHome) -> None:
    job_id = start_sleeper(core, "doomed")
    pid = core.core_pid()
    assert core.ok("stop", "--force").strip() == "aio: core stopped"
    wait_for(lambda: not pid_alive(pid), 30, "the core to exit")
    core.start()
    assert core.job(job_id)["status"] == "killed"


def test_stop_on_a_terminal_asks_and_only_yes_stops(core: AioHome) -> None:
    job_id = start_sleeper(core, "asked")
    pid = core.core_pid()
    shown, code = stop_on_a_terminal(core, "")  # Enter alone: the default is No
    assert f"stopping the core kills 1 running job ({job_id} asked). Stop it? [y/N]" in shown
    assert "nothing was stopped" in shown
    assert code == 1
    assert pid_alive(pid) and core.job(job_id)["status"] == "running"
    shown, code = stop_on_a_terminal(core, "y")
    assert "aio: core stopped" in shown
    assert code == 0
    wait_for(lambda: not pid_alive(pid), 30, "the core to exit")


def test_stop_with_nothing_running_does_not_ask(core: AioHome) -> None:
    core.wait_status(core.submit({"name": "quick", "steps": [{"cmd": "true"}]}), "done")
    assert core.ok("stop", input="").strip() == "aio: core stopped"
