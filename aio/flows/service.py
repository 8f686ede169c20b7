"""The core's flows: discovery kept live, events dispatched to the steps they match, runs and
their attempts kept in the store; the only place their records change.

An event id is its idempotency key: a second dispatch of it runs nothing and answers
`{status: "duplicate", idempotent: true, matched: 0, runIds: [the first dispatch's]}`. Each
matched step is a run, its attempts jobs (aio.flows.attempts). A replay re-matches the stored
event against the flows as they are now and starts new runs (`..._replay`). A run that had not
finished when the core stopped is `failed` at the next start, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from aio.config.settings import Config
from aio.core.events import EventBus
from aio.core.store import Store
from aio.flows import records
from aio.flows.attempts import FlowAttempts
from aio.flows.discovery import Discovery, FlowWatcher
from aio.flows.matching import matching_steps, parse_event
from aio.flows.model import FINISHED, FlowError, FlowEvent, FlowRun, iso_now, replay_nonce, run_id
from aio.flows.steps import JOB_SOURCE
from aio.jobs.follow import BackgroundTasks, JobFollower
from aio.jobs.manager import JobManager
from aio.jobs.model import Job

log = logging.getLogger("aio.flows.service")
MAX_LIST = 10_000
DEFAULT_LIST = 100


class FlowService(FlowAttempts):
    """Owns this core's flow events and runs."""

    def __init__(
        self,
        home: Path,
        config: Config,
        jobs: JobManager,
        store: Store,
        events: EventBus,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.config = config
        self.jobs = jobs
        self.store = store
        self.events = events
        self.clock = clock
        workspaces = [Path(w) for w in config.flow_workspaces]
        self.watcher = FlowWatcher(workspaces, home, self._flows_changed)
        self.flow_events: dict[str, FlowEvent] = {}
        self.runs: dict[str, FlowRun] = {}
        self._plans: dict[str, tuple] = {}  # run -> (flow, step, event), while it is under way
        self._by_job: dict[int, tuple[str, int]] = {}  # job -> (run, attempt number)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._timed_out: dict[str, bool] = {}  # attempt id -> whether SIGKILL was needed
        self._writer = records.RecordWriter(lambda: store.db)
        self._settle = asyncio.Condition()
        self._follower = JobFollower("flows", events, jobs, self._by_job, self._job_changed)
        self._background = BackgroundTasks("flows")
        self.http: dict = {"enabled": False, "url": None, "error": None}

    # Life cycle

    async def start(self) -> None:
        """Right after the jobs: kill the flow jobs a restart queued again (before they start:
        their context and environment are gone), fail the runs that had not finished, then
        follow the jobs and watch the workspaces."""
        for job in list(self.jobs.jobs.values()):
            if (job.source or "").startswith(f"{JOB_SOURCE} ") and not job.status.finished:
                self.jobs.kill(job)
        self._follower.subscribe()
        self._writer.start()
        for event in await records.load_events(self.store.db):
            self.flow_events[event.id] = event
        for run in await records.load_runs(self.store.db):
            self.runs[run.id] = run
            if not run.finished:
                await self._fail_interrupted(run)
        self._follower.start()
        await self.watcher.start()

    def _started_job(self, run: FlowRun) -> Job | None:
        """The job of `run`'s attempt that had started when the core stopped (its log holds
        output), even if the record of that start was not written yet: the log is written as
        the step prints, the records a moment later."""
        prefix = f"{JOB_SOURCE} {run.id}:attempt:"
        for job in self.jobs.jobs.values():
            if (job.source or "").startswith(prefix):
                with contextlib.suppress(OSError):
                    if os.path.getsize(job.log_path) > 0:
                        return job
        return None

    async def _fail_interrupted(self, run: FlowRun) -> None:
        attempt = run.attempt
        number = job = None
        if attempt is not None and attempt.status == "running":
            number, job = attempt.number, attempt.job
        elif (started := self._started_job(run)) is not None:
            number, job = int(started.source.rsplit(":", 1)[1]), started.id
        if job is not None:
            reason = (
                f"the core stopped while this run was running (attempt {number}, "
                f"job {job}); it did not finish"
            )
        else:
            reason = "the core stopped before this run's step started; replay its event to run it"
        now = iso_now(self.clock)
        if attempt is not None and attempt.status not in FINISHED:
            attempt.status, attempt.error, attempt.completed_at = "failed", reason, now
        run.status, run.error, run.completed_at = "failed", reason, now
        await self._changed(run)

    async def stop(self) -> None:
        """Stop following and watching (the jobs are killed by the job manager; runs under way
        stay so in the store, and the next start fails them with the reason)."""
        for timer in self._timers.values():
            timer.cancel()
        self._background.cancel_all()
        await self._follower.stop()
        await self.watcher.stop()
        await self._writer.stop()

    async def _flows_changed(self, _found: Discovery) -> None:
        self.events.publish({"type": "flows_changed"})

    async def _changed(self, run: FlowRun) -> None:
        run.updated_at = iso_now(self.clock)
        snapshot = run.to_dict()  # one serialisation for the database and the clients
        self._writer.update(run, snapshot)
        self.events.publish({"type": "flow_run", "run": snapshot})
        async with self._settle:
            self._settle.notify_all()

    # Queries

    def listing(self) -> dict:
        """The flows, their errors and what shadowed what, and the HTTP listener's state."""
        return {**self.watcher.current.summary(), "http": dict(self.http)}

    def get_event(self, event_id: str) -> dict:
        event = self.flow_events.get(event_id)
        if event is None:
            raise FlowError(f"no event '{event_id[:200]}'", 404)
        runs = [r.to_dict() for r in self.runs.values() if r.event_id == event_id]
        return {"event": event.to_dict(), "runs": runs}

    def list_events(self, kind: str | None = None, limit: int = DEFAULT_LIST) -> list[dict]:
        """The newest events first (of type `kind` only, if given)."""
        found = []
        for event in reversed(self.flow_events.values()):
            if kind is None or event.type == kind:
                found.append(event.to_dict())
                if len(found) >= limit:
                    break
        return found

    def get_run(self, ref: str) -> FlowRun:
        run = self.runs.get(ref)
        if run is None:
            raise FlowError(f"no run '{ref[:200]}'", 404)
        return run

    def list_runs(
        self, status: str | None = None, event_id: str | None = None, limit: int = DEFAULT_LIST
    ) -> list[dict]:
        """The newest runs first; `status` matches the process or the effective status."""
        found = []
        for run in reversed(self.runs.values()):
            if status is not None and status not in (run.status, run.effective_status):
                continue
            if event_id is not None and run.event_id != event_id:
                continue
            found.append(run.to_dict())
            if len(found) >= limit:
                break
        return found

    async def wait_event(self, event_id: str, timeout: float) -> dict:
        """The event and its runs once all of them have finished, or when `timeout` passes."""
        self.get_event(event_id)

        def settled() -> bool:
            return all(r.finished for r in self.runs.values() if r.event_id == event_id)

        async with self._settle:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settle.wait_for(settled), timeout)
        return self.get_event(event_id)

    # Dispatch and replay

    def check(self, data: object) -> dict:
        """What an event (`id` optional) would run now, recording nothing: the steps it
        matches and those of its type whose schema refuses its payload, with why."""
        if isinstance(data, dict) and "id" not in data:
            data = {**data, "id": "check"}
        event = parse_event(data, self.clock)
        matched, refused = matching_steps(self.watcher.current.flows, event)
        steps = [{"flow": flow.name, "step": step.name} for flow, step in matched]
        return {"type": event.type, "matched": steps, "unmatched": refused}

    async def dispatch(self, data: object) -> dict:
        """Record an event and start a run for every step it matches (see the module)."""
        event = parse_event(data, self.clock)
        first = self.flow_events.get(event.id)
        if first is not None:
            return {
                "status": "duplicate",
                "eventId": event.id,
                "idempotent": True,
                "matched": 0,
                "runIds": list(first.run_ids),
            }
        # Everything up to the write is synchronous: a second dispatch of this id, arriving
        # while it is written, already finds it above.
        runs, refused = self._new_runs(event, None)
        event.run_ids = [r.id for r in runs]
        event.unmatched = refused
        self.flow_events[event.id] = event
        try:
            await self._record(event, runs)
        except BaseException:
            self.flow_events.pop(event.id, None)
            raise
        self.events.publish({"type": "flow_event", "event": event.to_dict()})
        self._begin_runs(runs)
        return {
            "status": "accepted",
            "eventId": event.id,
            "runIds": event.run_ids,
            "matched": len(runs),
            "unmatched": refused,
        }

    async def replay(self, event_id: str) -> dict:
        """Run the stored event again: new runs for the steps it matches now."""
        event = self.flow_events.get(event_id)
        if event is None:
            raise FlowError(f"no event '{event_id[:200]}'", 404)
        runs, refused = self._new_runs(event, replay_nonce(self.clock))
        await self._record(None, runs)
        self._begin_runs(runs)
        return {
            "status": "accepted",
            "eventId": event.id,
            "replay": True,
            "runIds": [r.id for r in runs],
            "matched": len(runs),
            "unmatched": refused,
        }

    def _new_runs(self, event: FlowEvent, nonce: str | None) -> tuple[list[FlowRun], list]:
        matched, refused = matching_steps(self.watcher.current.flows, event)
        now = iso_now(self.clock)
        runs = []
        for flow, step in matched:
            run = FlowRun(
                id=run_id(event.id, flow.name, step.name, nonce),
                event_id=event.id,
                flow=flow.name,
                flow_version=flow.version,
                step=step.name,
                runner=step.runner,
                flow_root=flow.root,
                created_at=now,
                retries=step.retries,
                replay=nonce is not None,
                updated_at=now,
            )
            self._plans[run.id] = (flow, step, event)
            runs.append(run)
        return runs, refused

    async def _record(self, event: FlowEvent | None, runs: list[FlowRun]) -> None:
        try:
            await self._writer.insert(event, runs)
        except BaseException:
            for run in runs:
                self._plans.pop(run.id, None)
            raise
        for run in runs:
            self.runs[run.id] = run

    def _begin_runs(self, runs: list[FlowRun]) -> None:
        """Publish the new runs and submit their first attempts (after the answer: a sender
        waits for its event to be recorded, not for its jobs to be made)."""
        for run in runs:
            self.events.publish({"type": "flow_run", "run": run.to_dict()})
            self._background.spawn(self._submit_attempt(run))

    # Cancel

    async def cancel(self, ref: str, wait: float = 10.0) -> FlowRun:
        """Kill the run's attempt (its job) and mark it `canceled`; answers once it has ended
        (or after `wait` seconds)."""
        run = self.get_run(ref)
        if run.finished:
            raise FlowError(f"run {run.id} is already {run.status}", 409)
        run.cancel_requested = True
        attempt = run.attempt
        job = self.jobs.jobs.get(attempt.job) if attempt and attempt.job is not None else None
        if job is not None and not job.status.finished:
            self.jobs.kill(job)
        else:  # between attempts, or its job never came to be
            await self._finish_run(run, "canceled", "canceled")
        async with self._settle:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settle.wait_for(lambda: run.finished), wait)
        return run
