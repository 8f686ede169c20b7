"""The Claude screen's dialogs: a new session (folder, worktree and base branch, mode, model,
first prompt), a follow-up to send, and removing a session (the yes/no is
aio.screens.confirm)."""

from __future__ import annotations

import os
import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}")  # what the core accepts


def session_request(
    folder: str,
    model: str,
    prompt: str,
    worktree: bool = False,
    base: str = "",
    headless: bool = False,
) -> dict | str:
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
    base = base.strip()
    if base and not worktree:
        return "a base branch is only for a new worktree (tick it)"
    if base.startswith("-") or " " in base:
        return f"'{base}' is not a branch name"
    if worktree:
        body["worktree"] = True
        if base:
            body["base"] = base
    if headless:
        body["headless"] = True
        if not prompt.strip():
            return "a headless session starts with a prompt"
    if prompt.strip():
        body["prompt"] = prompt
    return body


class NewSessionScreen(ModalScreen[dict | None]):
    """Folder (the current one unless changed), a worktree of its repository on a new branch
    (from a base branch, optional), headless or interactive, model and first prompt."""

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
            with Horizontal(classes="options"):
                yield Checkbox("New git worktree", id="claude-worktree")
                yield Checkbox("Headless (-p: a transcript, no terminal)", id="claude-headless")
            yield Label("Base branch (worktree only; default: the repository's current branch)")
            yield Input(placeholder="main", id="claude-base")
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
    @on(Checkbox.Changed)
    def check(self) -> None:
        """Check the form as the user types; say what is wrong."""
        found = session_request(
            self.query_one("#claude-folder", Input).value,
            self.query_one("#claude-model", Input).value,
            self.query_one("#claude-prompt", Input).value,
            worktree=self.query_one("#claude-worktree", Checkbox).value,
            base=self.query_one("#claude-base", Input).value,
            headless=self.query_one("#claude-headless", Checkbox).value,
        )
        self.body = found if isinstance(found, dict) else None
        note = self.query_one("#claude-check", Static)
        note.update("" if self.body else Text(found, style="red"))
        self.query_one("#claude-start", Button).disabled = self.body is None

    @on(Input.Submitted)
    @on(Button.Pressed, "#claude-start")
    def start(self) -> None:
        if self.body is not None:
            self.dismiss(self.body)

    @on(Button.Pressed, "#claude-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class SendScreen(ModalScreen[str | None]):
    """One follow-up for a session: Enter sends it, Escape does not."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="claude-send.cancel")]

    def __init__(self, title: str, hint: str) -> None:
        super().__init__()
        self.title_line = title
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="claude-send", classes="dialog"):
            yield Label(self.title_line, classes="title", markup=False)
            yield Label(self.hint, classes="subtitle", markup=False)
            yield Input(placeholder="your message (Enter sends, Escape cancels)", id="claude-text")

    def on_mount(self) -> None:
        self.query_one("#claude-text", Input).focus()

    @on(Input.Submitted, "#claude-text")
    def _send(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value)
        else:
            self.notify("nothing to send: type a message, or Escape", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class RemoveScreen(ModalScreen[str | None]):
    """Remove a session: with a worktree, keep it (k) or remove it (r, its branch is kept);
    without one, Enter or y. Escape cancels. Dismisses with "keep", "remove" or None."""

    BINDINGS = [
        Binding("escape,n", "answer(None)", "Cancel", id="claude-rm.cancel"),
        Binding("k", "answer('keep')", "Keep worktree", id="claude-rm.keep"),
        Binding("r", "answer('remove')", "Remove worktree", id="claude-rm.remove"),
        Binding("enter,y", "answer('plain')", "Yes", show=False, id="claude-rm.yes"),
    ]

    def __init__(self, session: dict) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        session = self.session
        with Vertical(id="claude-rm", classes="dialog"):
            yield Label(f"Remove claude session {session['id']}?", classes="title")
            if session.get("worktree"):
                dirty = " It has uncommitted changes." if session.get("dirty") else ""
                yield Label(
                    f"Its worktree {session['worktree']} (branch {session.get('branch')}).{dirty}",
                    markup=False,
                )
                yield Label("k: keep the worktree · r: remove it (the branch is kept) · Escape")
            else:
                yield Label("Enter or y: yes · Escape or n: no", classes="subtitle")

    def action_answer(self, choice: str | None) -> None:
        has_worktree = bool(self.session.get("worktree"))
        if choice == "plain":
            if has_worktree:
                return  # with a worktree the user says which: k or r
            choice = "remove"
        elif choice is not None and not has_worktree:
            return
        self.dismiss(choice)
