"""Follow-ups to a session and its transcript: a mixin of ClaudeService (it uses the
service's sessions, jobs, headless runs, disk index and event bus)."""

from __future__ import annotations

import asyncio

from aio.claude.headless import MAX_MESSAGE_BYTES, disk_transcript
from aio.claude.model import ClaudeError, ClaudeMode, ClaudeSession, ClaudeStatus
from aio.core.errors import is_number

TYPE_ENTER_DELAY = 0.2  # seconds between typed text and its Enter, in an interactive session


class SessionFollowUps:
    """`send` and `transcript`, and what the headless runs report back."""

    async def send(self, ref: str, text: str) -> dict | None:
        """Deliver a follow-up: one stream-json user line to a headless session (its
        transcript entry is returned), typed text and Enter to an interactive one (None)."""
        session = self.resolve(ref)
        if not text.strip():
            raise ClaudeError("field 'text': expected the message to send")
        if len(text.encode("utf-8", errors="replace")) > MAX_MESSAGE_BYTES:
            raise ClaudeError(f"field 'text': at most {MAX_MESSAGE_BYTES} bytes (UTF-8)")
        execution = self.jobs.executions.get(session.job) if session.job is not None else None
        if execution is None:
            raise ClaudeError(f"claude session {session.id} is not running ({session.status})", 409)
        if session.mode == ClaudeMode.HEADLESS:
            if session.id not in self.headless.runs:
                raise ClaudeError(f"claude session {session.id} is not running", 409)
            return await self.headless.send(session.id, text)
        execution.write(text.encode())
        await asyncio.sleep(TYPE_ENTER_DELAY)  # sent with the text, the TUI reads Enter as pasted
        execution.write(b"\r")
        return None

    async def transcript(self, ref: str) -> tuple[ClaudeSession | None, list[dict]]:
        """A session's transcript: aio's own for a headless session, else read from the
        session's file on disk (also for a session aio never ran)."""
        try:
            session = self.resolve(ref)
        except ClaudeError:
            if is_number(ref.strip()):
                raise
            entry = (await self.disk_sessions()).get(ref.strip())
            if entry is None:
                raise
            return None, await asyncio.to_thread(disk_transcript, entry["session_id"], entry["cwd"])
        if session.mode == ClaudeMode.HEADLESS or self.headless.has_transcript(session.id):
            return session, list(self.headless.transcript(session.id))
        return session, await asyncio.to_thread(disk_transcript, session.session_id, session.cwd)

    def _transcript_entry(self, number: int, index: int, entry: dict) -> None:
        event = {"type": "claude_transcript", "id": number, "index": index, "entry": entry}
        self.events.publish(event)

    def _turn_done(self, number: int, all_answered: bool) -> None:
        """A headless turn's result arrived: idle, unless more turns are waiting."""
        session = self.sessions.get(number)
        if session is not None and all_answered and session.status == ClaudeStatus.WORKING:
            session.status = ClaudeStatus.IDLE
            task = asyncio.create_task(self._changed(session))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)
