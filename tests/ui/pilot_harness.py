"""What the dashboard tests share: deadline waits, a fake clock, message logs, real cores.

Nothing here is a mock: `CoreRunner` and `ThreadedCore` run the real `aio.core.daemon.Core` on a
temporary `$AIO_HOME`, and `Dashboard` drives the real `AioApp` through Textual's Pilot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core_harness import aio_command, wait_for_exit
from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from aio.app import AioApp
from aio.client.async_client import AsyncCoreClient, AttachStream
from aio.client.core_client import CoreClient, CoreUnavailable, start_core
from aio.config.locations import lock_path
from aio.config.settings import Config
from aio.core.daemon import Core
from aio.widgets.job_table import JobTable
from aio.widgets.terminal import TerminalView

DEFAULT_TIMEOUT = 15.0
FIXED_NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


async def wait_until(
    pilot: Pilot,
    predicate: Callable[[], Any],
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.05,
) -> Any:
    """Let the app run until `predicate()` is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what}; last value: {value!r}"
            )
        await pilot.pause(interval)


async def key_latency(
    pilot: Pilot, key: str, character: str | None, done: Callable[[], Any], what: str
) -> float:
    """Send one key as the terminal driver does; seconds until `done()` holds (at most 5).

    Unlike `pilot.press`, this does not wait for the process to be idle, so it measures how
    fast a busy app answers a key.
    """
    started = time.monotonic()
    pilot.app.post_message(events.Key(key, character))
    await wait_until(pilot, done, what, timeout=5.0, interval=0.01)
    return time.monotonic() - started


def cells(view: TerminalView, y: int) -> list[tuple[str, Style]]:
    """Row `y` as rendered: one (character, style) per terminal cell; a wide character's second
    cell is ("", style)."""
    found: list[tuple[str, Style]] = []
    for segment in view.render_line(y):
        for char in segment.text:
            found.append((char, segment.style))
            found.extend([("", segment.style)] * (cell_len(char) - 1))
    return found


def row_text(view: TerminalView, y: int) -> str:
    """Row `y` as rendered, as plain text without trailing blanks."""
    return "".join(char for char, _ in cells(view, y)).rstrip()


class FakeClock:
    """A clock that stands still until a test moves it (for the core's and the app's times)."""

    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class MessageLog:
    """Every message the app processed (`run_test(message_hook=...)`), in order."""

    messages: list[Message] = field(default_factory=list)

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type) -> list:
        return [m for m in self.messages if isinstance(m, kind)]

    def notifications(self, severity: str | None = None) -> list[str]:
        """The text (title: message) of every notification, optionally of one severity."""
        found = []
        for message in self.of(Notify):
            note = message.notification
            if severity is None or note.severity == severity:
                found.append(f"{note.title}: {note.message}")
        return found


def core_config(**settings: Any) -> Config:
    """A core's settings for a test: the defaults, but the browser bridge on a free port (never
    the user's 7681, never one another test holds)."""
    return Config(**{"web_port": 0, **settings})


