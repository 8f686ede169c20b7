"""The Claude screen: aio's Claude Code sessions with live status; the selected session's
terminal (interactive) or streaming transcript (headless, or any session not running); keys to
start, attach, send to, resume, stop and remove sessions and to read a worktree's diff."""

from __future__ import annotations

import os
from urllib.parse import quote

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from aio.screens import messages
from aio.screens.claude_forms import NewSessionScreen, RemoveScreen, SendScreen
from aio.screens.confirm import ConfirmScreen
from aio.screens.job_preview import PreviewScreen
from aio.screens.log_view import LogScreen
from aio.text.printable import printable
from aio.widgets.claude_table import ClaudeTable, session_key
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.terminal import TerminalView
from aio.widgets.transcript_view import TranscriptView

EMPTY = (
    "Claude Code sessions run here: each one is the real `claude` in a job, its status told by "
    "its hooks (waiting rings when it needs you).\nPress n to start a session, d to list every "
    "session on disk (also those started outside aio); ? lists every key of this screen."
)

RELOADS = (messages.ClaudeSessionsLoaded, messages.CoreConnected, messages.CoreDisconnected)


def session_ref(session: dict) -> str:
    """How the core names a session: aio's number, else Claude's session id."""
    ref = str(session["id"]) if session.get("id") is not None else session["session_id"]
    return quote(ref, safe="")


async def start_session(app, body: dict) -> None:
    """Ask the core for a new session (`POST /claude/sessions` body); say how it went."""
    answer = await app.ask_core("POST", "/claude/sessions", body, title="claude")
    if answer is not None:
        session = answer["session"]
        queued = f": {answer['note']}" if answer.get("note") else ""
        app.notify(f"claude session {session['id']} started{queued}", title="claude")


