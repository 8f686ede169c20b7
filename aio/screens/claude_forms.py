"""The Claude screen's dialogs: a new session (folder, model, first prompt), and a yes/no."""

from __future__ import annotations

import os
import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}")  # what the core accepts


def session_request(folder: str, model: str, prompt: str) -> dict | str:
    """The body of `POST /claude/sessions` the form describes, or what is wrong with it."""
    folder = os.path.expanduser(folder.strip())
    if not folder:
        return "the folder is empty"
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        return f"{folder} is not a folder"
    body: dict = {"cwd": folder}
    model = model.strip()
    if model:
        if not MODEL.fullmatch(model):
            return f"'{model}' is not a model name"
        body["model"] = model
    if prompt.strip():
        body["prompt"] = prompt
    return body


class NewSessionScreen(ModalScreen[dict | None]):
    """Folder (the current one unless changed), model (optional), first prompt (optional)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="claude-new.cancel")]

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder
        self.body: dict | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="claude-new", classes="dialog"):
            yield Label("New Claude session", classes="title")
            yield Label("Folder")
            yield Input(self.folder, id="claude-folder")
            yield Label("Model (optional: the CLI's default)")
            yield Input(placeholder="sonnet", id="claude-model")
            yield Label("First prompt (optional)")
            yield Input(placeholder="what should Claude do?", id="claude-prompt")
            yield Static("", id="claude-check")
            with Horizontal(classes="buttons"):
                yield Button("Start", variant="primary", id="claude-start")
                yield Button("Cancel", id="claude-cancel")

    def on_mount(self) -> None:
        self.query_one("#claude-prompt", Input).focus()
        self.check()

    @on(Input.Changed)
    def check(self) -> None:
        """Check the form as the user types; say what is wrong."""
        found = session_request(
            self.query_one("#claude-folder", Input).value,
            self.query_one("#claude-model", Input).value,
            self.query_one("#claude-prompt", Input).value,
        )
        self.body = found if isinstance(found, dict) else None
        note = self.query_one("#claude-check", Static)
        note.update("" if self.body else f"[red]{found}[/red]")
        self.query_one("#claude-start", Button).disabled = self.body is None

    @on(Input.Submitted)
    @on(Button.Pressed, "#claude-start")
    def start(self) -> None:
        if self.body is not None:
            self.dismiss(self.body)

    @on(Button.Pressed, "#claude-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A question: Enter or y confirms, Escape or n does not."""

    BINDINGS = [
        Binding("enter,y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Label(self.question, classes="title")
            yield Label("Enter or y: yes · Escape or n: no", classes="subtitle")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
