"""The Jobs screen: the live jobs table, the selected job's terminal, and the command bar."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Header

from aio.screens.job_preview import PreviewScreen
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.job_table import JobTable
from aio.widgets.terminal import TerminalView


class JobsScreen(PreviewScreen):
    """Jobs: select a row to preview its terminal live; keys act on the selected job."""

    BINDINGS = [
        Binding("a", "attach", "Attach", id="jobs.attach"),
        Binding("m", "menu", "Run task", id="jobs.menu"),
        Binding("k", "kill", "Kill", id="jobs.kill"),
        Binding("x", "remove", "Remove", id="jobs.remove"),
        Binding("l", "log", "Log", id="jobs.log"),
        Binding("i", "type", "Type", id="jobs.type"),
        Binding("w", "web", "Browser", id="jobs.web"),
        Binding("colon", "command", "Command", id="jobs.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._preview_job: int | None = None
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="jobs-body"):
            yield JobTable(clock=self.app.clock, id="job-table")
            yield TerminalView(id="preview")
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    @property
    def preview(self) -> TerminalView:
        return self.query_one(TerminalView)

    @property
    def previewed_job_id(self) -> int | None:
        """The job whose output feeds the preview: always the highlighted row's job."""
        return self._preview_job

    def on_mount(self) -> None:
        self.app.core_signal.subscribe(self, self._on_core_event)
        self.preview.border_title = "no job selected"
        self._load_state()
        self.table.focus()

    # Core state arrives through the app's one worker, as a signal.

    def _load_state(self) -> None:
        app = self.app
        self.table.load(list(app.jobs.values()))
        self.table.set_class(not app.connected, "-stale")
        self._update_ticker()
        self._preview_selected()

    def _on_core_event(self, message) -> None:
        from aio.screens import messages

        if isinstance(message, messages.CoreConnected | messages.CoreDisconnected):
            self._load_state()
            if isinstance(message, messages.CoreDisconnected):
                self.preview.border_title = "core down: not live"
        elif isinstance(message, messages.JobChanged):
            self.table.upsert(message.job)
            self._preview_selected()
            self._update_ticker()
        elif isinstance(message, messages.JobRemoved):
            self.table.remove(message.job_id)
            self._preview_selected()

    def _update_ticker(self) -> None:
        # Durations of running jobs tick once a second; with none running, nothing wakes.
        if self.table.any_running and self._ticker is None:
            self._ticker = self.set_interval(1.0, self.table.tick)
        elif not self.table.any_running and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    # Preview

    @on(DataTable.RowHighlighted, "#job-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._preview_selected()

    def _preview_selected(self) -> None:
        """Point the preview and its header at the highlighted row's job (called on every
        change of the table, so the three never drift apart)."""
        job = self.table.selected_job
        if job is None:
            self._preview_job = None
            self.preview.reset()
            self.preview.border_title = "no job selected"
            return
        self._set_preview_title(job)
        if job["id"] != self._preview_job and self.app.connected:
            self._preview_job = job["id"]
            self.stream_preview(job["id"])

    def _set_preview_title(self, job: dict) -> None:
        self.preview.border_title = f"#{job['id']} {job['name']} · {job['status']}"

    @work(exclusive=True, group="preview")
    async def stream_preview(self, job_id: int) -> None:
        """Feed the preview from an attach stream (the core replays the tail first)."""
        await self._feed.follow(self.preview, job_id)

    # Actions on the selected job

    def _selected_id(self) -> str | None:
        job_id = self.table.selected_job_id
        if job_id is None:
            self.notify("no job selected", severity="warning", title="aio")
            return None
        return str(job_id)

    async def action_attach(self) -> None:
        if (ref := self._selected_id()) is not None:
            await self.app.actions.attach(ref)

    def action_menu(self) -> None:
        self.app.action_menu()

    async def action_kill(self) -> None:
        if (ref := self._selected_id()) is not None:
            await self.app.actions.kill(ref)

    async def action_remove(self) -> None:
        if (ref := self._selected_id()) is not None:
            await self.app.actions.remove(ref)

    def action_log(self) -> None:
        if (ref := self._selected_id()) is not None:
            self.app.open_log(ref)

    async def action_web(self) -> None:
        if (ref := self._selected_id()) is not None:
            await self.app.actions.open_web(ref)

    def action_type(self) -> None:
        if self.table.selected_job is None:
            self.notify("no job selected", severity="warning", title="aio")
            return
        self.preview.focus()
        self.notify("typing goes to the job; ctrl+] gives focus back", title="aio", timeout=3)

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()
