"""The Flows screen: the flows found (their steps, triggers and manifest errors), recent
events, and runs with their process and result status and a needs-attention mark; keys to
dispatch an event (a form checked live against the schemas), replay an event, cancel a run,
and open a run's job."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from aio.client.paths import segment
from aio.screens import messages
from aio.screens.confirm import ConfirmScreen
from aio.screens.flow_forms import DispatchScreen
from aio.text.printable import printable
from aio.widgets.command_bar import CommandBar
from aio.widgets.flow_tables import FlowEventsTable, FlowRunsTable, FlowStepsTable, step_rows
from aio.widgets.footer import KeysFooter

EMPTY = (
    "Flows run steps when events come: a flow.toml declares steps, each triggered by an event "
    "type (its payload checked by a JSON Schema), each run as a job.\n"
    "Put one in $AIO_HOME/flows/NAME/flow.toml (or a `flow_workspaces` folder); press d to "
    "dispatch an event, or run `aio flow dispatch TYPE`."
)
LISTED = 200  # events and runs shown; `aio flow runs` lists more
RELOADS = (messages.FlowsChanged, messages.CoreConnected)


class FlowsScreen(Screen):
    """Flows, events and runs; the selected run's details under them."""

    BINDINGS = [
        Binding("d", "dispatch", "Dispatch", id="flows.dispatch"),
        Binding("r", "replay", "Replay", id="flows.replay"),
        Binding("x", "cancel_run", "Cancel run", id="flows.cancel"),
        Binding("a", "attach", "Attach", id="flows.attach"),
        Binding("l", "log", "Log", id="flows.log"),
        Binding("f", "refresh", "Refresh", id="flows.refresh"),
        Binding("colon", "command", "Command", id="flows.command"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="flows-body"):
            yield Static(EMPTY, id="flows-empty")
            with Horizontal(id="flows-top"):
                yield FlowStepsTable(clock=self.app.clock, id="flow-steps")
                yield FlowEventsTable(clock=self.app.clock, id="flow-events")
            yield FlowRunsTable(clock=self.app.clock, id="flow-runs")
            yield Static("", id="flow-run-detail", markup=False)
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    @property
    def runs(self) -> FlowRunsTable:
        return self.query_one(FlowRunsTable)

    @property
    def events_table(self) -> FlowEventsTable:
        return self.query_one(FlowEventsTable)

    def on_mount(self) -> None:
        self.query_one("#flow-steps").border_title = "flows and steps"
        self.events_table.border_title = "events, newest last (r replays the selected one)"
        self.runs.border_title = "runs, newest last (! needs attention)"
        self.app.core_signal.subscribe(self, self._on_core_event)
        self.load()
        self.runs.focus()

    def _on_core_event(self, message) -> None:
        if isinstance(message, messages.FlowRunChanged):
            self._upsert_newest(self.runs, message.run)
            self._show_run()
        elif isinstance(message, messages.FlowEventAdded):
            self._upsert_newest(self.events_table, message.event)
        elif isinstance(message, RELOADS):
            self.load()

    @staticmethod
    def _upsert_newest(table, record: dict) -> None:
        """A changed record in place; a new one at the bottom (newest last), the oldest row
        dropped past LISTED."""
        table.upsert(record)
        if len(table.records) > LISTED:
            table.remove(next(iter(table.records)))

    @work(exclusive=True, group="flows-load")
    async def load(self) -> None:
        """The flows, the newest events and runs (then core events keep them current)."""
        listing = await self.app.ask_core("GET", "/flows", title="flows")
        events = await self.app.ask_core("GET", f"/flows/events?limit={LISTED}", title="flows")
        runs = await self.app.ask_core("GET", f"/flows/runs?limit={LISTED}", title="flows")
        if listing is None or events is None or runs is None:
            return
        self.listing = listing
        self.query_one(FlowStepsTable).load(step_rows(listing))
        self.events_table.load(events["events"][::-1])  # the core lists the newest first
        self.runs.load(runs["runs"][::-1])
        empty = not listing.get("flows") and not listing.get("errors") and not runs["runs"]
        self.query_one("#flows-empty").display = empty
        self.query_one("#flows-top").display = not empty
        self.runs.display = not empty
        self._show_run()

    @on(DataTable.RowHighlighted, "#flow-runs")
    def _run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_run()

    def _show_run(self) -> None:
        detail = self.query_one("#flow-run-detail", Static)
        run = self.runs.selected
        if run is None:
            detail.update("")
            return
        lines = [
            f"{run['id']} · {run.get('flowName')}/{run.get('stepName')} · "
            f"{run.get('effectiveStatus')}"
            + (" · needs attention" if run.get("needsAttention") else "")
            + (" · a replay" if run.get("replay") else "")
        ]
        if run.get("error"):
            lines.append(f"error: {printable(str(run['error']), 300)}")
        if run.get("resultPayload") is not None:
            lines.append(f"result: {printable(str(run['resultPayload']), 300)}")
        for attempt in run.get("attempts") or []:
            code = attempt.get("exitCode")
            lines.append(
                f"  attempt {attempt['attemptNumber']}: {attempt['status']}"
                + (f" (exit {code})" if code is not None else "")
                + (f" job #{attempt['job']}" if attempt.get("job") else "")
            )
        detail.update("\n".join(lines))

    # Actions

    def _selected_run(self) -> dict | None:
        run = self.runs.selected
        if run is None:
            self.notify("no run selected", severity="warning", title="flows")
        return run

    def _trigger_types(self) -> list[str]:
        listing = getattr(self, "listing", {}) or {}
        types = [
            step["trigger"]["type"]
            for flow in listing.get("flows", [])
            for step in flow.get("steps", [])
            if step.get("trigger")
        ]
        return list(dict.fromkeys(types))

    @work(group="flows-dispatch")
    async def action_dispatch(self) -> None:
        step = self.query_one(FlowStepsTable).selected
        kind = ((step or {}).get("trigger") or {}).get("type", "")
        body = await self.app.push_screen_wait(DispatchScreen(self._trigger_types(), kind))
        if body is None:
            return
        answer = await self.app.ask_core("POST", "/flows/events", body, title="flows")
        if answer is not None:
            runs = ", ".join(answer.get("runIds") or []) or "no run"
            self.notify(f"event {answer['eventId']} {answer['status']}: {runs}", title="flows")

    @work(group="flows-act")
    async def action_replay(self) -> None:
        event = self.events_table.selected
        if event is None:
            run = self._selected_run()
            event_id = run.get("eventId") if run else None
        else:
            event_id = event["id"]
        if not event_id:
            return
        path = f"/flows/events/{segment(event_id)}/replay"
        answer = await self.app.ask_core("POST", path, {}, title="flows")
        if answer is not None:
            runs = ", ".join(answer.get("runIds") or []) or "no run (nothing matches it now)"
            self.notify(f"event {event_id} replayed: {runs}", title="flows")

    @work(group="flows-act")
    async def action_cancel_run(self) -> None:
        run = self._selected_run()
        if run is None:
            return
        if run.get("processStatus") not in ("queued", "running"):
            self.notify(f"run {run['id']} is {run.get('processStatus')}: nothing to cancel")
            return
        question = f"Cancel run {run['id']} ({run.get('flowName')}/{run.get('stepName')})?"
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            return
        path = f"/flows/runs/{segment(run['id'])}/cancel"
        if await self.app.ask_core("POST", path, {}, title="flows") is not None:
            self.notify(f"run {run['id']} canceled", title="flows")

    def _run_job(self) -> int | None:
        run = self._selected_run()
        if run is not None and run.get("job") is None:
            self.notify("no job yet: the run is queued", severity="warning", title="flows")
        return run.get("job") if run else None

    async def action_attach(self) -> None:
        job = self._run_job()
        if job is not None:
            await self.app.actions.attach(str(job))

    def action_log(self) -> None:
        job = self._run_job()
        if job is not None:
            self.app.open_log(str(job))

    def action_refresh(self) -> None:
        self.load()

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()
