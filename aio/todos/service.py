"""Todos in the core: the shared TodoBook behind a lock, and reminders on one timer.

The core arms a single timer for the next deadline (real or virtual) that has not fired, and
re-arms it on every change and at start-up; there is no polling loop. Each deadline fires
exactly once (the database records it): an event for every open dashboard (a toast and the
terminal bell) and a desktop notification through `notify-send` where it exists. Deadlines that
passed while the core was down fire once at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from aio.core.desktop import desktop_notify
from aio.core.events import EventBus
from aio.todos.model import Todo, TodoBook

log = logging.getLogger("aio.todos.service")
# The longest the timer sleeps at once: a wall-clock jump (suspend, clock change) is noticed
# within this, since the loop's monotonic clock does not count a suspended machine.
LONGEST_SLEEP = 3600.0
SUMMARY_AFTER = 5  # more deadlines than this firing at once get one summary reminder

Schedule = Callable[[float, Callable[[], None]], asyncio.TimerHandle]


class TodoService:
    """The core's todos: every access in a worker thread, one at a time."""

    def __init__(
        self,
        database: Path,
        events: EventBus,
        clock: Callable[[], float] = time.time,
        schedule: Schedule | None = None,
        notify: Callable[[str, str], None] = desktop_notify,
    ) -> None:
        self._database = database
        self.events = events
        self.clock = clock
        self._schedule = schedule
        self._notify = notify
        self._book: TodoBook | None = None
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self.armed_for: float | None = None
        self.fired: list[tuple[int, str]] = []

    async def start(self) -> None:
        self._book = await asyncio.to_thread(self._open)
        await self.fire_due()

    def _open(self) -> TodoBook:
        return TodoBook(self._database, self.clock, threaded=True)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._book is not None:
            await asyncio.to_thread(self._book.close)
            self._book = None

    async def call(self, method: str, *args):
        """Run a TodoBook method in a thread; changes re-arm the timer and tell clients."""
        async with self._lock:
            result = await asyncio.to_thread(getattr(self._book, method), *args)
        if method not in ("list", "first", "get", "unfired"):
            await self.changed()
        return result

    async def changed(self) -> None:
        """Something changed the todos (here or in `aio t`): re-arm and tell every client."""
        self.events.publish({"type": "todos_changed"})
        await self.fire_due()

    async def fire_due(self) -> None:
        """Fire every due deadline once, then arm the timer for the next one."""
        async with self._lock:
            now = self.clock()
            fired, upcoming = await asyncio.to_thread(self._book.fire_due, now)
        if len(fired) > SUMMARY_AFTER:
            # Many at once (the core was down a long time): one notification, not a storm.
            self._remind_many(fired, now)
        else:
            for todo, which in fired:
                self._remind(todo, which, now)
        self._arm(upcoming)

    def _remind_many(self, fired: list[tuple[Todo, str]], now: float) -> None:
        for todo, which in fired:
            self.fired.append((todo.id, which))
        text = f"{len(fired)} todo deadlines passed while aio was not running"
        log.info("reminder: %s", text)
        self.events.publish(
            {
                "type": "reminder",
                "which": "several",
                "text": text,
                "todos": [todo.to_dict(now) for todo, _ in fired],
                "todo": fired[0][0].to_dict(now),
            }
        )
        self._notify("aio: deadlines passed", text)

    def _remind(self, todo: Todo, which: str, now: float) -> None:
        self.fired.append((todo.id, which))
        kind = "deadline" if which == "real" else "virtual deadline"
        text = f"todo {todo.id} {todo.title}: {kind} reached"
        log.info("reminder: %s", text)
        self.events.publish(
            {"type": "reminder", "which": which, "text": text, "todo": todo.to_dict(now)}
        )
        self._notify(f"aio: {kind}", f"{todo.id}. {todo.title}")

    def _arm(self, when: float | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.armed_for = when
        if when is None:
            return
        delay = min(max(0.0, when - self.clock()), LONGEST_SLEEP)
        schedule = self._schedule or asyncio.get_running_loop().call_later
        self._timer = schedule(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.fire_due())
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("reminder failed", exc_info=task.exception())
