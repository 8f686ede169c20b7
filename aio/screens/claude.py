"""The Claude screen: aio's Claude Code sessions with live status, the selected session's
terminal, and keys to start, attach, resume and stop sessions."""

from __future__ import annotations

import os
from urllib.parse import quote

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from aio.screens import messages
from aio.screens.claude_forms import ConfirmScreen, NewSessionScreen
from aio.screens.job_preview import PreviewScreen
from aio.widgets.claude_table import ClaudeTable
from aio.widgets.command_bar import CommandBar
from aio.widgets.terminal import TerminalView

EMPTY = (
    "Claude Code sessions run here: each one is the real `claude` in a job, its status told by "
    "its hooks (waiting rings when it needs you).\nPress n to start a session, d to list every "
    "session on disk."
)

RELOADS = (messages.ClaudeSessionsLoaded, messages.CoreConnected, messages.CoreDisconnected)


def session_ref(session: dict) -> str:
    """How the core names a session: aio's number, else Claude's session id."""
    ref = str(session["id"]) if session.get("id") is not None else session["session_id"]
    return quote(ref, safe="")


class ClaudeScreen(PreviewScreen):
    """Claude sessions: select a row to watch its terminal live; keys act on the selection."""

    BINDINGS = [
        Binding("n", "new", "New", id="claude.new"),
        Binding("a", "attach", "Attach", id="claude.attach"),
        Binding("r", "resume", "Resume", id="claude.resume"),
        Binding("s", "stop", "Stop", id="claude.stop"),
        Binding("d", "toggle_all", "All on disk", id="claude.all"),
        Binding("colon", "command", "Command", id="claude.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self._preview_job: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="claude-body"):
            yield ClaudeTable(clock=self.app.clock, id="claude-table")
            yield Static(EMPTY, id="claude-empty")
            yield Static("", id="claude-note")
            yield TerminalView(id="preview")
        yield CommandBar(id="command-bar")
        yield Footer()

    @property
    def table(self) -> ClaudeTable:
        return self.query_one(ClaudeTable)

    @property
    def preview(self) -> TerminalView:
        return self.query_one(TerminalView)

    def on_mount(self) -> None:
        self.app.core_signal.subscribe(self, self._on_core_event)
        self._load_state()
        self.table.focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self.table.sessions and self.is_current:
            self.table.tick()

    # State from the app's one worker

    def _load_state(self) -> None:
        if not self.show_all:
            self.table.load(list(self.app.claude_sessions.values()))
        self.table.set_class(not self.app.connected, "-stale")
        self._show_selected()

    def _on_core_event(self, message) -> None:
        if isinstance(message, messages.ClaudeSessionChanged):
            self.table.upsert(message.session)
            self._show_selected()
        elif isinstance(message, RELOADS):
            self._load_state()

    @work(exclusive=True, group="claude-all")
    async def load_all(self) -> None:
        """Every session on disk, once (events keep aio's own rows current after)."""
        answer = await self.app.ask_core("GET", "/claude/sessions?all=1", title="claude")
        if answer is not None and self.show_all:
            self.table.load(answer["sessions"])
            self._show_selected()

    # The selected session: its terminal, or a line saying why there is none

    @on(DataTable.RowHighlighted, "#claude-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        empty = not self.table.sessions
        self.query_one("#claude-empty").display = empty
        self.table.display = not empty
        session = self.table.selected_session
        job = session.get("job") if session else None
        note = self.query_one("#claude-note", Static)
        self.preview.display = job is not None
        note.display = session is not None and job is None
        if session is None or job is None:
            self._preview_job = None
            self.stop_preview()
            if session is not None:
                note.update(self._no_job_line(session))
            return
        self.preview.border_title = f"claude {session['id']} · job #{job} · {session['status']}"
        if job != self._preview_job and self.app.connected:
            self._preview_job = job
            self.stream_preview(job)

    def _no_job_line(self, session: dict) -> str:
        name = f"session {session['id']}" if session.get("id") else "this external session"
        why = f": {session['error']}" if session.get("error") else ""
        return f"{name} is {session['status']}{why}; no job is running it (r resumes it)"

    @work(exclusive=True, group="claude-preview")
    async def stream_preview(self, job_id: int) -> None:
        await self._feed.follow(self.preview, job_id)

    @work(exclusive=True, group="claude-preview")
    async def stop_preview(self) -> None:
        await self._feed.stop()

    # Actions

    def _selected(self) -> dict | None:
        session = self.table.selected_session
        if session is None:
            self.notify("no claude session selected", severity="warning", title="claude")
        return session

    @work(group="claude-new")
    async def action_new(self) -> None:
        body = await self.app.push_screen_wait(NewSessionScreen(os.getcwd()))
        if body is None:
            return
        answer = await self.app.ask_core("POST", "/claude/sessions", body, title="claude")
        if answer is not None:
            session = answer["session"]
            self.notify(f"claude session {session['id']} started", title="claude")

    async def action_attach(self) -> None:
        session = self._selected()
        if session is None:
            return
        if session.get("job") is None:
            self.notify("no job is running it: resume it first (r)", severity="warning")
            return
        await self.app.actions.attach(str(session["job"]))

    async def action_resume(self) -> None:
        session = self._selected()
        if session is None:
            return
        path = f"/claude/sessions/{session_ref(session)}/resume"
        answer = await self.app.ask_core("POST", path, title="claude")
        if answer is not None:
            resumed = answer["session"]
            self.notify(f"claude session {resumed['id']} resumed", title="claude")

    @work(group="claude-stop")
    async def action_stop(self) -> None:
        session = self._selected()
        if session is None:
            return
        if session.get("job") is None:
            self.notify(f"it is {session['status']}: nothing to stop", title="claude")
            return
        question = f"Stop claude session {session['id']} (job #{session['job']})?"
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            return
        path = f"/claude/sessions/{session_ref(session)}/stop"
        if await self.app.ask_core("POST", path, title="claude") is not None:
            self.notify(f"claude session {session['id']}: stopping", title="claude")

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        shown = "every session on disk (ext: started outside aio)" if self.show_all else "aio's"
        self.notify(f"showing {shown} sessions", title="claude", timeout=3)
        if self.show_all:
            self.load_all()
        else:
            self._load_state()

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()