class ClaudeScreen(PreviewScreen):
    """Claude sessions: select a row to watch its terminal live; keys act on the selection."""

    BINDINGS = [
        Binding("n", "new", "New", id="claude.new"),
        Binding("a", "attach", "Attach", id="claude.attach"),
        Binding("m", "send", "Send", id="claude.send"),
        Binding("r", "resume", "Resume", id="claude.resume"),
        Binding("s", "stop", "Stop", id="claude.stop"),
        Binding("x", "remove", "Remove", id="claude.remove"),
        Binding("w", "diff", "Diff", id="claude.diff"),
        Binding("d", "toggle_all", "All on disk", id="claude.all"),
        Binding("colon", "command", "Command", id="claude.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self._preview_job: int | None = None
        self._transcript_key: str | None = None
        self._loading = False
        self._missed = -1  # the highest entry index that came in while the transcript loaded

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="claude-body"):
            yield ClaudeTable(clock=self.app.clock, id="claude-table")
            yield Static(EMPTY, id="claude-empty")
            yield Static("", id="claude-note", markup=False)
            yield TerminalView(id="preview")
            yield TranscriptView(id="claude-transcript")
        yield CommandBar(id="command-bar")  # its grammar: the registry's
        yield KeysFooter()

    @property
    def table(self) -> ClaudeTable:
        return self.query_one(ClaudeTable)

    @property
    def preview(self) -> TerminalView:
        return self.query_one(TerminalView)

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one(TranscriptView)

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
        if isinstance(message, messages.ClaudeTranscriptEntry):
            self._transcript_grew(message)
        elif isinstance(message, messages.ClaudeSessionChanged):
            self.table.upsert(message.session)
            self._show_selected()
        elif isinstance(message, messages.ClaudeSessionRemoved):
            self.table.remove(str(message.number))
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
        """Show the selection: an interactive session's terminal while a job runs it, else
        its transcript (a headless one's as it streams), with a line saying why."""
        empty = not self.table.sessions
        self.query_one("#claude-empty").display = empty
        self.table.display = not empty
        session = self.table.selected_session
        job = session.get("job") if session else None
        terminal = job is not None and session.get("mode") != "headless"
        note = self.query_one("#claude-note", Static)
        self.preview.display = terminal
        self.transcript.display = session is not None and not terminal
        note.display = session is not None and job is None
        if session is not None and job is None:
            note.update(self._no_job_line(session))
        if not terminal:
            self._preview_job = None
            self.stop_preview()
        if session is None:
            self._transcript_key = None
            return
        if not terminal:
            self._show_transcript(session)
            return
        self._transcript_key = None
        self.preview.border_title = f"claude {session['id']} · job #{job} · {session['status']}"
        if job != self._preview_job and self.app.connected:
            self._preview_job = job
            self.stream_preview(job)

    def _show_transcript(self, session: dict) -> None:
        key = session_key(session)
        title = f"claude {session.get('id') or 'ext'} · {session['status']} · transcript"
        self.transcript.border_title = title
        if key != self._transcript_key and self.app.connected:
            self._transcript_key = key
            self.transcript.begin(session.get("id"))
            self.load_transcript(session)

    @work(exclusive=True, group="claude-transcript")
    async def load_transcript(self, session: dict, after: int = 0) -> None:
        """The transcript from entry `after` on; live entries follow from core events (those
        that come while this loads are looked for again once it has)."""
        self._loading, self._missed = True, -1
        path = f"/claude/sessions/{session_ref(session)}/transcript?after={after}"
        try:
            answer = await self.app.ask_core("GET", path, title="claude")
        finally:
            self._loading = False
        if answer is None or self._transcript_key != session_key(session):
            return
        if after == 0:
            self.transcript.show(session.get("id"), answer["entries"])
        else:
            for entry in answer["entries"]:
                self.transcript.add(entry)
        if self._missed >= self.transcript.count:
            self.load_transcript(session, after=self.transcript.count)

    def _transcript_grew(self, message: messages.ClaudeTranscriptEntry) -> None:
        view = self.transcript
        if view.session != message.number or self._transcript_key != str(message.number):
            return
        if self._loading:
            self._missed = max(self._missed, message.index)
        elif message.index == view.count:
            view.add(message.entry)
        elif message.index > view.count:  # a gap: read what is missing from the core
            session = self.table.sessions.get(str(message.number))
            if session is not None:
                self.load_transcript(session, after=view.count)

    def _no_job_line(self, session: dict) -> str:
        name = f"session {session['id']}" if session.get("id") else "this external session"
        why = f": {printable(session['error'], 300)}" if session.get("error") else ""
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
        if body is not None:
            await start_session(self.app, body)

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

    @work(group="claude-send")
    async def action_send(self) -> None:
        """A follow-up: a headless session's next message, or typed into an interactive one."""
        session = self._selected()
        if session is None:
            return
        if session.get("job") is None:
            self.notify(f"it is {session['status']}: resume it first (r)", severity="warning")
            return
        headless = session.get("mode") == "headless"
        hint = (
            "its next message: the reply streams into the transcript"
            if headless
            else "typed into its terminal, then Enter"
        )
        text = await self.app.push_screen_wait(SendScreen(f"Send to claude {session['id']}", hint))
        if text is None:
            return
        path = f"/claude/sessions/{session_ref(session)}/send"
        if await self.app.ask_core("POST", path, {"text": text}, title="claude") is not None:
            self.notify(f"claude session {session['id']}: delivered", title="claude", timeout=3)

    @work(group="claude-remove")
    async def action_remove(self) -> None:
        """Forget a session that is not running; one with a worktree asks whether to keep it."""
        session = self._selected()
        if session is None:
            return
        if session.get("id") is None:
            self.notify("aio never ran it: its file stays with Claude Code", severity="warning")
            return
        if session.get("job") is not None:
            self.notify("it is running: stop it first (s)", severity="warning", title="claude")
            return
        choice = await self.app.push_screen_wait(RemoveScreen(session))
        if choice is None:
            return
        path = f"/claude/sessions/{session_ref(session)}"
        if choice == "keep":
            path += "?keep_worktree=1"
        if await self.app.ask_core("DELETE", path, title="claude") is not None:
            kept = {"keep": "; worktree kept", "remove": "; worktree removed, branch kept"}
            self.notify(f"claude session {session['id']} removed{kept.get(choice, '')}")

    @work(group="claude-diff")
    async def action_diff(self) -> None:
        """`git status` and `git diff HEAD` of the session's worktree (else its folder)."""
        session = self._selected()
        if session is None:
            return
        if session.get("id") is None:
            self.notify("resume it in aio first (r): aio diffs its own", severity="warning")
            return
        path = f"/claude/sessions/{session_ref(session)}/diff"
        answer = await self.app.ask_core("GET", path, title="claude")
        if answer is not None:
            title = f"claude {session['id']} · git diff HEAD · {answer['folder']}"
            await self.app.push_screen(LogScreen(title, answer["diff"].splitlines(), top=True))

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
