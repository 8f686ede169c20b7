"""The add/edit todo form: live validation with the same grammar as `t +Title 2h 1h`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from aio.todos.grammar import (
    ACCEPTED_FORMS,
    AddTodo,
    TodoGrammarError,
    build_add,
    parse_deadline,
)
from aio.todos.model import relative_time

HINT = "Type a title; the deadlines may stay empty. Enter saves, Escape cancels."


@dataclass(frozen=True)
class TodoFormResult:
    """What the form saves: a title and the two deadlines (timestamps or None)."""

    title: str
    deadline: float | None
    virtual_deadline: float | None


def deadline_text(when: float | None) -> str:
    """A timestamp as a deadline the form accepts back (local `YYYY-MM-DDTHH:MM`)."""
    if when is None:
        return ""
    return datetime.fromtimestamp(when).strftime("%Y-%m-%dT%H:%M")


class TodoFormScreen(ModalScreen[TodoFormResult | None]):
    """Title, real deadline, virtual deadline; Save is enabled only for valid input."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="todo-form.cancel")]

    def __init__(self, todo: dict | None = None, clock: Callable[[], float] = time.time):
        super().__init__()
        self.todo = todo
        self.clock = clock
        self.result: AddTodo | None = None
        self.typed = False  # no error is shown until the user has typed

    def compose(self) -> ComposeResult:
        todo = self.todo or {}
        heading = f"Edit todo {todo['id']}" if self.todo else "Add a todo"
        with Vertical(id="todo-form", classes="dialog"):
            yield Label(heading, classes="title")
            yield Label("Title")
            yield Input(todo.get("title", ""), placeholder="Fix bug", id="todo-title")
            yield Label("Deadline (optional)")
            yield Input(deadline_text(todo.get("deadline")), placeholder="2h", id="todo-deadline")
            yield Label("Virtual deadline (optional, not later than the deadline)")
            yield Input(
                deadline_text(todo.get("virtual_deadline")),
                placeholder="1h",
                id="todo-virtual",
            )
            yield Static("", id="todo-check")
            yield Label(f"Deadlines: {ACCEPTED_FORMS}", classes="subtitle")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="todo-save", disabled=True)
                yield Button("Cancel", id="todo-cancel")

    def on_mount(self) -> None:
        self.query_one("#todo-title", Input).focus()
        self.validate_form()

    @on(Input.Changed)
    def _typed(self) -> None:
        self.typed = True
        self.validate_form()

    def validate_form(self) -> None:
        """Check the form as the user types; show what will be saved, or what is wrong (a
        hint instead, until something is typed)."""
        title = self.query_one("#todo-title", Input).value
        tokens = [
            value.strip()
            for value in (
                self.query_one("#todo-deadline", Input).value,
                self.query_one("#todo-virtual", Input).value,
            )
        ]
        check = self.query_one("#todo-check", Static)
        save = self.query_one("#todo-save", Button)
        try:
            if tokens[1] and not tokens[0]:
                raise TodoGrammarError("a virtual deadline needs a deadline too")
            self.result = self._build(title, tokens)
        except TodoGrammarError as exc:
            self.result = None
            save.disabled = True
            if self.typed:
                check.update(f"[red]{escape(str(exc))}[/red]")
            else:
                check.update(f"[dim]{HINT}[/dim]")
            return
        check.update(self._describe(self.result))
        save.disabled = False

    def _build(self, title: str, tokens: list[str]) -> AddTodo:
        """The todo the form describes. A deadline left as it was keeps its exact time, even
        if it has passed, so fixing a title never forces a new deadline."""
        now = datetime.fromtimestamp(self.clock())
        checked = build_add(title, [], now)
        todo = self.todo or {}
        times = []
        for text, key in zip(tokens, ("deadline", "virtual_deadline"), strict=True):
            original = todo.get(key)
            if not text:
                times.append(None)
            elif original is not None and text == deadline_text(original):
                times.append(original)
            else:
                times.append(parse_deadline(text, now))
        real, virtual = times
        if real is not None and virtual is not None and virtual > real:
            raise TodoGrammarError(
                "the virtual deadline is later than the real one; "
                "the virtual (self-imposed) deadline must not be later"
            )
        return AddTodo(checked.title, real, virtual)

    def _describe(self, todo: AddTodo) -> str:
        now = self.clock()
        parts = [f"[green]✓[/green] {escape(todo.title)}"]
        for label, when in (("due", todo.deadline), ("virtual", todo.virtual_deadline)):
            if when is not None:
                stamp = datetime.fromtimestamp(when).strftime("%a %d %b %H:%M")
                parts.append(f"{label} {stamp} ({relative_time(when, now)})")
        return " · ".join(parts)

    @on(Input.Submitted)
    @on(Button.Pressed, "#todo-save")
    def save(self) -> None:
        if self.result is not None:
            self.dismiss(
                TodoFormResult(
                    self.result.title, self.result.deadline, self.result.virtual_deadline
                )
            )

    @on(Button.Pressed, "#todo-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
