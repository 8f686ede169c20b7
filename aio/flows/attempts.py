"""How a run's attempts run: each one a job, followed on the event bus; its FLOW_RESULT read from
the job's log; a timeout, a retry, a cancel; a result's `next` events dispatched. A mixin of
FlowService (it uses the service's runs, plans, jobs and store).

An attempt fails when its job cannot start, exits non-zero, or ends without an acceptable
FLOW_RESULT (the seed's messages); a failed attempt is followed by another while the step's
`retries` allow. A FLOW_RESULT whose status is `failed` is the step's own verdict: the process
completed, the run's result is `failed`, and it is not retried.

A timeout (the step's `timeout_ms`, counted from its job's start) sends SIGTERM to the step's
program, as the seed does; if it is still running after KILL_GRACE_SECONDS, its job is killed
(SIGTERM to its process group, SIGKILL when the runner has gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

from aio.claude.process import last_output_line
from aio.core.viewers import read_log_tail
from aio.flows.model import Attempt, FlowRun, iso_now
from aio.flows.result import FlowResultError, parse_flow_result
from aio.flows.steps import (
    attempt_files,
    context,
    job_source,
    step_environment,
    step_task,
    write_context,
)
from aio.jobs.execution import KILL_GRACE_SECONDS
from aio.jobs.model import JobStatus

log = logging.getLogger("aio.flows.attempts")
RESULT_TAIL_BYTES = 1024 * 1024  # where the FLOW_RESULT line is looked for
MAX_NEXT = 100  # `next` events one result may dispatch
JOB_ENDS = ("done", "failed", "killed", "timeout", "lost")


class FlowAttempts:
    """Submitting attempts and following their jobs."""

    async def _submit_attempt(self, run: FlowRun) -> None:
        """Start the run's next attempt as a job; a job that cannot be made fails the run."""
        if run.finished:  # canceled before its job was made
            return
        flow, step, event = self._plans[run.id]
        number = len(run.attempts) + 1
        attempt = Attempt(number=number, run_id=run.id)
        run.attempts.append(attempt)
        context_file, pid_file = attempt_files(self.home, run, number)
        try:
            write_context(context_file, context(flow, step, event, run, attempt.id))  # small
            job = await self.jobs.submit(
                step_task(step, run, number, context_file, pid_file),
                caller_cwd=step.cwd,
                source=job_source(run, number),
                input_closed=True,  # its stdin is the context file
                env=step_environment(event, run, attempt.id),
            )
        except Exception as exc:  # the core is stopping, or the disk refuses
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            attempt.status, attempt.error = "failed", f"could not start the step: {reason}"
            await self._finish_run(run, "failed", attempt.error)
            return
        attempt.job = job.id
        self.jobs.pinned.add(job.id)  # its log is read for the FLOW_RESULT once it has ended
        self._by_job[job.id] = (run.id, number)
        await self._changed(run)

    # Following the jobs (aio.jobs.follow calls this for each change of a tracked job)

    async def _job_changed(self, job: dict) -> None:
        entry = self._by_job.get(job["id"])
        run = self.runs.get(entry[0]) if entry else None
        if run is None or run.attempt is None or run.attempt.number != entry[1]:
            self._by_job.pop(job["id"], None)
            return
        attempt = run.attempt
        if job["status"] == "running" and attempt.status == "queued":
            attempt.status = "running"
            attempt.started_at = iso_now(self.clock)
            run.status = "running"
            run.started_at = run.started_at or attempt.started_at
            step = self._plans[run.id][1]
            loop = asyncio.get_running_loop()
            timer = loop.call_later(step.timeout_ms / 1000, self._time_out, run.id, attempt)
            self._timers[run.id] = timer
            await self._changed(run)
        if job["status"] in JOB_ENDS:
            self._by_job.pop(job["id"], None)
            await self._attempt_ended(run, attempt, job)

    # Timeouts

    def _time_out(self, run_id: str, attempt: Attempt) -> None:
        """SIGTERM to the step's program; its job killed after the grace period."""
        self._timers.pop(run_id, None)
        job = self.jobs.jobs.get(attempt.job)
        if job is None or job.status.finished:
            return
        self._timed_out[attempt.id] = False
        pid = self._step_pid(attempt, job.pgid)
        if pid is None:
            self._kill_attempt(attempt)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        self._timers[run_id] = loop.call_later(KILL_GRACE_SECONDS, self._kill_attempt, attempt)

    def _step_pid(self, attempt: Attempt, pgid: int | None) -> int | None:
        """The step program's pid (its shell wrote it before `exec`), if it is in the job."""
        run = self.runs[attempt.run_id]
        try:
            pid = int(attempt_files(self.home, run, attempt.number)[1].read_text().strip())
            return pid if pgid is not None and os.getpgid(pid) == pgid else None
        except (OSError, ValueError):
            return None

    def _kill_attempt(self, attempt: Attempt) -> None:
        job = self.jobs.jobs.get(attempt.job)
        execution = self.jobs.execution(job) if job is not None else None
        if execution is None:
            return
        self._timed_out[attempt.id] = True
        execution.kill(JobStatus.TIMEOUT)

    # Endings

    async def _attempt_ended(self, run: FlowRun, attempt: Attempt, job: dict) -> None:
        timer = self._timers.pop(run.id, None)
        if timer is not None:
            timer.cancel()
        attempt.completed_at = iso_now(self.clock)
        attempt.exit_code = job.get("exit_code")
        try:
            output = await asyncio.to_thread(read_log_tail, job["log_path"], RESULT_TAIL_BYTES)
        finally:
            self.jobs.pinned.discard(job["id"])
            self._background.spawn(self.jobs.prune())  # what its pin kept may go now
        text = output.decode("utf-8", errors="replace")
        result, error = None, None
        killed = self._timed_out.pop(attempt.id, None)
        with contextlib.suppress(OSError):
            attempt_files(self.home, run, attempt.number)[1].unlink()
        if run.cancel_requested:
            attempt.status, attempt.error = "canceled", "canceled"
            await self._finish_run(run, "canceled", "canceled")
            return
        if killed is not None:
            step = self._plans[run.id][1]
            error = f"timed out after {step.timeout_ms} ms (timeout_ms): SIGTERM sent" + (
                f", then SIGKILL after {KILL_GRACE_SECONDS:g} s" if killed else ""
            )
        elif job.get("error"):
            error = job["error"]
        elif job.get("exit_code") != 0:
            said = last_output_line(output)
            error = f"flow step {run.flow}/{run.step} failed (exit {job.get('exit_code')})" + (
                f": {said}" if said else ""
            )
        else:
            try:
                result = parse_flow_result(text)
            except FlowResultError as exc:
                error = str(exc)
        if error is None:
            attempt.status = "completed"
            run.result = result
            await self._finish_run(run, "completed", None)
            self._background.spawn(self._dispatch_next(run, result.get("next")))
            return
        attempt.status, attempt.error = "failed", error
        if len(run.attempts) <= run.retries:
            run.status, run.error = "queued", error
            await self._submit_attempt(run)
            return
        await self._finish_run(run, "failed", error)

    async def _finish_run(self, run: FlowRun, status: str, error: str | None) -> None:
        run.status, run.error = status, error
        run.completed_at = iso_now(self.clock)
        if run.attempt is not None and run.attempt.status in ("queued", "running"):
            run.attempt.status = status
            run.attempt.completed_at = run.completed_at
        self._plans.pop(run.id, None)
        await self._changed(run)

    async def _dispatch_next(self, run: FlowRun, events: object) -> None:
        """Dispatch a result's `next` events (an id is made up for one that has none)."""
        if events is None:
            return
        problems = []
        if not isinstance(events, list):
            problems.append("next: expected a list of events")
            events = []
        for index, item in enumerate(events[:MAX_NEXT]):
            if isinstance(item, dict):
                item = {"id": f"{run.id}:next:{index}", "source": f"flow:{run.flow}", **item}
            try:
                answer = await self.dispatch(item)
            except Exception as exc:
                problems.append(f"next[{index}]: {exc}")
                continue
            run.next_event_ids.append(answer["eventId"])
        if len(events) > MAX_NEXT:
            problems.append(f"next: only the first {MAX_NEXT} events were dispatched")
        if problems:
            run.error = "; ".join(problems)
        await self._changed(run)
