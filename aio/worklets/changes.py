"""Changing a worklet's code: `pull` (fetch, fast-forward, rebuild), `prompt` (a headless
Claude session in its clone; the worklet restarts, rebuilt, when the session ends), and `pr`
(its changes committed to a new branch pushed to its remote). A mixin of WorkletService."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aio.worklets import git_ops
from aio.worklets.model import Worklet, WorkletError, WorkletStatus

log = logging.getLogger("aio.worklets.changes")
MAX_TITLE_CHARS = 200


class WorkletChanges:
    """`pull`, `prompt` and `pr`, and what the prompt's Claude session does to its worklet."""

    async def pull(self, ref: str) -> Worklet:
        """Fast-forward the clone to its remote branch, then rebuild and restart it (a pull
        that cannot fast-forward changes nothing)."""
        worklet = self.get(ref)
        async with self._lock(worklet.id):
            if worklet.status == WorkletStatus.CREATING:
                raise WorkletError(f"worklet {worklet.id} is being cloned", 409)
            commit = await asyncio.to_thread(git_ops.pull, Path(worklet.clone), worklet.branch)
            worklet.commit = commit
            await self._halt(worklet)
            await self._begin(worklet, build=True)
        return worklet

    async def prompt(self, ref: str, text: str):
        """Start a headless Claude session with `text` in the worklet's clone; once its turn
        is answered the session is ended, and the worklet restarts (rebuilt). Returns the
        session."""
        worklet = self.get(ref)
        if not text.strip():
            raise WorkletError("field 'text': expected the prompt")
        if worklet.session is not None:
            raise WorkletError(
                f"worklet {worklet.id}: claude session {worklet.session} is still at work", 409
            )
        session = await self.claude.new(worklet.clone, prompt=text, headless=True)
        self._prompts[session.id] = worklet.id
        worklet.session = session.id
        await self._changed(worklet)
        return session

    async def _session_event(self, event: dict) -> None:
        if event["type"] == "claude_transcript":
            number = event["id"]
            if number in self._prompts and event["entry"].get("kind") == "result":
                session = self.claude.sessions.get(number)
                if session is not None and session.job is not None:
                    await self.claude.stop_session(str(number))  # its one turn is answered
            return
        session = event["session"]
        worklet = self.worklets.get(self._prompts.get(session["id"], 0))
        if worklet is None or session["status"] not in ("ended", "failed"):
            return
        del self._prompts[session["id"]]
        worklet.session = None
        await self._changed(worklet)
        if session["status"] == "failed":
            log.info("worklet %s: its claude session failed: %s", worklet.id, session["error"])
        async with self._lock(worklet.id):
            if worklet.id in self.worklets and worklet.status != WorkletStatus.CREATING:
                await self._halt(worklet)
                await self._begin(worklet, build=True)

    async def propose(self, ref: str, title: str | None) -> dict:
        """Commit the clone's changes to a new branch, push it, open a PR where `gh` is."""
        worklet = self.get(ref)
        title = (title or f"Changes to worklet {worklet.name}").strip()
        if not title or len(title) > MAX_TITLE_CHARS or not title.isprintable():
            raise WorkletError(f"--title: expected one line of at most {MAX_TITLE_CHARS} chars")
        async with self._lock(worklet.id):
            proposed = await asyncio.to_thread(
                git_ops.propose, Path(worklet.clone), worklet.name, title, worklet.branch
            )
            worklet.commit = await asyncio.to_thread(git_ops.head_commit, Path(worklet.clone))
            await self._changed(worklet)
        return {"branch": proposed.branch, "pr": proposed.pr, "pr_error": proposed.pr_error}
