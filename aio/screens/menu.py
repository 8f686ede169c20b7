"""The task menu (`m`): pick task files to run; variables are prompted with a live preview."""

from __future__ import annotations

import re

from rich.segment import Segment
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.selection_list import Selection

from aio.client.core_client import CoreError, CoreUnavailable

_REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TICK = "✓"


def task_name(task: dict, values: dict[str, str] | None = None) -> str:
    """A task's name as it will run: each `{{variable}}` filled from `values`, else its default,
    else shown as `‹variable›` (a template's name is not `greet-{{who}}`)."""
    known = {**(task.get("variables") or {}), **(values or {})}

    def fill(match: re.Match) -> str:
        value = known.get(match.group(1))
        return f"‹{match.group(1)}›" if value is None else value

    return _REFERENCE.sub(fill, task["name"])


def task_label(task: dict) -> str:
    """A menu line: the task's name, its worktree and variables, and where it comes from."""
    marks = []
    if task.get("repo"):
        marks.append("⎇ worktree")
    if task.get("variables"):
        marks.append("{} " + ", ".join(task["variables"]))
    origin = "example" if task.get("origin") == "example" else task["path"]
    extra = f"  [{' · '.join(marks)}]" if marks else ""
    return f"{task_name(task)}{extra}  — {origin}"


class TaskList(SelectionList):
    """A SelectionList whose box is empty for an entry not picked and ticked for one picked
    (Textual draws an `X` in both, only the colour differs: every entry looked ticked)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        option = self.get_option_at_index(self.scroll_offset.y + y)
        picked = option.value in self._selected
        segments[1] = Segment(TICK if picked else " ", segments[1].style)
        return Strip(segments, strip.cell_length)


class MenuScreen(ModalScreen[list[dict] | None]):
    """Lists task files (watch folders, then packaged examples); returns the picked ones."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="menu.cancel"),
        Binding("enter", "run", "Run", id="menu.run", priority=True),
    ]

    def __init__(self, tasks: list[dict]) -> None:
        super().__init__()
        self.tasks = tasks

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-dialog", classes="dialog"):
            yield Label("Run tasks — space picks, enter runs, escape cancels", classes="title")
            if self.tasks:
                yield TaskList(
                    *(Selection(task_label(t), i) for i, t in enumerate(self.tasks)),
                    id="menu-list",
                )
            else:
                yield Label("No task files: drop one into the watch folder.", id="menu-empty")
            with Horizontal(classes="buttons"):
                yield Button("Run", variant="primary", id="menu-run")
                yield Button("Cancel", id="menu-cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_run(self) -> None:
        if not self.tasks:
            self.dismiss(None)
            return
        listing = self.query_one(SelectionList)
        picked = list(listing.selected)
        if not picked and listing.highlighted is not None:
            picked = [listing.highlighted]  # enter on one row runs that row
        self.dismiss([self.tasks[i] for i in picked] or None)

    @on(Button.Pressed, "#menu-run")
    def _run_pressed(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#menu-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class VariablesScreen(ModalScreen[dict[str, str] | None]):
    """Prompts for each variable (prefilled with its default) and shows the resolved steps."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="variables.cancel")]

    def __init__(self, task: dict) -> None:
        super().__init__()
        self.task_info = task
        self.names = list(task.get("variables") or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="variables-dialog", classes="dialog"):
            yield Label(
                f"Run {task_name(self.task_info)}",
                classes="title",
                id="variables-title",
                markup=False,
            )
            for name in self.names:
                default = self.task_info["variables"].get(name)
                yield Label(name)
                yield Input(
                    value=default or "", placeholder=_placeholder(default), id=f"var-{name}"
                )
            yield Label("Steps that will run:", classes="subtitle")
            with VerticalScroll(id="variables-preview-box"):
                yield Static("", id="variables-preview")
            with Horizontal(classes="buttons"):
                yield Button("Run", variant="primary", id="variables-run")
                yield Button("Cancel", id="variables-cancel")

    def on_mount(self) -> None:
        self.refresh_preview()

    def values(self) -> dict[str, str]:
        """The values typed; an empty field is left out, so it takes its default (the
        placeholder shows it), or the core says the variable is missing."""
        typed = {name: self.query_one(f"#var-{name}", Input).value for name in self.names}
        return {name: value for name, value in typed.items() if value}

    @on(Input.Changed)
    def _changed(self) -> None:
        self.refresh_preview()

    @work(exclusive=True, group="variables-preview")
    async def refresh_preview(self) -> None:
        """Ask the core to resolve the task with these values; show the steps or the error."""
        preview = self.query_one("#variables-preview", Static)
        body = {"path": self.task_info["path"], "vars": self.values()}
        try:
            answer = await self.app.core.request("POST", "/tasks/preview", body)
        except (CoreError, CoreUnavailable) as exc:
            preview.update(f"[red]{_escape(str(exc))}[/red]")
            self.query_one("#variables-run", Button).disabled = True
            return
        task = answer["task"]
        self.query_one("#variables-title", Label).update(f"Run {task['name']}")
        lines = [f"[b]{_escape(task['name'])}[/b]"]
        if task.get("repo"):
            lines.append(
                f"in a worktree of {_escape(task['repo'])} @ {task.get('branch') or 'HEAD'}"
            )
        for i, step in enumerate(task["steps"], 1):
            lines.append(f"{i}. {_escape(step['desc'])}\n   [dim]$ {_escape(step['cmd'])}[/dim]")
        preview.update("\n".join(lines))
        self.query_one("#variables-run", Button).disabled = False

    @on(Input.Submitted)
    @on(Button.Pressed, "#variables-run")
    def _run(self) -> None:
        """Run (the button, or Enter in any field) unless the preview found a problem."""
        if not self.query_one("#variables-run", Button).disabled:
            self.dismiss(self.values())

    @on(Button.Pressed, "#variables-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _placeholder(default: str | None) -> str:
    """What an emptied field says: the default it then takes, or that it needs a value."""
    if default is None:
        return "(no default: a value is required)"
    return f"(empty: takes the default {default!r})"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
