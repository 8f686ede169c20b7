"""The task menu (`m`): pick task files to run; variables are prompted with a live preview."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from aio.client.core_client import CoreError, CoreUnavailable


def task_label(task: dict) -> str:
    marks = []
    if task.get("repo"):
        marks.append("⎇ worktree")
    if task.get("variables"):
        marks.append("{} " + ", ".join(task["variables"]))
    origin = "example" if task.get("origin") == "example" else task["path"]
    extra = f"  [{' · '.join(marks)}]" if marks else ""
    return f"{task['name']}{extra}  — {origin}"


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
                yield SelectionList[int](
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
            yield Label(f"Run {self.task_info['name']}", classes="title")
            for name in self.names:
                default = self.task_info["variables"].get(name)
                yield Label(name)
                yield Input(
                    value=default or "",
                    placeholder="(no default: a value is required)",
                    id=f"var-{name}",
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
        """The values typed; an empty field without a default is left out, so the core says
        the variable is missing instead of taking an empty string."""
        defaults = self.task_info["variables"]
        typed = {name: self.query_one(f"#var-{name}", Input).value for name in self.names}
        return {k: v for k, v in typed.items() if v or defaults.get(k) is not None}

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
        lines = [f"[b]{_escape(task['name'])}[/b]"]
        if task.get("repo"):
            lines.append(
                f"in a worktree of {_escape(task['repo'])} @ {task.get('branch') or 'HEAD'}"
            )
        for i, step in enumerate(task["steps"], 1):
            lines.append(f"{i}. {_escape(step['desc'])}\n   [dim]$ {_escape(step['cmd'])}[/dim]")
        preview.update("\n".join(lines))
        self.query_one("#variables-run", Button).disabled = False

    @on(Button.Pressed, "#variables-run")
    def _run(self) -> None:
        self.dismiss(self.values())

    @on(Button.Pressed, "#variables-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
