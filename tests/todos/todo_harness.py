"""What the todo tests share: a private `$AIO_HOME`, the real `aio` CLI, `aio serve`, deadline
waits and injected time.

Nothing here mocks the code under test. `TodoHome` runs the real `aio` console script in
subprocesses on a temporary home under /tmp (unix socket paths are limited to about 107 bytes);
`ServedCore` is a real `aio serve` process. `FakeClock` and `Schedule` inject *time*: a clock
that stands still until a test moves it, and a `schedule(delay, callback)` that records the
timer the `TodoService` asks for instead of arming it on the event loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core_harness import wait_until_gone

from aio.client.core_client import CoreClient, CoreUnavailable
from aio.config.settings import Config
from aio.core.daemon import Core

CLI_TIMEOUT = 30.0
DEFAULT_TIMEOUT = 15.0
# Tuesday 2026-01-06 09:30:00 UTC: a fixed "now" for the core, the app and the grammar.
FIXED_NOW = 1_767_691_800.0
# Config for in-process cores: the browser bridge on a free port, never a fixed one.
CORE_CONFIG = Config(web_port=0)


def aio_command() -> list[str]:
    """The real `aio` console script of this Python, else the one on PATH, else `-m aio`."""
    beside = Path(sys.executable).parent / "aio"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("aio")
    return [found] if found else [sys.executable, "-m", "aio"]


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Poll `predicate` until it is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {value!r}")
        time.sleep(0.02)


@contextlib.contextmanager
def local_zone(name: str) -> Iterator[None]:
    """Local time is the zone `name` inside the block (the grammar works in local time)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


class FakeClock:
    """A wall clock that stands still until the test moves it."""

    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Timer:
    """One timer the service asked for; `fire()` does what the loop does when it is due."""

    delay: float
    callback: Callable[[], None]
    cancelled: bool = False
    fired: bool = False

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        self.fired = True
        self.callback()


@dataclass
class Schedule:
    """A `schedule(delay, callback)` that records timers instead of arming them."""

    timers: list[Timer] = field(default_factory=list)

    def __call__(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(delay, callback)
        self.timers.append(timer)
        return timer

    @property
    def live(self) -> list[Timer]:
        return [t for t in self.timers if not (t.cancelled or t.fired)]

    @property
    def armed(self) -> Timer:
        """The one timer that is armed (the service keeps exactly one, or none)."""
        live = self.live
        assert len(live) == 1, f"expected exactly one armed timer, found {live}"
        return live[0]


@dataclass
class Notes:
    """A `notify(title, body)` that keeps what would have gone to the desktop."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, title: str, body: str) -> None:
        self.sent.append((title, body))


class ServedCore:
    """A real `aio serve` process of one home, stopped by its own pid."""

    def __init__(self, home: TodoHome) -> None:
        self.home = home
        self.log = open(home.root / "serve.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [*aio_command(), "serve"],
            env=home.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        wait_for(self._answers, "aio serve to answer on its socket")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"aio serve exited {self.process.returncode}: "
                f"{(self.home.root / 'serve.log').read_text(errors='replace')}"
            )
        try:
            return CoreClient(self.home.path).request("GET", "/health") is not None
        except CoreUnavailable:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


class TodoHome:
    """A temporary `$AIO_HOME` and the means to drive `aio t` and `aio serve` on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "h"
        self.path.mkdir(mode=0o700)
        # The browser bridge of `aio serve` on a free port, so tests never fight over 7681.
        (self.path / "config.toml").write_text("web_port = 0\n")
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX", "GIT_"))
        }
        self.env["AIO_HOME"] = str(self.path)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.cores: list[ServedCore] = []

    @property
    def database(self) -> Path:
        return self.path / "aio.db"

    def aio(self, *args: str, **popen: Any) -> subprocess.CompletedProcess:
        """Run the real `aio ARGS` on this home (stdout piped); never raises."""
        return subprocess.run(
            [*aio_command(), *args],
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            env=self.env,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            **popen,
        )

    def ok(self, *args: str) -> str:
        """`aio ARGS`, which must exit 0 without a word on stderr; its stdout."""
        result = self.aio(*args)
        assert result.returncode == 0 and not result.stderr, describe(args, result)
        return result.stdout

    def refused(self, *args: str) -> str:
        """`aio ARGS`, which must exit 2 with one line on stderr and nothing on stdout."""
        result = self.aio(*args)
        assert result.returncode == 2, describe(args, result)
        assert result.stdout == "", describe(args, result)
        assert result.stderr.startswith("aio t: "), describe(args, result)
        assert result.stderr.count("\n") == 1, describe(args, result)
        return result.stderr

    def rows(self) -> list[tuple]:
        """Every todo row as stored: (id, title, deadline, virtual, completed_at), by id."""
        if not self.database.exists():
            return []
        with contextlib.closing(sqlite3.connect(self.database)) as conn:
            return conn.execute(
                "SELECT id, title, deadline, virtual_deadline, completed_at FROM todos ORDER BY id"
            ).fetchall()

    def serve(self) -> ServedCore:
        """Start `aio serve` (stopped by `close`, even if it never answers) and wait for it."""
        core = ServedCore(self)
        self.cores.append(core)
        core.wait_ready()
        return core

    def lock_is_free(self) -> bool:
        """No process holds this home's core lock."""
        path = self.path / "core.lock"
        if not path.exists():
            return True
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
        return True

    def close(self) -> dict[int, str]:
        """Stop the cores this home started; return any process of the home still running."""
        for core in self.cores:
            core.stop()
        return wait_until_gone(self.path)


def describe(args: tuple[str, ...], result: subprocess.CompletedProcess) -> str:
    return (
        f"aio {' '.join(args)} exited {result.returncode}\n"
        f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    )


class CoreStarter:
    """Starts real in-process cores (`aio.core.daemon.Core`) on one home; all stopped after."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.running: list[Core] = []

    async def start(self, core: Core) -> Core:
        await core.start()
        self.running.append(core)
        return core

    async def stop(self, core: Core) -> None:
        if core in self.running:
            self.running.remove(core)
            await core.stop()

    async def stop_all(self) -> None:
        for core in list(self.running):
            await self.stop(core)
