"""The job registry: submission, the worker queue, kill and remove, retention, restart recovery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from aio.config.locations import jobs_dir
from aio.config.settings import Config
from aio.core.errors import RequestError, is_number
from aio.core.events import EventBus
from aio.core.store import Store
from aio.jobs import worktree
from aio.jobs.execution import JobExecution, JobOutput
from aio.jobs.model import Job, JobStatus, Step, StepStatus
from aio.jobs.orphans import kill_orphans
from aio.jobs.tasks import TaskSpec

log = logging.getLogger("aio.jobs.manager")


class JobError(RequestError):
    """A request about a job that cannot be met; `status` is the HTTP status to answer with."""


def folder_slug(name: str) -> str:
    """A file-system-safe short form of a job name."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:40]
    return slug or "job"


class JobManager:
    """Owns every job of this core; the only place job state changes."""

    def __init__(
        self,
        home: Path,
        config: Config,
        store: Store,
        events: EventBus,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.config = config
        self.store = store
        self.events = events
        self.clock = clock
        self.jobs: dict[int, Job] = {}
        self.outputs: dict[int, JobOutput] = {}
        self.executions: dict[int, JobExecution] = {}
        # Jobs whose input does not come from their terminal (a headless claude reads a FIFO):
        # every attach to them is read-only.
        self.input_closed: set[int] = set()
        self._queue: deque[int] = deque()
        self._starting = 0
        self._unlimited: set[int] = set()  # jobs outside `workers` (services, e.g. worklets)
        self._extra_env: dict[int, dict[str, str]] = {}  # per-job environment, in memory only
        # Finished jobs whose folders `prune` keeps for now: their domain has yet to read their
        # log (a flow reads its step's FLOW_RESULT there once it hears of the job's end).
        self.pinned: set[int] = set()
        self._writes: asyncio.Queue[tuple | None] = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    # Life cycle

    async def start(self) -> None:
        """Load every record; jobs that were running are lost, queued ones run again."""
        self._writer = asyncio.create_task(self._write_loop())
        now = self.clock()
        for job in await self.store.load_jobs():
            self.jobs[job.id] = job
            if job.status == JobStatus.RUNNING:
                job.status = JobStatus.LOST
                job.finished_at = now
                job.error = "the core stopped while this job ran"
                if job.pgid:
                    self._spawn(self._reap_orphans(job, job.pgid))
                for step in job.steps:
                    if step.status == StepStatus.RUNNING:
                        step.status = StepStatus.FAILED
                    elif step.status == StepStatus.PENDING:
                        step.status = StepStatus.SKIPPED
                self._persist(job)
            output = JobOutput(job, self.config.ring_bytes, self.config.log_max_bytes)
            output.restored = job.status.finished
            self.outputs[job.id] = output
            if job.status == JobStatus.QUEUED:
                self._queue.append(job.id)
        self._schedule()
        self._spawn(self.prune())

    async def _reap_orphans(self, job: Job, pgid: int) -> None:
        """Kill what a lost job left running (see aio.jobs.orphans) and say so on its record."""
        pids = await asyncio.to_thread(kill_orphans, self.home, job.id, pgid)
        if pids:
            job.error = (
                f"the core stopped while this job ran; its {len(pids)} leftover "
                f"process(es) (group {pgid}) were killed when the core restarted"
            )
            log.info("job %s: killed leftover processes %s", job.id, pids)
            self._changed(job)

    async def shutdown(self, grace: float = 10.0) -> None:
        """Kill running jobs (recorded as killed), keep queued ones queued, flush the store."""
        self._closing = True
        running = list(self.executions.values())
        for execution in running:
            execution.kill(JobStatus.KILLED)
        if running:
            waits = [asyncio.create_task(e.finished.wait()) for e in running]
            _, pending = await asyncio.wait(waits, timeout=grace)
            for task in pending:
                task.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self._writes.put(None)
        if self._writer is not None:
            await self._writer

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Persistence: every change is published at once and written in order by one writer.

    def _changed(self, job: Job) -> None:
        snapshot = job.to_dict()  # one serialisation serves the database and the clients
        self._writes.put_nowait(("update", snapshot))
        self.events.publish({"type": "job", "job": snapshot})

    def _persist(self, job: Job) -> None:
        self._writes.put_nowait(("update", job.to_dict()))

    async def _write_loop(self) -> None:
        while (item := await self._writes.get()) is not None:
            kind, payload = item
            try:
                if kind == "update":
                    await self.store.update_job(payload)
                elif kind == "delete":
                    await self.store.delete_job(payload)
            except Exception:
                log.exception("could not write job %s to the database", payload)

    # Queries

    def list(self) -> list[Job]:
        return [self.jobs[i] for i in sorted(self.jobs)]

    def resolve(self, ref: str) -> Job:
        """A job by number, or by name (the running one, else the newest with that name)."""
        ref = ref.strip()
        if is_number(ref.lstrip("#")):
            job = self.jobs.get(int(ref.lstrip("#")))
            if job is None:
                raise JobError(f"no job {ref.lstrip('#')}", 404)
            return job
        named = [j for j in self.jobs.values() if j.name == ref]
        if not named:
            raise JobError(f"no job named '{ref}'", 404)
        live = [j for j in named if not j.status.finished]
        return max(live or named, key=lambda j: j.id)

    # Submission and scheduling

    async def submit(
        self,
        spec: TaskSpec,
        caller_cwd: str | None = None,
        source: str | None = None,
        input_closed: bool = False,
        env: dict[str, str] | None = None,
        limited: bool = True,
    ) -> Job:
        """Queue a resolved task as a new job. Bad input raises TaskError and leaves nothing.
        With `input_closed`, every attach to it is read-only (its input comes from elsewhere);
        `env` is added to its environment; a job not `limited` starts at once, outside the
        `workers` limit (a service, such as a worklet, that runs until stopped)."""
        if self._closing:
            raise JobError("the core is stopping", 503)
        repo_path = None
        if spec.repo is not None:
            repo_path = worktree.resolve_repo_path(spec.repo, spec.source)
            await asyncio.to_thread(worktree.check_repo, repo_path, spec.branch, spec.source)
        job = Job(
            id=0,
            name=spec.name,
            status=JobStatus.QUEUED,
            steps=[Step(desc=s.desc, cmd=s.cmd, timeout=s.timeout) for s in spec.steps],
            created_at=self.clock(),
            folder="",
            source=source or spec.source,
            repo=str(repo_path) if repo_path else None,
            branch=spec.branch,
            timeout=spec.timeout,
            variables=dict(spec.variables),
        )
        job.id = await self.store.insert_job(job)
        folder = jobs_dir(self.home) / f"{job.id}-{folder_slug(job.name)}"
        try:
            folder.mkdir(mode=0o700, parents=True)
            task_file = folder / "task.json"
            task_file.write_text(json.dumps(spec.to_dict(), indent=2), encoding="utf-8")
            if caller_cwd:
                (folder / "caller_cwd").write_text(caller_cwd, encoding="utf-8")
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            await self.store.delete_job(job.id)
            raise JobError(f"cannot create the job folder {folder}: {exc.strerror}", 500) from None
        job.folder = str(folder)
        self.jobs[job.id] = job
        if input_closed:
            self.input_closed.add(job.id)
        self.outputs[job.id] = JobOutput(job, self.config.ring_bytes, self.config.log_max_bytes)
        if env:
            self._extra_env[job.id] = dict(env)
        self._changed(job)
        if limited:
            self._queue.append(job.id)
            self._schedule()
        else:
            self._unlimited.add(job.id)
            self._spawn(self._start(job))
        return job

    def _running_count(self) -> int:
        return len(self.executions.keys() - self._unlimited) + self._starting

    def _schedule(self) -> None:
        while not self._closing and self._queue and self._running_count() < self.config.workers:
            job = self.jobs.get(self._queue.popleft())
            if job is None or job.status != JobStatus.QUEUED:
                continue
            self._starting += 1
            self._spawn(self._start(job))

    async def _start(self, job: Job) -> None:
        output = self.outputs[job.id]
        counted = int(job.id not in self._unlimited)  # in `_starting` until it runs or fails
        folder = Path(job.folder)
        try:
            output.open_log()
            if job.repo:
                workdir = folder / "worktree"
                commit = await asyncio.to_thread(
                    worktree.check_repo, Path(job.repo), job.branch, job.source
                )
                await asyncio.to_thread(worktree.add_worktree, Path(job.repo), commit, workdir)
            else:
                workdir = folder / "work"
                workdir.mkdir(mode=0o700, exist_ok=True)
        except Exception as exc:  # any failure to prepare fails this job, never the core
            self._starting -= counted
            self._fail_before_start(job, output, f"could not prepare the job: {exc}")
            return
        execution = JobExecution(
            job, output, self._job_env(job), self._changed, self._on_finished, self.clock
        )
        self._starting -= counted
        if self._closing or job.status != JobStatus.QUEUED:
            # The core is stopping, or the job was killed while its worktree was being made.
            self._unlimited.discard(job.id)
            output.close_log()
            self._schedule()
            return
        try:
            execution.start(workdir)
        except Exception as exc:  # a job that cannot start is failed with why, never stuck
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._fail_before_start(job, output, f"could not start the job: {reason}")
            return
        self.executions[job.id] = execution

    def _fail_before_start(self, job: Job, output: JobOutput, message: str) -> None:
        self._unlimited.discard(job.id)
        self._extra_env.pop(job.id, None)
        output.emit(f"[aio] {message}\r\n".encode())
        output.close_log()
        job.status = JobStatus.FAILED
        job.error = message
        job.started_at = job.finished_at = self.clock()
        for step in job.steps:
            step.status = StepStatus.SKIPPED
        self._changed(job)
        output.wake_viewers()
        self._schedule()

    def _job_env(self, job: Job) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_CORE_")}
        env.update(
            TERM="xterm-256color",
            AIO_HOME=str(self.home),
            AIO_JOB_ID=str(job.id),
            AIO_JOB_NAME=job.name,
            AIO_JOB_FOLDER=job.folder,
        )
        caller = Path(job.folder) / "caller_cwd"
        with contextlib.suppress(OSError):
            env["AIO_CALLER_CWD"] = caller.read_text(encoding="utf-8")
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        env.update(self._extra_env.pop(job.id, {}))
        return env

    def _on_finished(self, execution: JobExecution) -> None:
        self.executions.pop(execution.job.id, None)
        self._unlimited.discard(execution.job.id)
        self._schedule()
        self._spawn(self.prune())

    # Control

    def execution(self, job: Job) -> JobExecution | None:
        return self.executions.get(job.id)

    def kill(self, job: Job) -> Job:
        """Kill a running job or cancel a queued one."""
        if job.status.finished:
            raise JobError(f"job {job.id} is already {job.status}", 409)
        execution = self.executions.get(job.id)
        if execution is not None:
            execution.kill(JobStatus.KILLED)
            return job
        if job.id in self._queue:
            self._queue.remove(job.id)
        job.status = JobStatus.KILLED
        job.finished_at = self.clock()
        for step in job.steps:
            step.status = StepStatus.SKIPPED
        self._changed(job)
        self.outputs[job.id].wake_viewers()
        return job

    async def remove(self, job: Job) -> None:
        """Remove a finished job: its folder, its worktree and its record."""
        if not job.status.finished:
            raise JobError(f"job {job.id} is {job.status}; kill it first (aio kill {job.id})", 409)
        await asyncio.to_thread(self._remove_folder, job)
        self.jobs.pop(job.id, None)
        self.input_closed.discard(job.id)
        output = self.outputs.pop(job.id, None)
        if output is not None:
            for viewer in list(output.viewers):
                viewer.close()
        self._writes.put_nowait(("delete", job.id))
        self.events.publish({"type": "job_removed", "id": job.id})

    @staticmethod
    def _remove_folder(job: Job) -> None:
        folder = Path(job.folder) if job.folder else None
        if folder is None or not folder.exists():
            return
        if job.repo:
            worktree.remove_worktree(Path(job.repo), folder / "worktree")
        shutil.rmtree(folder, ignore_errors=True)

    async def prune(self) -> None:
        """Keep the newest `keep_jobs` job folders; never one of a job that has not finished."""
        with_folders = sorted(
            (j for j in self.jobs.values() if not j.folder_removed and j.folder),
            key=lambda j: j.id,
            reverse=True,
        )
        for job in with_folders[self.config.keep_jobs :]:
            if not job.status.finished or job.id in self.pinned:
                continue
            await asyncio.to_thread(self._remove_folder, job)
            job.folder_removed = True
            output = self.outputs.get(job.id)
            if output is not None:
                output.ring = type(output.ring)(output.ring.capacity)
                output.restored = True
            self._changed(job)
