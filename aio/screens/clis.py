"""The CLIs screen: installed and discovered external CLIs; run one as a job, doctor, uninstall."""

from __future__ import annotations

import shlex

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from aio.client.core_client import CoreError, CoreUnavailable
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter

EMPTY_TEXT = """\
[b]No external CLIs yet.[/b]

An external CLI is a command-line tool of your own (Go, Rust, Python, Node, ...) that aio
knows by an id: a folder with a [b]flow-tool.toml[/b] manifest saying how to build and run it.
aio runs it in its own folder with your arguments unchanged, here as a job or from a shell
with [b]aio cli ID -- ARGS[/b], and checks that it still works ([b]aio cli doctor ID[/b]).

To add one, from a shell:
  [b]aio install ~/code/my-tool[/b]     link a local folder (never copied)
  [b]aio install cli_01J...[/b]         install from the CLI catalog (the [b]cli_catalog[/b]
                                 setting, or AIO_CLI_CATALOG): checked, unpacked privately
Folders under [b]cli_dev_roots[/b] (default ~/code/lang/*/cli/*) are found without installing.
The list here follows at once.
"""


class RunArgumentsScreen(ModalScreen[list[str] | None]):
    """Prompts for a tool's arguments, split like a shell would (quotes group words)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cli-args.cancel")]

    def __init__(self, tool_id: str) -> None:
        super().__init__()
        self.tool_id = tool_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Run {self.tool_id} as a job", classes="title")
            yield Label("Arguments (quote words with spaces):")
            yield Input(placeholder='browse --repo "~/my repo"', id="cli-args")
            yield Static("", id="cli-args-check")
            with Horizontal(classes="buttons"):
                yield Button("Run", variant="primary", id="cli-args-run")
                yield Button("Cancel", id="cli-args-cancel")

    def _split(self) -> list[str] | None:
        check = self.query_one("#cli-args-check", Static)
        try:
            args = shlex.split(self.query_one("#cli-args", Input).value)
        except ValueError as exc:
            check.update(f"[red]{escape(str(exc))}[/red]")
            return None
        check.update(escape(" ".join(f"[{a}]" for a in args)) if args else "(no arguments)")
        return args

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#cli-args-run", Button).disabled = self._split() is None

    @on(Input.Submitted)
    @on(Button.Pressed, "#cli-args-run")
    def _run(self) -> None:
        args = self._split()
        if args is not None:
            self.dismiss(args)

    @on(Button.Pressed, "#cli-args-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class DoctorScreen(ModalScreen[None]):
    """The full doctor of one tool."""

    BINDINGS = [Binding("escape,enter", "close", "Close", id="cli-doctor.close")]

    def __init__(self, tool_id: str, checks: list[dict]) -> None:
        super().__init__()
        self.tool_id = tool_id
        self.checks = checks

    def compose(self) -> ComposeResult:
        lines = [
            f"{'[green]ok[/green] ' if c['ok'] else '[red]BAD[/red]'} {c['name']:<9} "
            f"{escape(c['detail'])}"
            for c in self.checks
        ]
        with Vertical(classes="dialog"):
            yield Label(f"Doctor: {self.tool_id}", classes="title")
            yield Static("\n".join(lines), id="cli-doctor-report")
            with Horizontal(classes="buttons"):
                yield Button("Close", variant="primary", id="cli-doctor-close")

    @on(Button.Pressed, "#cli-doctor-close")
    def action_close(self) -> None:
        self.dismiss(None)


class ClisScreen(Screen):
    """The registry: id, kind, version, path, health, conflicts."""

    BINDINGS = [
        Binding("r", "run", "Run as job", id="clis.run"),
        Binding("d", "doctor", "Doctor", id="clis.doctor"),
        Binding("u", "uninstall", "Uninstall", id="clis.uninstall"),
        Binding("colon", "command", "Command", id="clis.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tools: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="cli-table")
        yield Static(EMPTY_TEXT, id="clis-empty")
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Id", "Kind", "Version", "Health", "Path", "Conflicts"):
            table.add_column(label, key=label.lower())
        self.query_one("#clis-empty").display = False
        self.app.core_signal.subscribe(self, self._on_core_event)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def _on_core_event(self, message) -> None:
        from aio.screens import messages

        if isinstance(message, messages.ClisChanged | messages.CoreConnected):
            self.reload()

    @work(exclusive=True, group="clis-load")
    async def reload(self) -> None:
        try:
            self.tools = (await self.app.core.request("GET", "/clis"))["clis"]
        except (CoreError, CoreUnavailable) as exc:
            self.sub_title = f"CLIs unavailable: {exc}"
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for tool in self.tools:
            bad = [c["name"] for c in tool["checks"] if not c["ok"]]
            health = (
                Text("ok", style="green")
                if not bad
                else Text("bad: " + ", ".join(bad), style="bold red")
            )
            if tool["problem"]:
                health = Text("broken", style="bold red")
            table.add_row(
                tool["id"],
                tool["kind"],
                tool["version"] or "-",
                health,
                tool["source_root"],
                "; ".join(tool["conflicts"]) or "-",
            )
        if row is not None and self.tools:
            table.move_cursor(row=min(row, len(self.tools) - 1))
        count = len(self.tools)
        self.sub_title = f"{count} CLI{'s' * (count != 1)} · aio install PATH adds one"
        self._show_empty(count == 0)

    def _show_empty(self, empty: bool) -> None:
        """With no CLIs, say what they are and how to add one instead of an empty table."""
        table = self.query_one(DataTable)
        self.query_one("#clis-empty").display = empty
        table.display = not empty
        if not empty and self.focused is None:
            table.focus()

    def _selected(self) -> dict | None:
        row = self.query_one(DataTable).cursor_row
        if not self.tools or row is None or not 0 <= row < len(self.tools):
            self.notify("no CLI is selected (aio install PATH adds one)", title="CLIs")
            return None
        return self.tools[row]

    def action_run(self) -> None:
        tool = self._selected()
        if tool is None:
            return

        async def run(args: list[str] | None) -> None:
            if args is None:
                return
            import os

            body = {"args": args, "cwd": os.getcwd()}
            answer = await self.app.ask_core("POST", f"/clis/{tool['id']}/run", body, title="CLIs")
            if answer:
                job = answer["job"]
                self.notify(f"job {job['id']} runs {tool['id']}: a {job['id']} attaches")

        self.app.push_screen(RunArgumentsScreen(tool["id"]), run)

    @work(exclusive=True, group="clis-doctor")
    async def action_doctor(self) -> None:
        tool = self._selected()
        if tool is None:
            return
        self.notify(f"checking {tool['id']}…", title="CLIs", timeout=2)
        answer = await self.app.ask_core("POST", f"/clis/{tool['id']}/doctor", title="CLIs")
        if answer:
            await self.app.push_screen(DoctorScreen(tool["id"], answer["checks"]))

    def action_uninstall(self) -> None:
        """Uninstall the selected CLI, after asking (Enter or y; any other key keeps it)."""
        from aio.screens.confirm import ConfirmScreen

        tool = self._selected()
        if tool is None:
            return

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            path = f"/clis/{tool['id']}"
            answer = await self.app.ask_core("DELETE", path, title="CLI not uninstalled")
            if answer:
                self.notify(f"uninstalled {answer['uninstalled']}", title="CLI uninstalled")

        if tool["kind"] == "dev":  # nothing to destroy: the core says why it refuses
            self.run_worker(answered(True), group="clis-uninstall")
            return
        what = _uninstall_detail(tool)
        self.app.push_screen(ConfirmScreen(f"Uninstall {tool['id']}?", what), answered)

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()


def _uninstall_detail(tool: dict) -> str:
    """What uninstalling does to this tool's files, as the question's detail."""
    if tool["kind"] == "link":
        return f"aio forgets the link; {tool['source_root']} itself is left alone."
    return f"Its installed copy ({tool['source_root']}) is removed."
