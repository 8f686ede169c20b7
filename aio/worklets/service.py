"""The core's worklets: added from a git repository, built and run as jobs, followed from the
event bus; the only place their records change.

A worklet's folder is `$AIO_HOME/worklets/<N>-<slug>/`: its clone in `repo/`, its venv (a
Python plan) in `venv/`, its HOME under the sandbox in `home/`. Its build is a job counted in
`workers` like any task; its server is a job outside that limit (a service, like the dashboard
would expect of a worklet it shows as running). How they run is in aio.worklets.runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from aio.claude.service import ClaudeService
from aio.config.settings import Config
from aio.core.errors import is_number
from aio.core.events import EventBus
from aio.core.store import Store
from aio.jobs.follow import BackgroundTasks, JobFollower
from aio.jobs.manager import JobManager, folder_slug
from aio.worklets import git_ops, records
from aio.worklets.changes import WorkletChanges
from aio.worklets.model import Worklet, WorkletError, WorkletStatus, check_env, check_name
from aio.worklets.plan import RunPlan, read_plan
from aio.worklets.runs import WorkletRuns

log = logging.getLogger("aio.worklets.service")


def worklets_dir(home: Path) -> Path:
    """The folder of every worklet's folder."""
    return home / "worklets"


def default_name(repo: str) -> str:
    """A name from the repository's last path part (`git@h:me/shop.git` -> `shop`)."""
    last = re.split(r"[/:\\]", repo.rstrip("/"))[-1].removesuffix(".git").lower()
    name = re.sub(r"[^a-z0-9_.-]+", "-", last).strip("-._")[:30]
    return name if name and not name.isdigit() else "worklet"


