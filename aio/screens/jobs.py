"""The Jobs screen: the live jobs table, the selected job's terminal, and the command bar; with
no jobs, a page that says what aio is for and how to start."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Header, Static

from aio.config.locations import tasks_dir
from aio.screens.confirm import ConfirmScreen
from aio.screens.job_preview import PreviewScreen
from aio.screens.key_names import key_for
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.job_table import JobTable
from aio.widgets.terminal import TerminalView


def empty_text(watch_folder: str) -> str:
    """The Jobs screen's page for a first start: what aio is for, and the next steps."""
    return (
        "aio runs your commands as jobs, each in a terminal of its own, kept by a core that "
        "outlives this window: watch them live here, type into them, attach, read their logs.\n"
        "\nNo jobs yet. To start:\n\n"
        "  m            run a packaged example from the task menu\n"
        f"  a task file  dropped in {watch_folder} runs as soon as it lands\n"
        "  4, then n    start a Claude Code session\n"
        "  2, then n    add a todo (or here: ':' then t +Fix the bug 2h)\n"
        "  ?            every key of this screen, and the command bar's grammar"
    )


class JobsScreen(PreviewScreen):
    """Jobs: select a row to preview its terminal live; keys act on the selected job."""

    BINDINGS = [
        Binding("a", "attach", "Attach", id="jobs.attach"),
        Binding("m", "menu", "Run task", id="jobs.menu"),
        Binding("K", "kill", "Kill", id="jobs.kill"),
        Binding("x", "remove", "Clear", id="jobs.remove"),
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
            yield Static(empty_text(str(tasks_dir(self.app.home))), id="jobs-empty", markup=False)
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

    def _show_empty(self) -> None:
        empty = not self.table.jobs
        self.query_one("#jobs-empty").display = empty
        self.table.display = not empty
        self.preview.display = not empty

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
        self._show_empty()
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

    def select_job(self, job_id: int) -> bool:
        """Put the cursor on job `job_id`'s row (the command bar's `a 21` does); whether it has
        one."""
        if job_id not in self.table.jobs:
            return False
        self.table.move_cursor(row=self.table.get_row_index(str(job_id)))
        return True

    @work(group="jobs-kill")
    async def action_kill(self) -> None:
        """Kill the selected job, once the user says yes."""
        job = self.table.selected_job
        if self._selected_id() is None:
            return
        if job["status"] not in ("running", "queued"):
            self.notify(f"job {job['id']} is {job['status']}: nothing to kill", title="aio")
            return
        question = f"Kill job {job['id']} {job['name']} ({job['status']})?"
        detail = "Its process is stopped; its log stays (x clears it after)."
        if await self.app.push_screen_wait(ConfirmScreen(question, detail)):
            await self.app.actions.kill(str(job["id"]))

    @work(group="jobs-remove")
    async def action_remove(self) -> None:
        """Clear (remove) the selected finished job, once the user says yes."""
        job = self.table.selected_job
        if self._selected_id() is None:
            return
        if job["status"] in ("running", "queued"):
            key = key_for(self, "kill")
            self.notify(
                f"job {job['id']} is {job['status']}: kill it first ({key})",
                severity="warning",
                title="aio",
            )
            return
        question = f"Clear job {job['id']} {job['name']} ({job['status']})?"
        detail = "Its record, its log and its folder (a worktree too) are removed for good."
        if await self.app.push_screen_wait(ConfirmScreen(question, detail)):
            await self.app.actions.remove(str(job["id"]))

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
