"""The Worklets screen's dialogs: a new worklet (repository, branch, name, environment), and
removing one (its clone, and its key-value data only when asked)."""

from __future__ import annotations

import os
import re
import shlex

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")  # what the core accepts


def worklet_request(repo: str, branch: str, name: str, env: str) -> dict | str:
    """The body of `POST /worklets` the form describes, or what is wrong with it."""
    repo = repo.strip()
    if not repo:
        return "the repository is empty: a git URL or a local folder"
    if "://" not in repo and not repo.startswith("git@"):
        repo = os.path.abspath(os.path.expanduser(repo))
        if not os.path.isdir(repo):
            return f"{repo} is not a folder (nor a git URL)"
    body: dict = {"repo": repo}
    if branch.strip():
        body["branch"] = branch.strip()
    if name.strip():
        if not NAME.fullmatch(name.strip()):
            return f"'{name.strip()}' is not a worklet name (letters, digits, _ . -; at most 40)"
        body["name"] = name.strip()
    try:
        words = shlex.split(env)
    except ValueError as exc:
        return f"environment: {exc}"
    values = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not ENV_NAME.fullmatch(key):
            return f"environment: '{word}' is not NAME=VALUE"
        values[key] = value
    if values:
        body["env"] = values
    return body


class NewWorkletScreen(ModalScreen[dict | None]):
    """Repository (URL or folder), branch, name and environment (all but the first optional)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="worklet-new.cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.body: dict | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="worklet-new", classes="dialog"):
            yield Label("New worklet", classes="title")
            yield Label("Repository: a git URL or a local folder")
            yield Input(placeholder="https://github.com/you/app.git or ~/code/app", id="wl-repo")
            yield Label("Branch (optional: the repository's default)")
            yield Input(placeholder="main", id="wl-branch")
            yield Label("Name (optional: from the repository)")
            yield Input(id="wl-name")
            yield Label("Environment (optional): NAME=VALUE ...")
            yield Input(placeholder="DEBUG=1 GREETING='hello there'", id="wl-env")
            yield Static("", id="wl-check")
            with Horizontal(classes="buttons"):
                yield Button("Add", variant="primary", id="wl-add")
                yield Button("Cancel", id="wl-cancel")

    def on_mount(self) -> None:
        self.query_one("#wl-repo", Input).focus()
        self.check()

    @on(Input.Changed)
    def check(self) -> None:
        """Check the form as the user types; say what is wrong."""
        found = worklet_request(*(self.query_one(f"#wl-{f}", Input).value for f in FIELDS))
        self.body = found if isinstance(found, dict) else None
        note = self.query_one("#wl-check", Static)
        note.update("" if self.body else Text(found, style="red"))
        self.query_one("#wl-add", Button).disabled = self.body is None

    @on(Input.Submitted)
    @on(Button.Pressed, "#wl-add")
    def add(self) -> None:
        if self.body is not None:
            self.dismiss(self.body)

    @on(Button.Pressed, "#wl-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


FIELDS = ("repo", "branch", "name", "env")


class RemoveWorkletScreen(ModalScreen[str | None]):
    """Remove a worklet: y removes its clone and keeps its KV data, d removes the data too;
    Escape or n cancels. Dismisses with "keep", "data" or None."""

    BINDINGS = [
        Binding("y,enter", "answer('keep')", "Remove, keep data", id="worklet-rm.keep"),
        Binding("d", "answer('data')", "Remove with its data", id="worklet-rm.data"),
        Binding("escape,n", "answer(None)", "Cancel", id="worklet-rm.cancel"),
    ]

    def __init__(self, worklet: dict) -> None:
        super().__init__()
        self.worklet = worklet

    def compose(self) -> ComposeResult:
        worklet = self.worklet
        with Vertical(id="worklet-rm", classes="dialog"):
            yield Label(f"Remove worklet {worklet['id']} ({worklet['name']})?", markup=False)
            yield Label(f"Its clone {worklet.get('clone')} goes.", markup=False)
            yield Label("y: remove, keep its KV data · d: its KV data too · Escape: no")

    def action_answer(self, choice: str | None) -> None:
        self.dismiss(choice)