class CoreRunner:
    """Starts real in-process cores on one home; stops whichever still run at the end."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.running: list[Core] = []

    async def start(
        self, config: Config | None = None, clock: Callable[[], float] = time.time
    ) -> Core:
        core = Core(self.home, config or core_config(), clock=clock)
        await core.start()
        self.running.append(core)
        return core

    async def stop(self, core: Core) -> None:
        """Stop one core (its running jobs are killed), like `aio stop`."""
        if core in self.running:
            self.running.remove(core)
            await core.stop()

    async def stop_all(self) -> None:
        for core in list(self.running):
            await self.stop(core)


class ThreadedCore:
    """A real core on its own event loop in a thread, for tests whose app runs with `app.run()`
    (snapshot tests): the two cannot share a loop."""

    def __init__(self, home: Path, config: Config, clock: Callable[[], float]) -> None:
        self.home = home
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="core", daemon=True)
        self.core: Core | None = None
        self._config = config
        self._clock = clock

    def call(self, coro: Coroutine, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Run a coroutine on the core's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> Core:
        self.thread.start()

        async def start() -> Core:
            core = Core(self.home, self._config, clock=self._clock)
            await core.start()
            return core

        self.core = self.call(start())
        return self.core

    def stop(self) -> None:
        if self.core is not None:
            self.call(self.core.stop(), timeout=30)
            self.core = None
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
        self.loop.close()


class ServedCore:
    """A real `aio serve` process for a home, started the way the CLI starts it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.pid: int | None = None

    def start(self) -> None:
        start_core(self.home)
        self.pid = int(lock_path(self.home).read_text().strip())

    def stop(self) -> None:
        """Ask the core to shut down (like `aio stop`); kill it if it does not within 15 s."""
        with contextlib.suppress(CoreUnavailable):
            CoreClient(self.home).request("POST", "/shutdown")
        if self.pid is None:
            with contextlib.suppress(OSError, ValueError):
                self.pid = int(lock_path(self.home).read_text().strip())
        if self.pid is not None and not wait_for_exit(self.pid, 15.0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def job_task(name: str, *commands: str) -> dict:
    """An inline task: one step per command."""
    return {"name": name, "steps": [{"desc": cmd, "cmd": cmd} for cmd in commands]}


async def submit(client: AsyncCoreClient, task: dict) -> int:
    """Queue an inline task through the core's API; the job's number."""
    answer = await client.request("POST", "/jobs", {"task": task})
    return answer["job"]["id"]


async def wait_for_job(
    client: AsyncCoreClient,
    job_id: int,
    predicate: Callable[[dict], bool],
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Follow the core's event stream (no polling) until job `job_id` satisfies `predicate`."""
    try:
        async with asyncio.timeout(timeout):
            async for event in client.events():
                if event["type"] == "snapshot":
                    jobs = event["jobs"]
                else:
                    jobs = [event["job"]] if event["type"] == "job" else []
                for job in jobs:
                    if job["id"] == job_id and predicate(job):
                        return job
    except TimeoutError:
        pass
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for job {job_id} {what}")


async def run_aio(home: Path, *args: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Run the real `aio ARGS` on `home` as another terminal would, without blocking the loop
    (an in-process core answers on it); its stdout. Fails unless it exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
    env["AIO_HOME"] = str(home)
    process = await asyncio.create_subprocess_exec(
        *aio_command(),
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    assert process.returncode == 0, f"aio {' '.join(args)}: {err.decode().strip()}"
    return out.decode()


async def type_into_job(client: AsyncCoreClient, job_id: int, text: str) -> None:
    """Type into a job as another viewer would (an attach stream), then leave."""
    stream: AttachStream = await client.open_attach(job_id, mode="live")
    try:
        await stream.send_input(text.encode())
    finally:
        await stream.close()


@dataclass
class Dashboard:
    """A running AioApp, its pilot and the messages it processed."""

    app: AioApp
    pilot: Pilot
    log: MessageLog

    @property
    def table(self) -> JobTable:
        return self.app.screen.query_one(JobTable)

    @property
    def preview(self) -> TerminalView:
        return self.app.screen.query_one("#preview", TerminalView)

    async def wait(self, predicate: Callable[[], Any], what: str, timeout: float = DEFAULT_TIMEOUT):
        return await wait_until(self.pilot, predicate, what, timeout)

    async def submit(self, task: dict) -> int:
        return await submit(self.app.core, task)

    def status_cell(self, job_id: int) -> str | None:
        """The Status cell of a job's row as shown, or None without such a row."""
        table = self.table
        if job_id not in table.jobs:
            return None
        return table.get_cell(str(job_id), "status").plain

    async def wait_status(self, job_id: int, *statuses: str) -> str:
        return await self.wait(
            lambda: self.status_cell(job_id) in statuses and self.status_cell(job_id),
            f"job {job_id}'s Status cell to show {' or '.join(statuses)}",
        )

    async def wait_notification(self, text: str, severity: str | None = None) -> str:
        """Wait for a notification (of `severity`, if given) that contains `text`; return it."""

        def found() -> str | None:
            return next((n for n in self.log.notifications(severity) if text in n), None)

        kind = f"{severity} notification" if severity else "notification"
        return await self.wait(found, f"a {kind} saying {text!r}")

    def preview_text(self) -> str:
        return "\n".join(self.preview.screen_text())

    def preview_rows(self) -> list[str]:
        """The preview's rows as it draws them (the emulator's visible part)."""
        return [row_text(self.preview, y) for y in range(self.preview.content_size.height)]

    async def wait_preview(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        return await self.wait(
            lambda: text in self.preview_text() and self.preview_text(),
            f"{text!r} in the preview",
            timeout,
        )

    async def select(self, job_id: int) -> None:
        """Move the table's cursor to a job's row with the arrow keys, as a user would."""
        self.table.focus()
        target = self.table.get_row_index(str(job_id))
        while self.table.cursor_row != target:
            await self.pilot.press("down" if self.table.cursor_row < target else "up")
        await self.wait(
            lambda: self.preview.border_title.startswith(f"#{job_id} "),
            f"the preview to follow job {job_id}",
        )


@contextlib.asynccontextmanager
async def open_dashboard(
    home: Path,
    clock: Callable[[], float] = time.time,
    size: tuple[int, int] = (120, 36),
    config: Config | None = None,
) -> AsyncIterator[Dashboard]:
    """Run the dashboard headless against the core of `home` until it is connected."""
    log = MessageLog()
    app = AioApp(home, config or Config(), clock=clock)
    async with app.run_test(size=size, message_hook=log) as pilot:
        dashboard = Dashboard(app, pilot, log)
        await dashboard.wait(lambda: app.connected, "the dashboard to connect to the core")
        yield dashboard
