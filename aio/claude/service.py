"""Claude Code sessions that are jobs: start, stop and resume them, and keep their status from
the hooks the sessions fire (never from their screens).

An interactive session is a job of one step that runs the real `claude` TUI in the job's PTY,
with a session id aio chose (`--session-id`) and aio's hooks given by `--settings` (a file aio
writes in the session's folder, `$AIO_HOME/claude/<N>/`; the user's own settings are never
touched). Each hook runs `aio hook`, which posts to `POST /claude/hooks`; the job's end is read
from the core's event bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from aio.claude import records
from aio.claude.cli_path import find_claude_cli, missing_cli_message
from aio.claude.disk_index import ClaudeSessionIndex, has_session_file
from aio.claude.follow_ups import SessionFollowUps
from aio.claude.headless import HEADLESS_ARGS, HeadlessSessions
from aio.claude.hook_entry import SESSION_ENV
from aio.claude.limits import SessionLimits
from aio.claude.model import ClaudeError, ClaudeMode, ClaudeSession, ClaudeStatus
from aio.claude.process import (
    claude_dir,
    early_exit_reason,
    git_branch,
    last_output_line,
    title_of,
    write_settings,
)
from aio.claude.session_upkeep import SessionUpkeep
from aio.claude.worktree import check_repo_base, remove_session_worktree
from aio.core.desktop import desktop_notify
from aio.core.errors import is_number
from aio.core.events import EventBus
from aio.core.store import Store
from aio.jobs.follow import JobFollower
from aio.jobs.manager import JobManager
from aio.jobs.tasks import StepSpec, TaskSpec

log = logging.getLogger("aio.claude.service")
CLI_ENV = "AIO_CLAUDE_CLI"  # the claude CLI to run, instead of the one found
WORKING_HOOKS = ("UserPromptSubmit", "PreToolUse", "PostToolUse")
DIRTY_HOOKS = ("Stop", "PostToolUse")  # after these, a worktree's changes are looked at again


class ClaudeService(SessionUpkeep, SessionFollowUps):
    """Owns aio's Claude sessions; the only place their records change."""

    def __init__(
        self,
        home: Path,
        jobs: JobManager,
        store: Store,
        events: EventBus,
        clock: Callable[[], float] = time.time,
        configured_cli: str | None = None,
        notify: Callable[[str, str], None] = desktop_notify,
    ) -> None:
        self.home = home
        self.jobs = jobs
        self.store = store
        self.events = events
        self.clock = clock
        self.notify = notify  # the desktop's notification when a session turns waiting
        self.configured_cli = configured_cli or os.environ.get(CLI_ENV) or None
        self.sessions: dict[int, ClaudeSession] = {}
        self._by_job: dict[int, int] = {}  # job number -> aio session number, while it runs
        self._stopping: set[int] = set()  # sessions `stop` was asked for
        self._follower = JobFollower("claude", events, jobs, self._by_job, self._job_changed)
        # Every session on disk, also those started outside aio: built at its first use (it
        # loads claude-agent-sdk, a second of start-up most cores never need), then kept
        # current from file changes.
        self.disk = ClaudeSessionIndex()
        self._disk_build: asyncio.Task | None = None
        self.headless = HeadlessSessions(
            lambda number: claude_dir(home) / str(number), self._transcript_entry, self._turn_done
        )
        self._writes: set[asyncio.Task] = set()  # record writes started outside a request
        self.limits = SessionLimits(
            jobs.config.claude_idle_timeout, jobs.config.claude_max_sessions, self._stop_idle
        )
        self._dirty_checks: dict[int, asyncio.Task] = {}
        self._dirty_again: set[int] = set()

    # Life cycle

    async def start(self) -> None:
        """Load the records (after the jobs): a session whose job is gone, or ended while no
        core followed it (the core stopped), is ended, saying so."""
        for session in await records.load_sessions(self.store.db):
            self.sessions[session.id] = session
            job = self.jobs.jobs.get(session.job) if session.job is not None else None
            if job is not None and not job.status.finished:
                self._by_job[session.job] = session.id
                self.limits.hold(session.id)
                self.limits.changed(session)
            elif not session.status.finished:
                queued = session.status == ClaudeStatus.QUEUED and session.job is None
                session.status = ClaudeStatus.ENDED
                session.job = None
                session.error = (
                    "the core stopped while it waited for a slot; it never ran (r starts it)"
                    if queued
                    else "the core stopped while this session ran"
                )
                await self._changed(session)
        self._follower.start()
        await self._follower.catch_up()

    async def disk_sessions(self) -> ClaudeSessionIndex:
        """The index of sessions on disk, built at the first call (later calls wait for that
        build, then answer from memory)."""
        if self._disk_build is None:
            self._disk_build = asyncio.create_task(self.disk.start())
        try:
            await asyncio.shield(self._disk_build)
        except Exception as exc:  # an unreadable Claude folder costs the listing, not the core
            log.exception("the index of Claude sessions on disk could not be built")
            raise ClaudeError(f"the Claude sessions on disk cannot be listed: {exc}", 503) from None
        return self.disk

    async def stop(self) -> None:
        """Stop following the jobs (their records are settled again at the next start)."""
        if self._disk_build is not None:
            self._disk_build.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._disk_build
        await self.disk.stop()
        await self.headless.close_all()
        self.limits.close()
        for check in self._dirty_checks.values():
            check.cancel()
        await self._follower.stop()

    async def _job_changed(self, job: dict) -> None:
        number = self._by_job.get(job["id"])
        session = self.sessions.get(number) if number is not None else None
        if session is None:
            return
        if job["status"] == "running" and session.status == ClaudeStatus.QUEUED:
            session.status = ClaudeStatus.STARTING
            await self._changed(session)
        elif job["status"] not in ("queued", "running"):
            self._by_job.pop(job["id"], None)
            stopped = session.id in self._stopping
            self._stopping.discard(session.id)
            self.headless.finish(session.id, job["id"])
            started = session.status not in (ClaudeStatus.QUEUED, ClaudeStatus.STARTING)
            session.job = None
            if started or stopped:
                session.status = ClaudeStatus.ENDED
            else:
                session.status = ClaudeStatus.FAILED
                session.error = early_exit_reason(job, self._last_line(job["id"]))
            await self._changed(session)

    def _last_line(self, job_id: int) -> str | None:
        output = self.jobs.outputs.get(job_id)
        return last_output_line(output.ring.tail()) if output is not None else None

    async def _changed(self, session: ClaudeSession) -> None:
        session.updated_at = self.clock()
        await records.update_session(self.store.db, session)
        self.limits.changed(session)
        self.events.publish({"type": "claude_session", "session": session.to_dict()})

    # Queries

    def list(self) -> list[ClaudeSession]:
        return [self.sessions[n] for n in sorted(self.sessions)]

    async def list_all(self) -> list[dict]:
        """aio's sessions, then every other session on disk (`source: external`, no aio
        number), newest first; each Claude session once."""
        disk = await self.disk_sessions()
        ours = [s.to_dict() for s in self.list()]
        known = {s["session_id"] for s in ours}
        external = [
            {
                "id": None,
                "session_id": entry["session_id"],
                "status": str(ClaudeStatus.ENDED),
                "mode": None,
                "cwd": entry["cwd"],
                "branch": entry["branch"],
                "title": entry["title"],
                "model": None,
                "job": None,
                "error": None,
                "created_at": None,
                "updated_at": entry["updated_at"],
                "size": entry["size"],
                "source": "external",
            }
            for entry in disk.sessions()
            if entry["session_id"] not in known
        ]
        return ours + external

    async def adopt(self, session_id: str) -> ClaudeSession:
        """An aio record (a new number) for a session on disk that aio did not start."""
        entry = (await self.disk_sessions()).get(session_id)
        if entry is None:
            raise ClaudeError(f"no claude session with id '{session_id[:100]}'", 404)
        if not entry["cwd"]:
            raise ClaudeError(f"claude session {session_id}: its file names no folder", 409)
        now = self.clock()
        session = ClaudeSession(
            id=0,
            session_id=entry["session_id"],
            status=ClaudeStatus.ENDED,
            mode=ClaudeMode.INTERACTIVE,
            cwd=entry["cwd"],
            created_at=now,
            updated_at=now,
            branch=entry["branch"],
            title=entry["title"],
        )
        session.id = await records.insert_session(self.store.db, session)
        self.sessions[session.id] = session
        return session

    def resolve(self, ref: str) -> ClaudeSession:
        """A session by aio number, or by Claude's session id (its current one)."""
        ref = ref.strip()
        if is_number(ref) and len(ref) < 19:
            session = self.sessions.get(int(ref))
            if session is None:
                raise ClaudeError(f"no claude session {ref}", 404)
            return session
        for session in self.sessions.values():
            if session.session_id == ref:
                return session
        raise ClaudeError(f"no claude session with id '{ref[:100]}'", 404)

    # Control

    async def new(
        self,
        cwd: str,
        model: str | None = None,
        prompt: str | None = None,
        worktree: bool = False,
        base: str | None = None,
        headless: bool = False,
    ):
        """Start an interactive session in `cwd` as a new job (with `worktree`, in a new git
        worktree of the repository holding `cwd`, branched from `base`); return its record."""
        if not os.path.isabs(cwd) or not os.path.isdir(cwd):
            raise ClaudeError(f"field 'cwd': {cwd[:200]} is not a folder")
        cli = self._cli()
        checked = await asyncio.to_thread(check_repo_base, cwd, base) if worktree else None
        now = self.clock()
        session = ClaudeSession(
            id=0,
            session_id=str(uuid.uuid4()),
            status=ClaudeStatus.QUEUED,
            mode=ClaudeMode.HEADLESS if headless else ClaudeMode.INTERACTIVE,
            cwd=cwd,
            created_at=now,
            updated_at=now,
            branch=await asyncio.to_thread(git_branch, cwd),
            title=title_of(prompt),
            model=model,
        )
        session.id = await records.insert_session(self.store.db, session)
        self.sessions[session.id] = session
        if checked is not None:
            folder = claude_dir(self.home) / str(session.id)
            await self._make_worktree(session, checked, prompt, folder)
        args = ["--session-id", session.session_id]
        if prompt and headless:
            self.headless.pending[session.id] = prompt  # written to its stdin once it runs
        elif prompt:
            args += ["--", prompt]
        await self._launch_or_fail(session, cli, args)
        return session

    async def _launch_or_fail(self, session: ClaudeSession, cli: Path, args: list[str]) -> None:
        """Launch; a launch that raises leaves the session `failed` with why, then re-raises."""
        try:
            await self._launch(session, cli, args)
        except Exception as exc:
            session.status = ClaudeStatus.FAILED
            session.error = str(exc)
            await self._changed(session)
            raise

    async def resume(self, ref: str) -> ClaudeSession:
        """Continue a session that is not running, in a new job, under the same aio number;
        a session on disk that aio did not start gets a number first (in its own cwd)."""
        try:
            session = self.resolve(ref)
        except ClaudeError:
            if is_number(ref.strip()):
                raise
            self._cli()  # a missing CLI is refused before a record is made
            session = await self.adopt(ref.strip())
        if session.job is not None:
            raise ClaudeError(
                f"claude session {session.id} is already running (job {session.job})", 409
            )
        if self.limits.is_queued(session.id):
            raise ClaudeError(f"claude session {session.id} is already queued", 409)
        if not os.path.isdir(session.cwd):
            raise ClaudeError(f"claude session {session.id}: its folder {session.cwd} is gone", 409)
        cli = self._cli()
        ran = await asyncio.to_thread(has_session_file, session.session_id)
        session.status = ClaudeStatus.QUEUED
        session.error = None
        # One that never ran (it was queued, or failed at once) starts afresh, under its id.
        args = ["--resume" if ran else "--session-id", session.session_id]
        await self._launch(session, cli, args)
        return session

    async def stop_session(self, ref: str) -> ClaudeSession:
        """Kill a session's job; the record is kept, and can be resumed."""
        session = self.resolve(ref)
        if self.limits.unqueue(session.id):
            session.status = ClaudeStatus.ENDED
            session.error = "stopped while queued"
            await self._changed(session)
            return session
        job = self.jobs.jobs.get(session.job) if session.job is not None else None
        if job is None or job.status.finished:
            raise ClaudeError(f"claude session {session.id} is not running ({session.status})", 409)
        self._stopping.add(session.id)
        self.jobs.kill(job)
        return session

    def _cli(self) -> Path:
        cli = find_claude_cli(self.configured_cli)
        if cli is None:
            raise ClaudeError(missing_cli_message(self.configured_cli), 409)
        return cli

    async def _launch(self, session: ClaudeSession, cli: Path, args: list[str]) -> None:
        if not self.limits.claim(session.id):
            await self._wait_for_slot(session, cli, args)
            return
        settings = await asyncio.to_thread(write_settings, self.home, session.id)
        argv = [str(cli), "--settings", str(settings)]
        if session.model:
            argv += ["--model", session.model]
        cmd = (
            f"cd -- {shlex.quote(session.cwd)} && exec env {SESSION_ENV}={session.id} "
            f"{shlex.join(argv + args)}"
        )
        run = self.headless.prepare(session.id) if session.mode == ClaudeMode.HEADLESS else None
        if run is not None:
            cmd += f" {shlex.join(HEADLESS_ARGS)} < {shlex.quote(str(run.fifo))}"
        spec = TaskSpec(
            name=f"claude-{session.id}",
            steps=(StepSpec(desc=f"claude session {session.id}", cmd=cmd),),
        )
        # Outside `workers`: sessions have their own limit (claude_max_sessions, above).
        job = await self.jobs.submit(
            spec,
            caller_cwd=session.cwd,
            source="aio claude",
            input_closed=run is not None,
            limited=False,
        )
        if run is not None:
            await self.headless.follow(run, job.id, self.jobs.outputs[job.id])
        session.job = job.id
        self._by_job[job.id] = session.id
        await self._changed(session)

    # Removal

    async def remove(self, ref: str, keep_worktree: bool = False) -> ClaudeSession:
        """Forget a session that is not running: its record and folder, and its worktree
        unless `keep_worktree` (its branch is always kept)."""
        session = self.resolve(ref)
        if session.job is not None or self.limits.is_queued(session.id):
            raise ClaudeError(
                f"claude session {session.id} is {session.status}: stop it first", 409
            )
        folder = claude_dir(self.home) / str(session.id)
        if session.worktree and not keep_worktree:
            await asyncio.to_thread(
                remove_session_worktree, Path(session.repo), Path(session.worktree)
            )
        await records.delete_session(self.store.db, session.id)
        del self.sessions[session.id]
        if session.worktree and keep_worktree:
            (folder / "settings.json").unlink(missing_ok=True)
        else:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        self.events.publish({"type": "claude_session_removed", "id": session.id})
        return session

    # Hooks

    async def hook(self, number: int, event: str, fields: dict[str, str | None]) -> None:
        """Apply one hook a session fired to its status."""
        session = self.sessions.get(number)
        if session is None:
            raise ClaudeError(f"no claude session {number}", 404)
        if session.job is None:
            return  # a straggler from a process that has ended
        claude_id = fields.get("session_id")
        if event == "SessionStart":
            if claude_id:
                session.session_id = claude_id  # /clear moves the session to a new id
            status = ClaudeStatus.IDLE
        elif claude_id and claude_id != session.session_id:
            return  # from the id a /clear left behind
        elif event in WORKING_HOOKS:
            status = ClaudeStatus.WORKING
        elif event == "PermissionRequest":
            status = ClaudeStatus.WAITING
        elif event == "Notification":
            kind = fields.get("notification_type") or ""
            if kind == "permission_prompt" or kind.startswith("elicitation"):
                status = ClaudeStatus.WAITING
            elif kind == "idle_prompt":
                status = ClaudeStatus.IDLE
            else:
                return
        elif event == "Stop":
            status = ClaudeStatus.IDLE
        elif event == "SessionEnd":
            if fields.get("reason") == "clear":
                return  # a SessionStart under the new id follows at once
            if session.status in (ClaudeStatus.QUEUED, ClaudeStatus.STARTING):
                return  # it never started (e.g. nothing to resume): the job's end says how
            status = ClaudeStatus.ENDED
        else:
            raise ClaudeError(f"unknown hook event '{event[:60]}'")
        if status == ClaudeStatus.WAITING and session.status != ClaudeStatus.WAITING:
            about = session.title or session.cwd
            self.notify(f"aio: claude session {session.id} needs you", about)
        session.status = status
        await self._changed(session)
        if event in DIRTY_HOOKS:
            self._check_dirty_soon(session)
