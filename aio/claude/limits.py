"""The limits on Claude sessions: an idle timeout, and how many run at once.

A session holds a slot from the moment its job is submitted until it has ended or failed; past
`claude_max_sessions` slots a session waits, queued (its job not yet submitted), and starts when
a slot frees, first come first served. An interactive session that is `idle` (Claude finished a
turn and waits for a prompt) for `claude_idle_timeout` seconds is stopped; a session `waiting`
for a permission or an answer is waiting for its user, so it is never timed out. The idle timer
is armed when a session becomes idle and cancelled when it is anything else (no polling).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from aio.claude.model import ClaudeMode, ClaudeSession, ClaudeStatus

log = logging.getLogger("aio.claude.limits")


def idle_reason(seconds: int) -> str:
    """What an ended session's record says when its idle timeout stopped it."""
    if seconds % 3600 == 0:
        shown = f"{seconds // 3600} h"
    elif seconds % 60 == 0:
        shown = f"{seconds // 60} min"
    else:
        shown = f"{seconds} s"
    return f"stopped after {shown} idle"


class SessionLimits:
    """The slots and idle timers of Claude sessions; the service tells it of every change."""

    def __init__(
        self, idle_timeout: int, max_sessions: int, on_idle_timeout: Callable[[int], None]
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_sessions = max_sessions
        self._on_idle_timeout = on_idle_timeout
        self._running: set[int] = set()  # sessions holding a slot
        self._queue: deque[tuple[int, Callable[[], Awaitable[None]]]] = deque()
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._starts: set[asyncio.Task] = set()

    # Slots

    def claim(self, number: int) -> bool:
        """Take a slot for session `number` (True), or say there is none free (False)."""
        if number in self._running:
            return True
        if len(self._running) >= self.max_sessions or self._queue:
            return False
        self._running.add(number)
        return True

    def hold(self, number: int) -> None:
        """Count a session that runs already (found running when the core started)."""
        self._running.add(number)

    def wait(self, number: int, start: Callable[[], Awaitable[None]]) -> None:
        """Queue session `number`; `start()` runs once a slot is its."""
        self._queue.append((number, start))

    def is_queued(self, number: int) -> bool:
        return any(n == number for n, _ in self._queue)

    def unqueue(self, number: int) -> bool:
        """Take session `number` out of the queue; False when it was not in it."""
        for entry in list(self._queue):
            if entry[0] == number:
                self._queue.remove(entry)
                return True
        return False

    def queued_note(self) -> str:
        """What `aio claude new` says of a session that has to wait."""
        return f"queued: {len(self._running)} sessions run (claude_max_sessions)"

    def _release(self, number: int) -> None:
        self._running.discard(number)
        while self._queue and len(self._running) < self.max_sessions:
            waiting, start = self._queue.popleft()
            self._running.add(waiting)
            task = asyncio.get_running_loop().create_task(start())
            self._starts.add(task)
            task.add_done_callback(self._started)

    def _started(self, task: asyncio.Task) -> None:
        self._starts.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a queued claude session could not start", exc_info=task.exception())

    # Changes

    def changed(self, session: ClaudeSession) -> None:
        """Follow a session's new state: free its slot once it is over, and arm its idle timer
        while it is idle (a timer already running for it keeps running)."""
        if session.status.finished:
            self._disarm(session.id)
            if session.job is None:
                self._release(session.id)
            return
        idle = (
            session.status == ClaudeStatus.IDLE
            and session.mode == ClaudeMode.INTERACTIVE
            and session.job is not None
        )
        if not idle:
            self._disarm(session.id)
        elif session.id not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[session.id] = loop.call_later(self.idle_timeout, self._expired, session.id)

    def _expired(self, number: int) -> None:
        self._timers.pop(number, None)
        try:
            self._on_idle_timeout(number)
        except Exception:  # a timer callback must not take the loop's error handler down
            log.exception("claude session %s: its idle timeout could not stop it", number)

    def _disarm(self, number: int) -> None:
        timer = self._timers.pop(number, None)
        if timer is not None:
            timer.cancel()

    def close(self) -> None:
        """Cancel every timer and queued start (the core is stopping)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._queue.clear()
        for task in self._starts:
            task.cancel()
