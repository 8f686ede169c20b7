"""The Flows screen's dispatch form: an event's type (one of the triggers the flows declare,
or any), its JSON payload checked as it is typed against the schemas of the steps it would
run (the core answers `POST /flows/check`), an optional id and source."""

from __future__ import annotations

import asyncio
import json
import uuid

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from aio.text.printable import printable

CHECK_DELAY = 0.25  # seconds of no typing before the payload is checked


def event_body(kind: str, payload_text: str, event_id: str, source: str) -> dict | str:
    """The event the form describes, or what is wrong with it (checked before the core is)."""
    kind = kind.strip()
    if not kind:
        return "the type is empty: one of the triggers above, or any event type"
    try:
        payload = json.loads(payload_text) if payload_text.strip() else {}
    except json.JSONDecodeError as exc:
        return f"payload: not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    body: dict = {"type": kind, "payload": payload}
    if event_id.strip():
        body["id"] = event_id.strip()
    if source.strip():
        body["source"] = source.strip()
    return body


def check_text(answer: dict) -> Text:
    """What `POST /flows/check` said, for the form: the steps it would run, and refusals."""
    text = Text()
    matched = answer.get("matched") or []
    if matched:
        names = ", ".join(f"{m['flow']}/{m['step']}" for m in matched)
        text.append(f"runs {printable(names, 300)}", style="green")
    else:
        text.append("runs no step", style="yellow")
    for refused in answer.get("unmatched") or []:
        where = printable(f"{refused['flow']}/{refused['step']}", 80)
        text.append(f"\n{where}: {printable(refused['reason'], 300)}", style="red")
    return text


class DispatchScreen(ModalScreen[dict | None]):
    """Type, payload, id and source; ctrl+s (or the button) dispatches, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="flow-dispatch.cancel"),
        Binding("ctrl+s", "dispatch", "Dispatch", id="flow-dispatch.send"),
    ]

    def __init__(self, types: list[str], kind: str = "") -> None:
        super().__init__()
        self.types = types
        self.kind = kind or (types[0] if types else "")
        self.body: dict | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="flow-dispatch", classes="dialog"):
            yield Label("Dispatch a flow event", classes="title")
            known = ", ".join(self.types) if self.types else "none declared yet"
            yield Label(printable(f"Type (the flows' triggers: {known})", 300), markup=False)
            yield Input(self.kind, id="flow-type")
            yield Label("Payload (JSON)")
            yield TextArea("{}", language="json", id="flow-payload")
            with Horizontal(classes="options"):
                yield Input(placeholder="id (default: a new one)", id="flow-id")
                yield Input(placeholder="source (optional)", id="flow-source")
            yield Static("", id="flow-check")
            with Horizontal(classes="buttons"):
                yield Button("Dispatch (ctrl+s)", variant="primary", id="flow-send")
                yield Button("Cancel", id="flow-cancel")

    def on_mount(self) -> None:
        self.query_one("#flow-payload", TextArea).focus()
        self.changed()

    def _form(self) -> dict | str:
        return event_body(
            self.query_one("#flow-type", Input).value,
            self.query_one("#flow-payload", TextArea).text,
            self.query_one("#flow-id", Input).value,
            self.query_one("#flow-source", Input).value,
        )

    @on(Input.Changed)
    @on(TextArea.Changed)
    def changed(self) -> None:
        """Check the form as the user types: locally at once, against the schemas soon."""
        found = self._form()
        note = self.query_one("#flow-check", Static)
        self.body = found if isinstance(found, dict) else None
        self.query_one("#flow-send", Button).disabled = self.body is None
        if self.body is None:
            note.update(Text(found, style="red"))
            return
        self.check_soon(self.body)

    @work(exclusive=True, group="flow-check")
    async def check_soon(self, body: dict) -> None:
        await asyncio.sleep(CHECK_DELAY)  # a pause in the typing, not every key
        check = {"type": body["type"], "payload": body["payload"]}
        answer = await self.app.ask_core("POST", "/flows/check", check, title="flows")
        if answer is not None and self.body is not None and self.body["type"] == body["type"]:
            self.query_one("#flow-check", Static).update(check_text(answer))

    @on(Button.Pressed, "#flow-send")
    def action_dispatch(self) -> None:
        if self.body is not None:
            self.dismiss({"id": f"dash-{uuid.uuid4().hex[:12]}", **self.body})

    @on(Button.Pressed, "#flow-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
