"""The records of the domains the core's snapshot does not carry (Claude sessions, worklets):
a mixin of the dashboard's App that loads them once per connect and keeps them current from
core events, then hands each change on to the screens (`core_signal`)."""

from __future__ import annotations

from textual import work

from aio.screens import messages


def _merge(known: dict[int, dict], records: list[dict]) -> None:
    """Take a fresh list into `known`; a record an event brought while the list was on its
    way is newer, and kept."""
    for record in records:
        before = known.get(record["id"])
        if before is None or before["updated_at"] <= record["updated_at"]:
            known[record["id"]] = record


class DomainRecords:
    """`claude_sessions` and `worklets` by number (the App sets both up, empty)."""

    claude_sessions: dict[int, dict]
    worklets: dict[int, dict]

    @work(exclusive=True, group="claude-sessions")
    async def load_claude_sessions(self) -> None:
        """aio's Claude sessions, once per connect."""
        answer = await self.ask_core("GET", "/claude/sessions", title="claude")
        if answer is not None:
            self.post_message(messages.ClaudeSessionsLoaded(answer["sessions"]))

    @work(exclusive=True, group="worklets")
    async def load_worklets(self) -> None:
        """The worklets, once per connect."""
        answer = await self.ask_core("GET", "/worklets", title="worklets")
        if answer is not None:
            self.post_message(messages.WorkletsLoaded(answer["worklets"]))

    # Textual finds these handlers by name (a mixin's @on handlers would not be registered).

    def on_claude_sessions_loaded(self, message: messages.ClaudeSessionsLoaded) -> None:
        _merge(self.claude_sessions, message.sessions)
        self.core_signal.publish(message)

    def on_claude_session_changed(self, message: messages.ClaudeSessionChanged) -> None:
        session = message.session
        before = self.claude_sessions.get(session["id"])
        self.claude_sessions[session["id"]] = session
        if session["status"] == "waiting" and (before is None or before["status"] != "waiting"):
            self.bell()
            name = session.get("title") or session["cwd"]
            self.notify(
                f"claude session {session['id']} ({name}) is waiting for you",
                title="claude",
                severity="warning",
                timeout=15,
            )
        self.core_signal.publish(message)

    def on_claude_session_removed(self, message: messages.ClaudeSessionRemoved) -> None:
        self.claude_sessions.pop(message.number, None)
        self.core_signal.publish(message)

    def on_worklets_loaded(self, message: messages.WorkletsLoaded) -> None:
        _merge(self.worklets, message.worklets)
        self.core_signal.publish(message)

    def on_worklet_changed(self, message: messages.WorkletChanged) -> None:
        self.worklets[message.worklet["id"]] = message.worklet
        self.core_signal.publish(message)

    def on_worklet_removed(self, message: messages.WorkletRemoved) -> None:
        self.worklets.pop(message.number, None)
        self.core_signal.publish(message)
