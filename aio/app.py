"""The dashboard: a Textual app that is a client of the core.

Core events reach the UI through one app-level worker (`watch_core`) that turns them into typed
messages; the app keeps the current state and passes each message on through `core_signal`, to
which screens subscribe. Widgets never poll.
"""

from __future__ import annotations

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
from aio.screens.commands import CommandRunner
from aio.screens.domain_records import DomainRecords
from aio.screens.job_actions import JobActions
from aio.screens.registry import SCREENS
from aio.screens.table_moves import MOVE_BINDINGS, TableMoves
from aio.screens.wording import dashboard_wording
from aio.text.printable import printable

# The screens (aio/screens/registry.py), each imported when first shown.
SCREEN_BINDINGS = [
    Binding(entry.keys, f"switch_mode('{entry.mode}')", entry.title, id=entry.binding_id)
    for entry in SCREENS
]


class AioApp(CommandRunner, TableMoves, DomainRecords, App):
    """The aio dashboard."""

    TITLE = "aio"
    CSS_PATH = ["styles/app.tcss"]
    MODES = {entry.mode: entry.build for entry in SCREENS}
    DEFAULT_MODE = "jobs"
    BINDINGS = [
        *SCREEN_BINDINGS,
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("S", "start_core", "Start core", id="app.start-core"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit-now"),
        *MOVE_BINDINGS,
    ]
    # The footer leaves out keys that do not fit the terminal's width, but never these.
    FOOTER_KEEP = ("app.help", "app.quit", "app.start-core")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, its text shown as it is: never read as markup (a todo titled `[/x]` would
        stop the app) and made printable, line by line, since it repeats names and titles that
        users, jobs and agents chose. Every widget's notify comes here."""
        text = "\n".join(printable(line) for line in str(message).split("\n"))
        if timeout is None:
            timeout = self.NOTIFICATION_TIMEOUT
        super().notify(
            text, title=printable(title), severity=severity, timeout=timeout, markup=False
        )

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
        from aio.screens.first_frame import first_frame_classes, preload_default_css

        preload_default_css(self, first_frame_classes())
        self.home = home
        self.config = config or Config()
        self.clock = clock
        self.core = AsyncCoreClient(home)
        self.actions = JobActions(self)
        self._todo_actions = None
        self.jobs: dict[int, dict] = {job["id"]: job for job in jobs or []}
        self.tasks: list[dict] = []
        self.task_errors: dict[str, str] = {}
        records = records or {}
        self.claude_sessions = {s["id"]: s for s in records.get("claude_sessions", [])}
        self.worklets = {w["id"]: w for w in records.get("worklets", [])}
        self.connected = False
        self.core_down = False  # the core went away (not: not yet connected)
        self._starting_core = False
        self.core_signal: Signal[messages.Message] = Signal(self, "core")

    @property
    def todo_actions(self):
        """`t ...` of the command bar (the todo grammar is imported when first used)."""
        if self._todo_actions is None:
            from aio.screens.todo_actions import TodoActions

            self._todo_actions = TodoActions(self)
        return self._todo_actions

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self._show_core_state("connecting…")
        # The first frame draws the jobs `aio` fetched; the event stream is opened after it.
        self.call_after_refresh(self.watch_core)

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
        self.core_down = False
        self.jobs = {job["id"]: job for job in message.jobs}
        self.tasks = message.tasks
        self.task_errors = dict(message.task_errors)
        self._show_core_state()
        self.core_signal.publish(message)
        self.refresh_bindings()
        self.load_claude_sessions()
        self.load_worklets()

    @on(messages.CoreDisconnected)
    def _disconnected(self, message: messages.CoreDisconnected) -> None:
        self.connected = False
        self.core_down = True
        self.jobs = {}
        self.claude_sessions = {}
        self.worklets = {}
        self._show_core_state("DOWN — S starts it again")
        self.notify(
            f"the core is down: {message.reason}\nS starts it again",
            severity="error",
            title="aio",
        )
        self.core_signal.publish(message)
        self.refresh_bindings()  # S shows in the footer while the core is down

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

    # Keys of the app: help, starting the core

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_core":
            return self.core_down  # shown, and bound, only while the core is down
        return super().check_action(action, parameters)

    def action_help(self) -> None:
        """The keys of the current screen and the command bar's grammar."""
        from aio.screens.help import HelpScreen
        from aio.screens.registry import screen_entry

        entry = screen_entry(self.current_mode)
        screen = self.screen
        name = entry.title if entry is not None and screen is self.screen_stack[0] else ""
        title = f"Keys of the {name} screen" if name else "Keys of this screen"
        self.push_screen(HelpScreen(screen, title))

    @work(thread=True, exclusive=True, group="start-core")
    def action_start_core(self) -> None:
        """Start the core again (as `aio` does when none runs); the event worker, waiting
        for its socket, reconnects."""
        from aio.client.core_client import start_core

        if self.connected or self._starting_core:
            return
        self._starting_core = True
        self.call_from_thread(self.notify, "starting the core…", title="aio", timeout=3)
        try:
            start_core(self.home)
        except (CoreError, CoreUnavailable, OSError) as exc:
            self.call_from_thread(
                self.notify, f"cannot start the core: {exc}", severity="error", title="aio"
            )
        finally:
            self._starting_core = False

    def _show_core_state(self, state: str | None = None) -> None:
        if state is None:
            running = sum(1 for j in self.jobs.values() if j["status"] == "running")
            queued = sum(1 for j in self.jobs.values() if j["status"] == "queued")
            state = f"live · {running} running · {queued} queued"
        self.sub_title = f"core: {state}"

    async def ask_core(
        self, method: str, path: str, body: dict | None = None, *, title: str = "aio"
    ) -> dict | None:
        """A request to the core; a refusal or a missing core becomes a notification (None)."""
        try:
            return await self.core.request(method, path, body)
        except (CoreError, CoreUnavailable) as exc:
            kill = self.config.keymap.get("jobs.kill", "K")
            self.notify(dashboard_wording(str(exc), kill=kill), severity="error", title=title)
            return None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from aio.screens.palette import palette_commands

        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen)
