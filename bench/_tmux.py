"""What the dashboard benchmarks share: a private tmux server driven through one control client.

The apps measured run in tmux windows of a fixed size (a real terminal: tmux parses what they
write into a screen grid). Every tmux command goes through one `tmux -C` control client, so a
`capture-pane` or `send-keys` costs a line on a pipe, not a process start. The control client
also receives `%output` notifications whenever a pane writes: `Tmux.watch` re-reads the screen
at once when one arrives, and at least every `POLL` seconds otherwise, until a deadline.

Standard library only, like `_common.py`.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from _common import wait_for

COLS, ROWS = 120, 35
POLL = 0.005  # seconds between screen reads when no output notification arrives
SESSION = "aiob"


class TmuxError(RuntimeError):
    pass


def row_starts_with(*words: str) -> Callable[[list[str]], bool]:
    """A screen predicate: some line's first whitespace-separated words are `words`."""
    wanted = list(words)

    def check(lines: list[str]) -> bool:
        return any(line.split()[: len(wanted)] == wanted for line in lines)

    return check


def contains(text: str) -> Callable[[list[str]], bool]:
    def check(lines: list[str]) -> bool:
        return any(text in line for line in lines)

    return check


def pid_gone(pid: int) -> bool:
    """True once `pid` has exited (and is not a zombie of the tmux server any more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # ESRCH: it went while the file was read
        return True
    return stat[stat.rindex(")") + 2] == "Z"


class Tmux:
    """A private tmux server (`tmux -L aiob<pid>`, no config file, no status line) with one
    session whose windows are COLS x ROWS; killed on exit, whatever happened."""

    def __init__(self) -> None:
        self.socket = f"aiob{os.getpid()}"
        self.ctl: subprocess.Popen | None = None
        self._buffer = b""
        self._lines: list[bytes] = []
        self.notifications = 0
        self.server_pid = 0
        self.socket_path = ""

    def __enter__(self) -> Tmux:
        base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        size = ["-x", str(COLS), "-y", str(ROWS)]
        subprocess.run(
            [*base, "new-session", "-d", "-s", SESSION, *size, f"exec sleep {24 * 3600}"],
            check=True,
            timeout=30,
        )
        try:
            self.ctl = subprocess.Popen(
                [*base, "-C", "attach-session", "-t", SESSION],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            os.set_blocking(self.ctl.stdout.fileno(), False)
            self.server_pid = int(self.command("display-message", "-p", "#{pid}")[0])
            self.socket_path = self.command("display-message", "-p", "#{socket_path}")[0]
            self.command("set-option", "-g", "status", "off")
            self.command("set-option", "-g", "remain-on-exit", "off")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        if self.ctl is not None:
            with contextlib.suppress(OSError):
                self.ctl.stdin.close()
            try:
                self.ctl.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.ctl.kill()
                self.ctl.wait(timeout=10)
        if self.server_pid:
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: pid_gone(self.server_pid), 10, "the tmux server to exit")
        if self.socket_path:  # the server leaves its socket file behind
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)

    # The control protocol

    def _read(self, timeout: float) -> bool:
        """Read what the control client has sent, waiting at most `timeout`; True if anything
        came in (a command's answer or a notification)."""
        fd = self.ctl.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return False
        got = False
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                if not got:
                    raise TmuxError("the tmux control client exited")
                break
            got = True
            self._buffer += data
        *complete, self._buffer = self._buffer.split(b"\n")
        self._lines.extend(complete)
        return got

    def _next_line(self, deadline: float) -> bytes:
        while not self._lines:
            if time.monotonic() >= deadline:
                raise TmuxError("no answer from tmux within the deadline")
            self._read(max(0.0, deadline - time.monotonic()))
        return self._lines.pop(0)

    def command(self, *args: str, timeout: float = 10) -> list[str]:
        """Run one tmux command; its output lines. Notifications in between are counted."""
        line = " ".join(shlex.quote(a) for a in args) + "\n"
        self.ctl.stdin.write(line.encode())
        self.ctl.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:  # skip notifications until our answer's %begin (flags 1: from this client)
            head = self._next_line(deadline)
            if head.startswith(b"%begin ") and head.split()[-1] == b"1":
                break
            self.notifications += 1
        out: list[bytes] = []
        while True:
            body = self._next_line(deadline)
            if body.startswith((b"%end ", b"%error ")) and body.split()[-1] == b"1":
                if body.startswith(b"%error "):
                    message = b" ".join(out).decode(errors="replace")
                    raise TmuxError(f"tmux {args[0]}: {message}")
                return [b.decode("utf-8", errors="replace") for b in out]
            out.append(body)

    def drain(self) -> int:
        """Throw away notifications already received; how many there were."""
        count = 0
        while self._read(0):
            pass
        while self._lines:
            self._lines.pop(0)
            count += 1
        self.notifications += count
        return count

    # Windows

    def target(self, name: str) -> str:
        return f"{SESSION}:{name}"

    def launch(self, name: str, shell_command: str, env: dict[str, str] | None = None) -> int:
        """Open a window running `shell_command` (use `exec ...` so the pane's process is the
        app itself); the pid of the pane's process."""
        args = ["new-window", "-d", "-t", f"{SESSION}:", "-n", name]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        self.command(*args, shell_command)
        return int(self.command("display-message", "-p", "-t", self.target(name), "#{pane_pid}")[0])

    def size(self, name: str) -> str:
        fmt = "#{pane_width}x#{pane_height}"
        return self.command("display-message", "-p", "-t", self.target(name), fmt)[0]

    def close(self, name: str, pid: int, timeout: float = 15) -> None:
        """Kill the window (its process gets SIGHUP) and wait until the process is gone."""
        with contextlib.suppress(TmuxError):
            self.command("kill-window", "-t", self.target(name))
        wait_for(lambda: pid_gone(pid), timeout, f"pid {pid} to exit", interval=0.005)

    def capture(self, name: str) -> list[str]:
        return self.command("capture-pane", "-p", "-t", self.target(name))

    def send_keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.command("send-keys", *(["-l"] if literal else []), "-t", self.target(name), *keys)

    def watch(
        self,
        name: str,
        checks: dict[str, Callable[[list[str]], bool]],
        timeout: float,
        start: float | None = None,
    ) -> dict[str, float]:
        """Re-read the screen of window `name` whenever it may have changed until every check
        has passed; for each check, seconds from `start` (perf_counter; default: now) to the
        first screen it passed on. TimeoutError (with the last screen) at the deadline."""
        start = time.perf_counter() if start is None else start
        deadline = time.monotonic() + timeout
        found: dict[str, float] = {}
        lines: list[str] = []
        while True:
            lines = self.capture(name)
            seen = time.perf_counter()
            for key, check in checks.items():
                if key not in found and check(lines):
                    found[key] = seen - start
            if len(found) == len(checks):
                return found
            if time.monotonic() >= deadline:
                missing = ", ".join(k for k in checks if k not in found)
                screen = "\n".join(lines)
                raise TimeoutError(
                    f"timed out after {timeout:.0f} s waiting for {missing}:\n{screen}"
                )
            # Wake on the next notification (a pane wrote) or after POLL, whichever is first.
            self._read(POLL)
            self._lines.clear()
