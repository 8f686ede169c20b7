"""What a domain that runs its processes as jobs needs to follow them: the bus's job events for
the jobs it tracks (with a fresh look after falling behind), and a set of background tasks whose
failures are logged, never lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection

from aio.core.events import EventBus, Subscription
from aio.jobs.manager import JobManager

log = logging.getLogger("aio.jobs.follow")


class JobFollower:
    """Calls `on_job(job)` for each change of a job in `tracked` (a live collection of job
    numbers), and `on_event(event)` for each bus event of a type in `kinds`. When its
    subscription is dropped (it fell behind) it subscribes again and calls `on_job` once for
    every tracked job as it is now."""

    def __init__(
        self,
        name: str,
        events: EventBus,
        jobs: JobManager,
        tracked: Collection[int],
        on_job: Callable[[dict], Awaitable[None]],
        on_event: Callable[[dict], Awaitable[None]] | None = None,
        kinds: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.events = events
        self.jobs = jobs
        self.tracked = tracked
        self.on_job = on_job
        self.on_event = on_event
        self.kinds = kinds
        self._subscription: Subscription | None = None
        self._task: asyncio.Task | None = None

    def subscribe(self) -> None:
        """Start hearing events now (they queue until `start`)."""
        self._subscription = self.events.subscribe()

    def start(self) -> None:
        if self._subscription is None:
            self.subscribe()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            event = await self._subscription.get()
            if event is None:  # dropped (fell behind) or the bus closed: take a fresh look
                self._subscription = self.events.subscribe()
                await self.catch_up()
                continue
            kind = event.get("type")
            if kind == "job" and event["job"]["id"] in self.tracked:
                await self._call(event["job"])
            elif kind in self.kinds and self.on_event is not None:
                try:
                    await self.on_event(event)
                except Exception:  # one bad record must not stop the following
                    log.exception("%s: could not follow a %s event", self.name, kind)

    async def catch_up(self) -> None:
        """Call `on_job` for every tracked job as it is now (after loading records)."""
        for job_id in list(self.tracked):
            job = self.jobs.jobs.get(job_id)
            if job is not None:
                await self._call(job.to_dict())

    async def _call(self, job: dict) -> None:
        try:
            await self.on_job(job)
        except Exception:  # one bad record must not stop the following
            log.exception("%s: could not follow job %s", self.name, job.get("id"))


class BackgroundTasks:
    """Tasks a service starts and does not wait for; a failure is logged with its traceback."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: a background task failed", self.name, exc_info=task.exception())
