"""How a worklet runs: its build job, then its server job on a free loopback port, `running`
once that port answers; stopped by killing its jobs. A mixin of WorkletService (it uses the
service's worklets, jobs, config, plans and KV service)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from aio.claude.process import last_output_line
from aio.jobs.execution import KILL_GRACE_SECONDS
from aio.jobs.tasks import StepSpec, TaskSpec
from aio.worklets.model import Worklet, WorkletError, WorkletStatus
from aio.worklets.plan import RunPlan
from aio.worklets.ports import LOOPBACK, answers, exposed_addresses, free_port
from aio.worklets.sandbox import bwrap_path, sandbox_argv, step_command

log = logging.getLogger("aio.worklets.runs")
SOURCE = "aio wl"
FIRST_PAUSE, LAST_PAUSE = 0.02, 0.5  # the backoff of the port probe, in seconds
UNDER_WAY = (WorkletStatus.BUILDING, WorkletStatus.STARTING, WorkletStatus.RUNNING)


class WorkletRuns:
    """Start, stop and restart; what the jobs' changes mean for their worklets."""

    async def start_worklet(self, ref: str, build: bool = False) -> Worklet:
        """Start a stopped (or failed) worklet: its build first with `build`, then its server."""
        worklet = self.get(ref)
        async with self._lock(worklet.id):
            if worklet.status in UNDER_WAY or worklet.status == WorkletStatus.CREATING:
                raise WorkletError(f"worklet {worklet.id} is {worklet.status} already", 409)
            await self._begin(worklet, build)
        return worklet

    async def stop_worklet(self, ref: str) -> Worklet:
        """Kill a worklet's build and server; it is `stopped` once they have ended."""
        worklet = self.get(ref)
        async with self._lock(worklet.id):
            if worklet.status in (WorkletStatus.STOPPED, WorkletStatus.CREATING):
                raise WorkletError(f"worklet {worklet.id} is {worklet.status}", 409)
            await self._halt(worklet)
            worklet.status = WorkletStatus.STOPPED
            await self._changed(worklet)
        return worklet

    async def restart_worklet(self, ref: str, build: bool = False) -> Worklet:
        """Stop a worklet if it runs, then start it (its build first with `build`)."""
        worklet = self.get(ref)
        async with self._lock(worklet.id):
            if worklet.status == WorkletStatus.CREATING:
                raise WorkletError(f"worklet {worklet.id} is being cloned", 409)
            await self._halt(worklet)
            await self._begin(worklet, build)
        return worklet

    # Starting

    async def _begin(self, worklet: Worklet, build: bool, plan: RunPlan | None = None) -> None:
        """Read the plan again (the clone may have changed) and submit the build, or the server."""
        worklet.error = None
        try:
            plan = plan or await asyncio.to_thread(self._read_plan, worklet)
        except WorkletError as exc:
            await self._fail(worklet, str(exc))
            return
        self._plans[worklet.id] = plan
        worklet.plan = plan.kind
        if build and plan.build:
            await self._submit_build(worklet, plan)
        else:
            await self._submit_run(worklet, plan)

    def _sandbox(self, worklet: Worklet, plan: RunPlan) -> list[str] | None:
        bwrap = bwrap_path() if self.config.worklet_sandbox and plan.sandboxable else None
        if bwrap is None:
            return None
        folder = Path(worklet.folder)
        (folder / "home").mkdir(mode=0o700, exist_ok=True)
        return sandbox_argv(bwrap, self.home, folder, Path(worklet.clone))

    def _spec(self, worklet: Worklet, name: str, commands: tuple[str, ...], plan) -> TaskSpec:
        sandbox = self._sandbox(worklet, plan)
        clone = Path(worklet.clone)
        steps = tuple(
            StepSpec(desc=command, cmd=step_command(command, clone, sandbox))
            for command in commands
        )
        return TaskSpec(name=name, steps=steps)

    async def _submit_build(self, worklet: Worklet, plan: RunPlan) -> None:
        spec = self._spec(worklet, f"wl-{worklet.name}-build", plan.build, plan)
        job = await self.jobs.submit(spec, worklet.clone, SOURCE, env=dict(worklet.env))
        self._by_job[job.id] = (worklet.id, "build")
        worklet.build_job = job.id
        worklet.status = WorkletStatus.BUILDING
        await self._changed(worklet)

    async def _submit_run(self, worklet: Worklet, plan: RunPlan) -> None:
        try:
            worklet.port = free_port(worklet.port)
            env = {
                **worklet.env,
                plan.port_env: str(worklet.port),
                "HOST": LOOPBACK,
                "AIO_WORKLET_ID": str(worklet.id),
            }
            kv_url = getattr(self.kv, "url", None)  # None until its listener listens
            if kv_url is not None:
                token = await self.kv_call("issue_token", worklet.id)
                env.update(AIO_KV_URL=str(kv_url), AIO_KV_TOKEN=token)
        except Exception as exc:
            await self._fail(worklet, f"could not start: {exc}")
            return
        spec = self._spec(worklet, f"wl-{worklet.name}", (plan.run,), plan)
        job = await self.jobs.submit(spec, worklet.clone, SOURCE, env=env, limited=False)
        self._by_job[job.id] = (worklet.id, "run")
        worklet.run_job = job.id
        worklet.status = WorkletStatus.STARTING
        await self._changed(worklet)

    async def _fail(self, worklet: Worklet, reason: str) -> None:
        worklet.status = WorkletStatus.ERROR
        worklet.error = reason
        await self._changed(worklet)

    # Following the jobs

    async def _job_changed(self, job: dict) -> None:
        entry = self._by_job.get(job["id"])
        worklet = self.worklets.get(entry[0]) if entry else None
        if worklet is None:
            self._by_job.pop(job["id"], None)
            return
        kind = entry[1]
        if job["status"] == "running" and kind == "run" and worklet.id not in self._probes:
            probe = self._tasks.spawn(self._probe(worklet, job["id"]))  # a failure is logged
            self._probes[worklet.id] = probe
            probe.add_done_callback(lambda _: self._probes.pop(worklet.id, None))
        if job["status"] in ("queued", "running"):
            return
        self._by_job.pop(job["id"], None)
        if kind == "build" and job["status"] == "done":
            await self._submit_run(worklet, self._plans[worklet.id])
            return
        probe = self._probes.get(worklet.id)
        if probe is not None:
            probe.cancel()
        if worklet.status != WorkletStatus.ERROR:  # else the probe said why already
            await self._fail(worklet, self._ended_reason(worklet, job, kind))

    def _last_line(self, job_id: int) -> str | None:
        output = self.jobs.outputs.get(job_id)
        return last_output_line(output.tail()) if output is not None else None

    def _ended_reason(self, worklet: Worklet, job: dict, kind: str) -> str:
        line = self._last_line(job["id"])
        told = f": {line}" if line else ""
        if job.get("error"):
            return f"its {kind} job {job['id']} did not start: {job['error']}"
        code = job.get("exit_code")
        said = f" (exit {code})" if code is not None else ""
        if kind == "build":
            failed = [s for s in job.get("steps", []) if s.get("status") == "failed"]
            step = f" at `{failed[0]['desc']}`" if failed else ""
            return f"the build failed{step}{said}{told}; see aio wl logs {worklet.id} --build"
        was = (
            "after it answered" if worklet.status == WorkletStatus.RUNNING else "before it answered"
        )
        return f"the server exited {was}{said}{told}"

    async def _probe(self, worklet: Worklet, job_id: int) -> None:
        """Wait for the server's port to answer, with backoff, until worklet_start_timeout."""
        plan = self._plans[worklet.id]
        loop = asyncio.get_running_loop()
        timeout = self.config.worklet_start_timeout
        deadline = loop.time() + timeout
        pause = FIRST_PAUSE
        while not await answers(worklet.port, plan.health):
            remaining = deadline - loop.time()
            if remaining <= 0:
                line = self._last_line(job_id)
                what = f"GET {plan.health} did not answer 2xx" if plan.health else "did not answer"
                await self._kill_failing(
                    worklet, job_id,
                    f"{LOOPBACK}:{worklet.port} {what} within {timeout} s "
                    f"(worklet_start_timeout){f'; its last line: {line}' if line else ''}",
                )  # fmt: skip
                return
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 1.5, LAST_PAUSE)
        exposed = await asyncio.to_thread(exposed_addresses, worklet.port)
        if exposed:
            await self._kill_failing(
                worklet, job_id,
                f"it listens on {exposed[0]} port {worklet.port}, not only on loopback; a "
                f"worklet must bind {LOOPBACK} (aio gives it HOST={LOOPBACK})",
            )  # fmt: skip
            return
        worklet.status = WorkletStatus.RUNNING
        await self._changed(worklet)

    async def _kill_failing(self, worklet: Worklet, job_id: int, reason: str) -> None:
        await self._fail(worklet, reason)
        job = self.jobs.jobs.get(job_id)
        if job is not None and not job.status.finished:
            self.jobs.kill(job)

    # Stopping

    async def _halt(self, worklet: Worklet) -> None:
        """Kill the worklet's jobs that have not ended and wait for their end; their ends are
        then not read as failures. Its KV token is revoked (a new one comes with each start)."""
        probe = self._probes.pop(worklet.id, None)
        if probe is not None:
            probe.cancel()
        for number in (worklet.build_job, worklet.run_job):
            job = self.jobs.jobs.get(number) if number is not None else None
            self._by_job.pop(number, None)
            if job is None or job.status.finished:
                continue
            execution = self.jobs.executions.get(job.id)
            self.jobs.kill(job)
            if execution is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(execution.finished.wait(), KILL_GRACE_SECONDS + 5)
        try:
            await self.kv_call("revoke", worklet.id)
        except Exception as exc:  # the KV store may be down; the token is replaced at start
            log.warning("worklet %s: its KV token could not be revoked: %s", worklet.id, exc)
