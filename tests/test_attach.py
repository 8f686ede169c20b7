"""Attach: `aio a N` in a real terminal (a private tmux server), and with stdin from a pipe or file.

Screen content is awaited with a deadline; tmux runs on its own socket inside the test's
temporary folder and is killed when the test ends.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import time
from collections.abc import Iterator

import pytest
from core_harness import AioHome, aio_command, require_tool, wait_for


class Tmux:
    """A private tmux server with one 100x30 session running a plain bash."""

    def __init__(self, home: AioHome) -> None:
        self.tool = require_tool("tmux")
        self.socket = str(home.root / "tmux.sock")
        self.env = {**home.env, "TERM": "xterm-256color", "PS1": "$ "}
        self.cwd = home.src

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [self.tool, "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=self.env,
            cwd=self.cwd,
        )
        assert result.returncode == 0, f"tmux {' '.join(args)}: {result.stderr}"
        return result.stdout

    def start(self) -> None:
        self.run("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "bash --norc --noprofile")
        self.run("set-option", "-t", "t", "status", "off")

    def type(self, text: str) -> None:
        """Type `text` literally, then Enter."""
        self.run("send-keys", "-t", "t", "-l", text)
        self.run("send-keys", "-t", "t", "Enter")

    def key(self, name: str) -> None:
        self.run("send-keys", "-t", "t", name)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_screen(self, text: str, timeout: float = 30.0) -> str:
        return wait_for(
            lambda: (screen := self.screen()) and text in screen and screen,
            timeout,
            f"{text!r} on the screen:\n{self.screen()}",
        )

    def pane_size(self) -> tuple[int, int]:
        size = self.run("display-message", "-p", "-t", "t", "#{pane_width} #{pane_height}")
        cols, rows = size.split()
        return int(cols), int(rows)

    def clear(self) -> None:
        self.type("clear")
        self.run("clear-history", "-t", "t")

    def kill(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                [self.tool, "-S", self.socket, "kill-server"], capture_output=True, timeout=15
            )


def read_until(fd: int, text: bytes, timeout: float) -> bytes:
    """Read from a pipe until `text` arrives; fail at the deadline or at end of file."""
    deadline = time.monotonic() + timeout
    data = b""
    while text not in data:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([fd], [], [], max(0.0, remaining))
        assert readable, f"timed out after {timeout:.0f}s waiting for {text!r}; got {data!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"end of output before {text!r}; got {data!r}"
        data += chunk
    return data


@pytest.fixture
def tmux(home: AioHome) -> Iterator[Tmux]:
    terminal = Tmux(home)
    terminal.start()
    try:
        yield terminal
    finally:
        terminal.kill()


def test_typing_into_an_attached_job(home: AioHome, tmux: Tmux) -> None:
    job_id = home.submit(
        {"name": "ask", "steps": [{"cmd": "echo ready-$((40+2)); read x; stty size; echo got $x"}]}
    )
    home.wait_log(job_id, "ready-42")
    tmux.type(f"aio a {job_id}")
    tmux.wait_screen(f"attached to job {job_id} ask; ctrl-] detaches")
    tmux.wait_screen("ready-42")  # the tail is replayed on attach
    tmux.type("hello there")
    screen = tmux.wait_screen("got hello there")
    cols, rows = tmux.pane_size()
    assert f"{rows} {cols}" in screen, "the attached terminal's size was not given to the job"
    tmux.wait_screen(f"[aio] job {job_id} done (exit 0)")
    tmux.type("echo attach-exit=$?")
    tmux.wait_screen("attach-exit=0")
    assert home.job(job_id)["status"] == "done"


def test_detach_key_leaves_the_job_running_and_reattach_replays_the_tail(
    home: AioHome, tmux: Tmux
) -> None:
    job_id = home.submit(
        {"name": "bg", "steps": [{"cmd": "echo marker-$((6*7)); read x; echo got $x"}]}
    )
    home.wait_log(job_id, "marker-42")
    tmux.type(f"aio a {job_id}")
    tmux.wait_screen("marker-42")
    tmux.key("C-]")
    tmux.wait_screen(f"[aio] detached from job {job_id}; it keeps running")
    tmux.type("echo detach-exit=$?")
    tmux.wait_screen("detach-exit=0")
    job = home.job(job_id)
    assert job["status"] == "running"
    assert job["steps"][0]["status"] == "running"

    tmux.clear()
    wait_for(lambda: "marker-42" not in tmux.screen(), 30, "the screen to clear")
    tmux.type("aio a bg")
    tmux.wait_screen("marker-42")  # replayed from the job's tail
    tmux.type("again")
    tmux.wait_screen("got again")
    tmux.wait_screen(f"[aio] job {job_id} done (exit 0)")
    assert home.wait_status(job_id, "done")["exit_code"] == 0


def test_detach_key_from_config(home: AioHome, tmux: Tmux) -> None:
    home.write_config('detach_key = "ctrl-q"\n')
    job_id = home.submit({"name": "q", "steps": [{"cmd": "echo up-$((1+1)); read x"}]})
    home.wait_log(job_id, "up-2")
    tmux.type(f"aio a {job_id}")
    tmux.wait_screen(f"attached to job {job_id} q; ctrl-q detaches")
    tmux.wait_screen("up-2")
    tmux.key("C-q")
    tmux.wait_screen(f"[aio] detached from job {job_id}; it keeps running")
    assert home.job(job_id)["status"] == "running"
    home.ok("kill", str(job_id))
    home.wait_status(job_id, "killed")


def test_attach_with_stdin_from_a_pipe(home: AioHome) -> None:
    job_id = home.submit({"name": "piped", "steps": [{"cmd": "read x; echo got $x"}]})
    home.wait_step_running(job_id, 0)
    result = home.aio("a", str(job_id), input="zed\n")  # printf 'zed\n' | aio a N
    assert result.returncode == 0, result.stderr
    assert "got zed" in result.stdout
    assert f"[aio] job {job_id} done (exit 0)" in result.stderr
    assert home.job(job_id)["status"] == "done"


def test_attach_with_stdin_from_a_file(home: AioHome) -> None:
    job_id = home.submit({"name": "filed", "steps": [{"cmd": "read x; echo got $x"}]})
    home.wait_step_running(job_id, 0)
    source = home.src / "input.txt"
    source.write_text("from-file\n")
    with source.open("rb") as stdin:
        result = home.aio("a", "filed", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "got from-file" in result.stdout
    assert home.job(job_id)["status"] == "done"


def test_attach_to_a_finished_job_replays_and_exits(home: AioHome) -> None:
    job_id = home.submit({"name": "over", "steps": [{"cmd": "echo all done; exit 5"}]})
    home.wait_status(job_id, "failed")
    result = home.aio("a", str(job_id), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "all done" in result.stdout
    assert f"[aio] job {job_id} failed (exit 5)" in result.stderr


def test_attach_replays_only_the_tail_but_log_has_everything(home: AioHome) -> None:
    home.write_config("ring_bytes = 4096\n")
    job_id = home.submit({"name": "long", "steps": [{"cmd": "seq 1 20000"}]})
    home.wait_status(job_id, "done")
    result = home.aio("a", str(job_id), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    replay = result.stdout.replace("\r\n", "\n")
    assert 0 < len(replay) <= 4096
    assert replay.endswith("19999\n20000\n")
    assert replay.splitlines()[0].isdigit()  # starts on a whole line
    full = home.ok("log", str(job_id)).replace("\r\n", "\n")
    assert full == "".join(f"{i}\n" for i in range(1, 20001))


def test_a_client_that_dies_never_stops_the_job(home: AioHome) -> None:
    job_id = home.submit(
        {"name": "sturdy", "steps": [{"cmd": "echo up-$((2+2)); read x; echo got $x"}]}
    )
    home.wait_log(job_id, "up-4")
    client = subprocess.Popen(
        [*aio_command(), "a", str(job_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=home.env,
    )
    try:
        assert b"up-4" in read_until(client.stdout.fileno(), b"up-4", 30)  # attached
    finally:
        client.kill()
        client.wait()
        client.stdin.close()
        client.stdout.close()
    assert home.job(job_id)["status"] == "running"
    result = home.feed(job_id, "on\n")
    assert "got on" in result.stdout
    assert home.job(job_id)["status"] == "done"
