"""The dashboard: a Textual app that is a client of the core.

Core events reach the UI through one app-level worker (`watch_core`) that turns them into typed
messages; the app keeps the current state and passes each message on through `core_signal`, to
which screens subscribe. Widgets never poll.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from aio.client.async_client import AsyncCoreClient
from aio.client.core_client import CoreError, CoreUnavailable
from aio.config.locations import socket_path
from aio.config.settings import Config
from aio.screens import messages
from aio.screens.claude import ClaudeScreen, start_session
from aio.screens.clis import ClisScreen
from aio.screens.domain_records import DomainRecords
from aio.screens.job_actions import JobActions
from aio.screens.jobs import JobsScreen
from aio.screens.palette import palette_commands
from aio.screens.todo_actions import TodoActions
from aio.screens.todos import TodosScreen
from aio.screens.worklets import WorkletsScreen
from aio.widgets.command_bar import CommandBar
from aio.widgets.command_grammar import (
    Attach,
    ClaudeNew,
    Clear,
    Empty,
    Invalid,
    Kill,
    Menu,
    OpenWeb,
    Quit,
    Run,
    ShowLog,
    Todo,
)


class AioApp(DomainRecords, App):
    """The aio dashboard."""

    TITLE = "aio"
    CSS_PATH = ["styles/app.tcss"]
    MODES = {
        "jobs": JobsScreen,
        "todos": TodosScreen,
        "clis": ClisScreen,
        "claude": ClaudeScreen,
        "worklets": WorkletsScreen,
    }
    DEFAULT_MODE = "jobs"
    BINDINGS = [
        Binding("1,j", "switch_mode('jobs')", "Jobs", id="app.jobs"),
        Binding("2,t", "switch_mode('todos')", "Todos", id="app.todos"),
        Binding("3", "switch_mode('clis')", "CLIs", id="app.clis"),
        # Not in the footer: the Jobs screen's keys fill 120 columns (palette: "Go to Claude").
        Binding("4", "switch_mode('claude')", "Claude", show=False, id="app.claude"),
        Binding("5", "switch_mode('worklets')", "Worklets", show=False, id="app.worklets"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-now"),
    ]

    def __init__(
        self,
        home: Path,
        config: Config | None = None,
        clock: Callable[[], float] = time.time,
        jobs: list[dict] | None = None,
        screen: str | None = None,
        records: dict[str, list[dict]] | None = None,
    ) -> None:
        """`jobs`, if given, is a fresh `GET /jobs` to draw before the event stream is up;
        `screen` names the mode to open on (default: jobs), and `records` may hold that
        screen's fresh list, to draw at once too ("claude_sessions" or "worklets")."""
        if screen is not None:
            self.DEFAULT_MODE = screen  # read by App.__init__
        super().__init__()
        self.home = home
        self.config = config or Config()
        self.clock = clock
        self.core = AsyncCoreClient(home)
        self.actions = JobActions(self)
        self.todo_actions = TodoActions(self)
        self.jobs: dict[int, dict] = {job["id"]: job for job in jobs or []}
        self.tasks: list[dict] = []
        self.task_errors: dict[str, str] = {}
        records = records or {}
        self.claude_sessions = {s["id"]: s for s in records.get("claude_sessions", [])}
        self.worklets = {w["id"]: w for w in records.get("worklets", [])}
        self.connected = False
        self.core_signal: Signal[messages.Message] = Signal(self, "core")

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self._show_core_state("connecting…")
        self.watch_core()

    async def on_unmount(self) -> None:
        await self.core.close()

    # The one worker that brings core events in.

    @work(exclusive=True, group="core-events")
    async def watch_core(self) -> None:
        """Follow the core's event stream; when it drops, say so and wait for the core."""
        while True:
            try:
                async for event in self.core.events():
                    self._post_event(event)
                reason = "the core closed the event stream"
            except CoreUnavailable as exc:
                reason = str(exc)
            if self.connected or not self.jobs:
                self.post_message(messages.CoreDisconnected(reason))
            await self._wait_for_core()

    async def _wait_for_core(self) -> None:
        """Wake when the core's socket reappears (inotify), not on a timer."""
        from watchfiles import awatch

        path = socket_path(self.home)
        if path.exists() and await self._answers():
            return
        async for _ in awatch(
            self.home, recursive=False, watch_filter=lambda _c, p: p == str(path)
        ):
            if path.exists() and await self._answers():
                return

    async def _answers(self) -> bool:
        try:
            await self.core.request("GET", "/health")
        except Exception:
            return False
        return True

    def _post_event(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "snapshot":
            self.post_message(
                messages.CoreConnected(event["jobs"], event["tasks"], event["task_errors"])
            )
            return
        make = messages.EVENT_MESSAGES.get(kind)
        if make is None:
            return  # a newer core's event this dashboard does not know
        message = make(event)
        if isinstance(message, messages.DIRECT):
            self.core_signal.publish(message)
        else:
            self.post_message(message)

    # State, then on to the screens.

    @on(messages.CoreConnected)
    def _connected(self, message: messages.CoreConnected) -> None:
        self.connected = True
        self.jobs = {job["id"]: job for job in message.jobs}
        self.tasks = message.tasks
        self.task_errors = dict(message.task_errors)
        self._show_core_state()
        self.core_signal.publish(message)
        self.load_claude_sessions()
        self.load_worklets()

    @on(messages.CoreDisconnected)
    def _disconnected(self, message: messages.CoreDisconnected) -> None:
        self.connected = False
        self.jobs = {}
        self.claude_sessions = {}
        self.worklets = {}
        self._show_core_state("DOWN — waiting for it to come back")
        self.notify(f"the core is down: {message.reason}", severity="error", title="aio")
        self.core_signal.publish(message)

    @on(messages.JobChanged)
    def _job_changed(self, message: messages.JobChanged) -> None:
        self.jobs[message.job["id"]] = message.job
        self._show_core_state()
        self.core_signal.publish(message)

    @on(messages.JobRemoved)
    def _job_removed(self, message: messages.JobRemoved) -> None:
        self.jobs.pop(message.job_id, None)
        self._show_core_state()
        self.core_signal.publish(message)

    @on(messages.TasksChanged)
    def _tasks_changed(self, message: messages.TasksChanged) -> None:
        self.tasks = message.tasks

    @on(messages.TaskFileError)
    def _task_file_error(self, message: messages.TaskFileError) -> None:
        self.task_errors[message.path] = message.error
        self.notify(f"{message.path}: {message.error}", severity="error", title="task file")

    @on(messages.TodosChanged)
    def _todos_changed(self, message: messages.TodosChanged) -> None:
        self.core_signal.publish(message)

    @on(messages.ClisChanged)
    def _clis_changed(self, message: messages.ClisChanged) -> None:
        self.core_signal.publish(message)

    @on(messages.Reminder)
    def _reminder(self, message: messages.Reminder) -> None:
        self.bell()
        self.notify(message.text, title="todo", severity="warning", timeout=15)

    def _show_core_state(self, state: str | None = None) -> None:
        if state is None:
            running = sum(1 for j in self.jobs.values() if j["status"] == "running")
            queued = sum(1 for j in self.jobs.values() if j["status"] == "queued")
            state = f"live · {running} running · {queued} queued"
        self.sub_title = f"core: {state}"

    # Commands: the bar, the palette and keys all end here.

    @on(CommandBar.Submitted)
    async def _command(self, event: CommandBar.Submitted) -> None:
        await self.run_command(event.command)

    async def run_command(self, command) -> None:
        """Carry out one parsed command-bar command."""
        match command:
            case Empty():
                pass
            case Invalid(message=message, hint=hint):
                self.notify(f"{message}\n{hint}", severity="warning", title="command")
            case Attach(job=ref):
                await self.actions.attach(ref)
            case Run(task=name):
                await self.run_task_named(name)
            case Clear(job=ref):
                await self.actions.remove(ref)
            case Kill(job=ref):
                await self.actions.kill(ref)
            case ShowLog(job=ref):
                self.open_log(ref)
            case OpenWeb(job=ref):
                await self.actions.open_web(ref)
            case Todo(text=text):
                await self.todo_actions.run(text)
            case ClaudeNew(prompt=prompt, headless=headless):
                body = {"cwd": os.getcwd(), "headless": headless}
                if prompt:
                    body["prompt"] = prompt
                await start_session(self, body)
                self.switch_mode("claude")
            case Menu():
                self.action_menu()
            case Quit():
                self.exit()

    async def run_task_named(self, name: str) -> None:
        found = self.actions.find_task(name)
        if found is None:
            names = ", ".join(t["name"] for t in self.tasks) or "none"
            self.notify(
                f"no task '{name}': give a file path or a menu task ({names})",
                severity="warning",
                title="run",
            )
        elif isinstance(found, str):
            await self.actions.run_path(found)
        else:
            self.launch_tasks([found])

    @work(group="launch")
    async def launch_tasks(self, tasks: list[dict]) -> None:
        """Run tasks, prompting for the variables of those that have them."""
        from aio.screens.menu import VariablesScreen

        for task in tasks:
            values: dict[str, str] | None = {}
            if task.get("variables"):
                values = await self.push_screen_wait(VariablesScreen(task))
            if values is not None:
                await self.actions.run_path(task["path"], values)

    def action_menu(self) -> None:
        from aio.screens.menu import MenuScreen

        def picked(tasks: list[dict] | None) -> None:
            if tasks:
                self.launch_tasks(tasks)

        self.push_screen(MenuScreen(self.tasks), picked)

    @work(group="log")
    async def open_log(self, ref: str) -> None:
        from aio.screens.log_view import LogScreen

        job = await self.actions.find(ref)
        if job is not None:
            await self.push_screen(LogScreen.of_job(job))

    async def ask_core(
        self, method: str, path: str, body: dict | None = None, *, title: str = "aio"
    ) -> dict | None:
        """A request to the core; a refusal or a missing core becomes a notification (None)."""
        try:
            return await self.core.request(method, path, body)
        except (CoreError, CoreUnavailable) as exc:
            self.notify(str(exc), severity="error", title=title)
            return None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen)
