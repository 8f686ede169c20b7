"""The dashboard side of the todo tests: a real AioApp on a real in-process core, both on one
injected clock, driven through Textual's Pilot; and a core on its own thread for snapshots.

The core's TodoService gets an injected clock, a recording `schedule` and a recording `notify`
(time and the desktop are injected; the service itself is the real one).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from todo_harness import CORE_CONFIG, DEFAULT_TIMEOUT, FIXED_NOW, FakeClock, Notes, Schedule

from aio.app import AioApp
from aio.config.locations import database_path
from aio.core.daemon import Core
from aio.screens.todos import TodoTable
from aio.todos.model import DAY, HOUR, TodoBook, Urgency
from aio.todos.service import TodoService

NOW = FIXED_NOW
SEEDS = [  # title, deadline, virtual, urgency, due, virtual due (as shown at NOW)
    ("Overdue", NOW - 600, None, Urgency.OVERDUE, "10m ago", "-"),
    ("Behind", NOW + 2 * DAY, NOW - 600, Urgency.BEHIND_PLAN, "in 2d 0h", "10m ago"),
    ("Soon", NOW + 30 * 60, None, Urgency.WITHIN_HOUR, "in 30m", "-"),
    ("Today", NOW + 5 * HOUR, NOW + 4 * HOUR, Urgency.WITHIN_DAY, "in 5h 00m", "in 4h 00m"),
    ("Later", NOW + 3 * DAY, None, Urgency.LATER, "in 3d 0h", "-"),
    ("Someday", None, None, Urgency.NONE, "-", "-"),
]


def todo_core(home: Path, clock: FakeClock, schedule: Schedule | None, notes: Notes) -> Core:
    """A real core (not started) whose TodoService runs on injected time."""
    core = Core(home, CORE_CONFIG, clock=clock)
    core.todos = TodoService(
        database_path(home), core.events, clock=clock, schedule=schedule, notify=notes
    )
    return core


def seed(home: Path, clock: FakeClock, finished: bool = True) -> None:
    """The todos of SEEDS (and one completed), written before the core starts."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    book = TodoBook(database_path(home), clock)
    try:
        for title, real, virtual, *_ in SEEDS:
            book.add(title, real, virtual)
        if finished:
            done = book.add("Finished", NOW + HOUR, None)
            book.complete((done.id,))
    finally:
        book.close()


@dataclass
class MessageLog:
    """Every message the app processed (`run_test(message_hook=...)`), in order."""

    messages: list[Message] = field(default_factory=list)

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def notifications(self, severity: str | None = None) -> list[str]:
        """Each notification as `title: message`, optionally of one severity only."""
        return [
            f"{m.notification.title}: {m.notification.message}"
            for m in self.messages
            if isinstance(m, Notify) and severity in (None, m.notification.severity)
        ]


@dataclass
class Dashboard:
    app: AioApp
    pilot: Pilot
    log: MessageLog

    async def wait(
        self, predicate: Callable[[], Any], what: str, timeout: float = DEFAULT_TIMEOUT
    ) -> Any:
        """Let the app run until `predicate()` is truthy; its value. Fails at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {what}: {value!r}"
                )
            await self.pilot.pause(0.05)

    @property
    def table(self) -> TodoTable:
        return self.app.screen.query_one(TodoTable)

    def rows(self) -> list[list]:
        """The Todos table as shown: one list of cells per row."""
        table = self.table
        return [table.get_row_at(i) for i in range(table.row_count)]

    def titles(self) -> list[str]:
        return [row[2].plain for row in self.rows()]

    async def wait_titles(self, titles: list[str]) -> None:
        await self.wait(lambda: self.titles() == titles, f"the Todos table to list {titles}")

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)


@contextlib.asynccontextmanager
async def open_dashboard(
    home: Path, clock: FakeClock, size: tuple[int, int] = (100, 28)
) -> AsyncIterator[Dashboard]:
    """Run the dashboard headless against the core of `home` until it is connected."""
    log = MessageLog()
    app = AioApp(home, CORE_CONFIG, clock=clock)
    async with app.run_test(size=size, message_hook=log, notifications=True) as pilot:
        dashboard = Dashboard(app, pilot, log)
        await dashboard.wait(lambda: app.connected, "the dashboard to connect to the core")
        yield dashboard


class ThreadedCore:
    """A real core on its own loop in a thread, for a snapshot test whose app owns `app.run()`."""

    def __init__(self, home: Path, clock: FakeClock) -> None:
        self.home = home
        self.clock = clock
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="core", daemon=True)
        self.core: Core | None = None

    def call(self, coro: Coroutine, timeout: float = DEFAULT_TIMEOUT) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> Core:
        self.thread.start()

        async def start() -> Core:
            core = todo_core(self.home, self.clock, None, Notes())
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
