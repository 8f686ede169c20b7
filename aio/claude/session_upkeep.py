"""What ClaudeService does beyond starting and following sessions: the idle timeout and the
queue for a slot (the rules are in aio.claude.limits), and the worktrees of sessions started
with `--worktree` (aio.claude.worktree), whose uncommitted changes are looked at again after a
session's Stop and PostToolUse hooks, so that listing sessions never runs git.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from aio.claude import records
from aio.claude.limits import idle_reason
from aio.claude.model import ClaudeSession, ClaudeStatus
from aio.claude.worktree import RepoBase, add_session_worktree, is_dirty, slug_of


class SessionUpkeep:
    """A mixin of ClaudeService (it uses the service's sessions, jobs, store and limits)."""

    def queue_note(self, session: ClaudeSession) -> str | None:
        """Why a session waits, while it waits for a slot (else None)."""
        return self.limits.queued_note() if self.limits.is_queued(session.id) else None

    async def _wait_for_slot(self, session: ClaudeSession, cli: Path, args: list[str]) -> None:
        async def start() -> None:
            await self._launch_or_fail(session, cli, args)

        session.status = ClaudeStatus.QUEUED
        session.job = None
        self.limits.wait(session.id, start)
        await self._changed(session)

    def _stop_idle(self, number: int) -> None:
        """The idle timer of session `number` ran out: kill its job, saying why."""
        session = self.sessions.get(number)
        if session is None or session.job is None or session.status != ClaudeStatus.IDLE:
            return
        job = self.jobs.jobs.get(session.job)
        if job is None or job.status.finished:
            return
        session.error = idle_reason(self.limits.idle_timeout)
        self._stopping.add(number)
        self.jobs.kill(job)

    async def _make_worktree(
        self, session: ClaudeSession, checked: RepoBase, prompt: str | None, folder: Path
    ) -> None:
        """Give a new session its worktree (in `folder`) and branch, or forget it: its record
        and its folder."""
        target = folder / "worktree"
        slug = slug_of(prompt, session.session_id[:8])
        try:
            branch = await asyncio.to_thread(add_session_worktree, checked, slug, target)
        except Exception:
            await records.delete_session(self.store.db, session.id)
            self.sessions.pop(session.id, None)
            await asyncio.to_thread(shutil.rmtree, folder, True)
            raise
        session.cwd = session.worktree = str(target)
        session.repo = str(checked.repo)
        session.branch = branch
        session.dirty = False
        await records.update_session(self.store.db, session)

    def _check_dirty_soon(self, session: ClaudeSession) -> None:
        """Look at a worktree's uncommitted changes again, off the hook's answer (once more
        after a look under way, which may have started before the change)."""
        if session.worktree is None:
            return
        if session.id in self._dirty_checks:
            self._dirty_again.add(session.id)
            return
        task = asyncio.create_task(self._check_dirty(session))
        self._dirty_checks[session.id] = task
        task.add_done_callback(lambda _: self._dirty_checks.pop(session.id, None))

    async def _check_dirty(self, session: ClaudeSession) -> None:
        while True:
            self._dirty_again.discard(session.id)
            dirty = await asyncio.to_thread(is_dirty, session.worktree)
            if dirty is not None and dirty != session.dirty and session.id in self.sessions:
                session.dirty = dirty
                await self._changed(session)
            if session.id not in self._dirty_again:
                return