class WorkletService(WorkletRuns, WorkletChanges):
    """Owns the worklets of this core: their records, their jobs and their ports."""

    def __init__(
        self,
        home: Path,
        config: Config,
        jobs: JobManager,
        store: Store,
        events: EventBus,
        claude: ClaudeService,
        kv: object | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.config = config
        self.jobs = jobs
        self.store = store
        self.events = events
        self.claude = claude
        self.kv = kv  # the KV service: issue_token, revoke, drop_data, url (None: no KV)
        self.clock = clock
        self.worklets: dict[int, Worklet] = {}
        self._plans: dict[int, RunPlan] = {}
        self._by_job: dict[int, tuple[int, str]] = {}  # job -> (worklet, "build" or "run")
        self._probes: dict[int, asyncio.Task] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._adding: set[str] = set()  # names of worklets being cloned
        self._prompts: dict[int, int] = {}  # Claude session -> worklet
        self._settle = asyncio.Condition()
        self._follower = JobFollower(
            "worklets",
            events,
            jobs,
            self._by_job,
            self._job_changed,
            self._session_event,
            kinds=("claude_session", "claude_transcript"),
        )
        self._tasks = BackgroundTasks("worklets")

    # Life cycle

    async def start(self) -> None:
        """Load the records (after the jobs and Claude sessions). A worklet that was building
        or running when the core stopped is started again; one that was being cloned is
        removed (its `aio wl add` never got an answer)."""
        self._follower.start()
        for worklet in await records.load_worklets(self.store.db):
            self.worklets[worklet.id] = worklet
            for number in (worklet.build_job, worklet.run_job):
                job = self.jobs.jobs.get(number) if number is not None else None
                if job is not None and not job.status.finished:
                    self.jobs.kill(job)  # queued again by the restart, without its environment
            if worklet.session is not None:
                session = self.claude.sessions.get(worklet.session)
                if session is None or session.status.finished:
                    worklet.session = None
                else:
                    self._prompts[session.id] = worklet.id
            if worklet.status == WorkletStatus.CREATING:
                await self._forget(worklet)
            elif not worklet.status.settled or worklet.status == WorkletStatus.RUNNING:
                build = worklet.status == WorkletStatus.BUILDING
                # Never `running` without a server: its old one died with the last core.
                worklet.status = WorkletStatus.BUILDING if build else WorkletStatus.STARTING
                await self._changed(worklet)
                self._spawn(self._begin_again(worklet, build))

    async def _begin_again(self, worklet: Worklet, build: bool) -> None:
        async with self._lock(worklet.id):
            await self._begin(worklet, build)

    async def stop(self) -> None:
        """Stop following (the jobs are killed by the job manager; the records say what ran,
        so the next core starts those worklets again)."""
        self._tasks.cancel_all()  # the port probes too
        await self._follower.stop()

    def _spawn(self, coro) -> None:
        self._tasks.spawn(coro)

    async def _changed(self, worklet: Worklet) -> None:
        worklet.updated_at = self.clock()
        if worklet.id in self.worklets:
            await records.update_worklet(self.store.db, worklet)
            self.events.publish({"type": "worklet", "worklet": worklet.to_dict()})
        async with self._settle:
            self._settle.notify_all()

    def _lock(self, number: int) -> asyncio.Lock:
        return self._locks.setdefault(number, asyncio.Lock())

    async def kv_call(self, name: str, *args):
        """Await the KV service's `name`; None without a KV service."""
        if self.kv is None:
            return None
        return await getattr(self.kv, name)(*args)

    # Queries

    def list(self) -> list[Worklet]:
        return [self.worklets[n] for n in sorted(self.worklets)]

    def get(self, ref: str) -> Worklet:
        """A worklet by number or by name; a RequestError 404 when there is none."""
        ref = ref.strip()
        if is_number(ref) and len(ref) < 19:
            worklet = self.worklets.get(int(ref))
            if worklet is None:
                raise WorkletError(f"no worklet {ref}", 404)
            return worklet
        for worklet in self.worklets.values():
            if worklet.name == ref:
                return worklet
        raise WorkletError(f"no worklet named '{ref[:100]}'", 404)

    def resolve(self, ref: str) -> int:
        """The number of the worklet `ref` names (a number or a name), for the KV routes."""
        return self.get(ref).id

    async def wait_settled(self, worklet: Worklet, timeout: float) -> Worklet:
        """Wait (bounded) until the worklet is running, stopped or in error, or is removed."""
        async with self._settle:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._settle.wait_for(
                        lambda: worklet.status.settled or worklet.id not in self.worklets
                    ),
                    timeout,
                )
        return worklet

    # Adding and removing

    async def add(
        self,
        repo: str,
        branch: str | None = None,
        name: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Worklet:
        """Clone `repo` (a URL, or an absolute path to a local repository) into a new worklet
        and start building it. Bad input is a WorkletError, and leaves nothing behind."""
        env = check_env(env or {})
        if branch is not None and (not branch.strip() or branch.startswith("-")):
            raise WorkletError(f"--branch: '{branch[:100]}' is not a branch name")
        if not git_ops.is_url(repo):
            if not Path(repo).is_absolute():
                raise WorkletError(f"repo: '{repo[:200]}' is not a URL or an absolute path")
            await asyncio.to_thread(git_ops.check_local, Path(repo), branch)
        name = (
            self._free_name(check_name(name), True) if name else self._free_name(default_name(repo))
        )
        self._adding.add(name)
        try:
            return await self._clone_new(repo, branch, name, env)
        finally:
            self._adding.discard(name)

    def _free_name(self, name: str, exact: bool = False) -> str:
        taken = {w.name for w in self.worklets.values()} | self._adding
        if exact and name in taken:
            raise WorkletError(f"--name: a worklet named '{name}' exists already", 409)
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    async def _clone_new(self, repo: str, branch: str | None, name: str, env: dict) -> Worklet:
        now = self.clock()
        worklet = Worklet(0, name, repo, WorkletStatus.CREATING, "", now, now, branch, env)
        worklet.id = await records.insert_worklet(self.store.db, worklet)
        worklet.folder = str(worklets_dir(self.home) / f"{worklet.id}-{folder_slug(name)}")
        self.worklets[worklet.id] = worklet
        await self._changed(worklet)
        try:
            folder = Path(worklet.folder)
            await asyncio.to_thread(folder.mkdir, 0o700, True)
            cloned = await asyncio.to_thread(git_ops.clone, repo, branch, Path(worklet.clone))
            worklet.branch, worklet.commit = cloned.branch, cloned.commit
            self._plans[worklet.id] = await asyncio.to_thread(self._read_plan, worklet)
        except BaseException as exc:
            await self._forget(worklet)
            if isinstance(exc, OSError):
                raise WorkletError(f"cannot make {worklet.folder}: {exc.strerror}", 500) from None
            raise
        async with self._lock(worklet.id):
            await self._begin(worklet, build=True, plan=self._plans[worklet.id])
        return worklet

    def _read_plan(self, worklet: Worklet) -> RunPlan:
        image = f"aio-worklet-{worklet.id}"
        return read_plan(Path(worklet.clone), Path(worklet.folder), image, list(worklet.env))

    async def _forget(self, worklet: Worklet) -> None:
        """Drop a worklet's record and folder, and tell the clients."""
        if worklet.folder:
            await asyncio.to_thread(shutil.rmtree, worklet.folder, True)
        await records.delete_worklet(self.store.db, worklet.id)
        self.worklets.pop(worklet.id, None)
        self._plans.pop(worklet.id, None)
        self._locks.pop(worklet.id, None)
        self.events.publish({"type": "worklet_removed", "id": worklet.id})
        async with self._settle:
            self._settle.notify_all()

    async def remove(self, ref: str, data: bool = False) -> Worklet:
        """Stop a worklet, revoke its KV token, remove its folder and record, and with `data`
        its KV data (kept otherwise: a worklet added again gets a new number, not this one's)."""
        worklet = self.get(ref)
        async with self._lock(worklet.id):
            if worklet.status == WorkletStatus.CREATING:
                raise WorkletError(f"worklet {worklet.id} is being cloned; try again", 409)
            await self._halt(worklet)  # its token revoked too
            if worklet.session is not None:
                with contextlib.suppress(Exception):
                    await self.claude.stop_session(str(worklet.session))
            if data:
                try:
                    await self.kv_call("drop_data", worklet.id)
                except Exception as exc:
                    worklet.status = WorkletStatus.STOPPED
                    await self._changed(worklet)
                    raise WorkletError(
                        f"worklet {worklet.id}: its KV data could not be deleted ({exc}); "
                        "it is stopped, not removed",
                        503,
                    ) from None
            await self._forget(worklet)
        return worklet
