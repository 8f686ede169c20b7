"""The Worklets screen: worklets with live status; the selected one's output (its build while
it builds, else its server) or its key-value store (namespaces, keys, a value); keys to add,
start, stop, restart, pull, prompt, propose, open and remove worklets."""

from __future__ import annotations

import json
from urllib.parse import quote

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static, Tree

from aio.screens import messages
from aio.screens.claude_forms import SendScreen
from aio.screens.confirm import ConfirmScreen
from aio.screens.job_preview import PreviewScreen
from aio.screens.wording import dashboard_wording
from aio.screens.worklet_forms import NewWorkletScreen, RemoveWorkletScreen
from aio.text.printable import printable
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.terminal import TerminalView
from aio.widgets.worklet_table import WorkletTable

EMPTY = (
    "Worklets are prototypes from git repositories: aio clones one, builds and runs it as a "
    "job on a loopback port of its own, with a key-value store of its own.\n"
    "Press n to add one (a git URL or a local folder); ? lists every key of this screen."
)
KEYS_SHOWN = 1000  # keys listed per namespace in the store view
VALUE_CHARS = 200_000  # of a value's JSON shown; `aio kv W get` prints it all
RELOADS = (messages.WorkletsLoaded, messages.CoreConnected, messages.CoreDisconnected)


def value_text(value: object) -> str:
    """A stored value as indented JSON, each line made printable (the value is the
    worklet's, so untrusted), cut at VALUE_CHARS."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    cut = len(text) > VALUE_CHARS
    lines = [printable(line) for line in text[:VALUE_CHARS].splitlines()]
    if cut:
        lines.append(f"… ({len(text)} characters; aio kv prints all of it)")
    return "\n".join(lines)


class WorkletsScreen(PreviewScreen):
    """Worklets: select a row to watch its output live (v: its key-value store instead)."""

    BINDINGS = [
        Binding("n", "new", "New", id="worklets.new"),
        Binding("a", "attach", "Attach", id="worklets.attach"),
        Binding("s", "start", "Start", id="worklets.start"),
        Binding("K", "stop", "Stop", id="worklets.stop"),
        Binding("e", "restart", "Restart", id="worklets.restart"),
        Binding("u", "pull", "Pull", id="worklets.pull"),
        Binding("p", "prompt", "Prompt", id="worklets.prompt"),
        Binding("P", "propose", "PR", id="worklets.pr"),
        Binding("o", "open", "Open", id="worklets.open"),
        Binding("l", "log", "Log", id="worklets.log"),
        Binding("x", "remove", "Remove", id="worklets.remove"),
        Binding("v", "toggle_store", "Store", id="worklets.store"),
        Binding("colon", "command", "Command", id="worklets.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_store = False
        self._preview_job: int | None = None
        self._store_of: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="worklets-body"):
            yield WorkletTable(clock=self.app.clock, id="worklets-table")
            yield Static(EMPTY, id="worklets-empty")
            yield Static("", id="worklets-note", markup=False)
            yield TerminalView(id="preview")
            with Horizontal(id="worklet-store"):
                yield Tree("namespaces", id="kv-tree")
                with VerticalScroll(id="kv-value-box"):
                    yield Static("select a key", id="kv-value", markup=False)
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    @property
    def table(self) -> WorkletTable:
        return self.query_one(WorkletTable)

    @property
    def preview(self) -> TerminalView:
        return self.query_one(TerminalView)

    def on_mount(self) -> None:
        self.app.core_signal.subscribe(self, self._on_core_event)
        self.query_one("#kv-tree", Tree).show_root = False
        self._load_state()
        self.table.focus()

    def _load_state(self) -> None:
        self.table.load(list(self.app.worklets.values()))
        self.table.set_class(not self.app.connected, "-stale")
        self._show_selected()

    def _on_core_event(self, message) -> None:
        if isinstance(message, messages.WorkletChanged):
            self.table.upsert(message.worklet)
            self._show_selected()
        elif isinstance(message, messages.WorkletRemoved):
            self.table.remove(str(message.number))
            self._show_selected()
        elif isinstance(message, RELOADS):
            self._load_state()

    # The selected worklet: its output, or its store

    @on(DataTable.RowHighlighted, "#worklets-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        empty = not self.table.records
        self.query_one("#worklets-empty").display = empty
        self.table.display = not empty
        worklet = self.table.selected
        job = _shown_job(worklet)
        note = self.query_one("#worklets-note", Static)
        note.display = worklet is not None and (job is None or bool(worklet.get("error")))
        if worklet is not None:
            note.update(_note_line(worklet, job))
        store = worklet is not None and self.show_store
        self.query_one("#worklet-store").display = store
        self.preview.display = worklet is not None and not store and job is not None
        if store and self._store_of != worklet["id"]:
            self._store_of = worklet["id"]
            self.load_namespaces(worklet["id"])
        if not self.preview.display:
            self._preview_job = None
            self.stop_preview()
            return
        self.preview.border_title = f"worklet {worklet['name']} · job #{job} · {worklet['status']}"
        if job != self._preview_job and self.app.connected:
            self._preview_job = job
            self.stream_preview(job)

    @work(exclusive=True, group="worklet-preview")
    async def stream_preview(self, job_id: int) -> None:
        await self._feed.follow(self.preview, job_id)

    @work(exclusive=True, group="worklet-preview")
    async def stop_preview(self) -> None:
        await self._feed.stop()

    # The store view: namespaces, their keys (loaded when opened), a key's value

    async def _kv(self, number: int, method: str, params: dict) -> dict | None:
        path = f"/kv/worklets/{number}/{method}"
        return await self.app.ask_core("POST", path, params, title="store")

    @work(exclusive=True, group="worklet-store")
    async def load_namespaces(self, number: int) -> None:
        tree = self.query_one("#kv-tree", Tree)
        tree.clear()
        self.query_one("#kv-value", Static).update("select a key")
        answer = await self._kv(number, "listNamespaces", {})
        if answer is None or self._store_of != number:
            return
        if not answer["result"]:
            tree.root.add_leaf("(the store is empty)")
        for namespace in answer["result"]:
            node = tree.root.add(printable(namespace), data=("ns", number, namespace))
            node.add_leaf("…")  # so it can be opened; replaced by its keys when it is

    @on(Tree.NodeExpanded, "#kv-tree")
    def _namespace_opened(self, event: Tree.NodeExpanded) -> None:
        data = event.node.data
        if data and data[0] == "ns":
            self.load_keys(event.node)

    @work(group="worklet-store-keys")
    async def load_keys(self, node) -> None:
        _, number, namespace = node.data
        answer = await self._kv(number, "list", {"namespace": namespace, "limit": KEYS_SHOWN})
        if answer is None:
            return
        node.remove_children()
        for key in answer["result"]:
            node.add_leaf(printable(key), data=("key", number, namespace, key))
        if len(answer["result"]) == KEYS_SHOWN:
            node.add_leaf(f"… the first {KEYS_SHOWN} keys (aio kv ls shows every one)")

    @on(Tree.NodeSelected, "#kv-tree")
    def _key_selected(self, event: Tree.NodeSelected) -> None:
        data = event.node.data
        if data and data[0] == "key":
            self.load_value(*data[1:])

    @work(exclusive=True, group="worklet-store-value")
    async def load_value(self, number: int, namespace: str, key: str) -> None:
        answer = await self._kv(number, "get", {"namespace": namespace, "key": key})
        view = self.query_one("#kv-value", Static)
        if answer is None:
            return
        if not answer.get("found"):
            view.update(f"{printable(namespace)}/{printable(key)}: gone (removed since listed)")
            return
        view.update(f"{printable(namespace)} / {printable(key)}\n\n{value_text(answer['result'])}")

    def action_toggle_store(self) -> None:
        self.show_store = not self.show_store
        self._store_of = None
        self._show_selected()
        if self.show_store:
            self.query_one("#kv-tree", Tree).focus()
        else:
            self.table.focus()

    # Actions

    def _selected(self) -> dict | None:
        worklet = self.table.selected
        if worklet is None:
            self.notify("no worklet selected", severity="warning", title="worklets")
        return worklet

    async def _act(self, verb: str, body: dict | None = None, done: str = "") -> dict | None:
        worklet = self._selected()
        if worklet is None:
            return None
        path = f"/worklets/{worklet['id']}/{verb}"
        answer = await self.app.ask_core("POST", path, body or {}, title="worklets")
        if answer is not None and done:
            self.notify(f"worklet {worklet['name']}: {done}", title="worklets", timeout=4)
        return answer

    @work(group="worklet-new")
    async def action_new(self) -> None:
        body = await self.app.push_screen_wait(NewWorkletScreen())
        if body is None:
            return
        answer = await self.app.ask_core("POST", "/worklets", body, title="worklets")
        if answer is not None:
            worklet = answer["worklet"]
            self.notify(f"worklet {worklet['id']} ({worklet['name']}) added", title="worklets")

    async def action_attach(self) -> None:
        worklet = self._selected()
        job = _shown_job(worklet) if worklet else None
        if worklet is None:
            return
        if job is None:
            self.notify("it has no job yet: start it (s)", severity="warning")
            return
        await self.app.actions.attach(str(job))

    @work(group="worklet-act")
    async def action_start(self) -> None:
        await self._act("start", done="starting")

    @work(group="worklet-act")
    async def action_stop(self) -> None:
        worklet = self._selected()
        if worklet is None:
            return
        question = f"Stop worklet {worklet['id']} ({worklet['name']})?"
        if await self.app.push_screen_wait(ConfirmScreen(question)):
            await self._act("stop", done="stopped")

    @work(group="worklet-act")
    async def action_restart(self) -> None:
        await self._act("restart", done="restarting")

    @work(group="worklet-act")
    async def action_pull(self) -> None:
        await self._act("pull", done="pulled; rebuilding")

    @work(group="worklet-prompt")
    async def action_prompt(self) -> None:
        worklet = self._selected()
        if worklet is None:
            return
        hint = "a Claude session works in its clone; the worklet restarts when it ends"
        text = await self.app.push_screen_wait(SendScreen(f"Prompt {worklet['name']}", hint))
        if text is not None:
            answer = await self._act("prompt", {"text": text})
            if answer is not None:
                number = answer["session"]["id"]
                self.notify(f"claude session {number} works on {worklet['name']} (4 shows it)")

    @work(group="worklet-pr")
    async def action_propose(self) -> None:
        worklet = self._selected()
        if worklet is None:
            return
        hint = "its changes are committed to a new branch and pushed to its remote"
        title = await self.app.push_screen_wait(SendScreen(f"PR title for {worklet['name']}", hint))
        if title is None:
            return
        answer = await self._act("pr", {"title": title})
        if answer is not None:
            where = answer.get("pr") or f"branch {answer['branch']} pushed"
            why = f" (no PR: {answer['pr_error']})" if answer.get("pr_error") else ""
            self.notify(f"worklet {worklet['name']}: {where}{why}", title="worklets", timeout=10)

    def action_open(self) -> None:
        worklet = self._selected()
        if worklet is None:
            return
        if not worklet.get("url"):
            self.notify(f"it is {worklet['status']}: no URL (s starts it)", severity="warning")
            return
        self.app.copy_to_clipboard(worklet["url"])
        self.notify(f"{worklet['url']} (copied)", title=f"worklet {worklet['name']}", timeout=10)

    def action_log(self) -> None:
        worklet = self._selected()
        job = _shown_job(worklet) if worklet else None
        if worklet is not None and job is None:
            self.notify("it has no job yet: start it (s)", severity="warning")
        elif job is not None:
            self.app.open_log(str(job))

    @work(group="worklet-remove")
    async def action_remove(self) -> None:
        worklet = self._selected()
        if worklet is None:
            return
        choice = await self.app.push_screen_wait(RemoveWorkletScreen(worklet))
        if choice is None:
            return
        path = f"/worklets/{quote(str(worklet['id']))}" + ("?data=1" if choice == "data" else "")
        if await self.app.ask_core("DELETE", path, title="worklets") is not None:
            kept = "" if choice == "data" else "; its KV data is kept"
            self.notify(f"worklet {worklet['name']} removed{kept}", title="worklets")

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()


def _shown_job(worklet: dict | None) -> int | None:
    """The job to watch: its build while it builds, else its server (else the last build)."""
    if worklet is None:
        return None
    if worklet["status"] in ("creating", "building") and worklet.get("build_job"):
        return worklet["build_job"]
    return worklet.get("run_job") or worklet.get("build_job")


def _note_line(worklet: dict, job: int | None) -> str:
    if worklet.get("error"):
        return f"worklet {worklet['name']}: {printable(dashboard_wording(worklet['error']), 300)}"
    return f"worklet {worklet['name']} is {worklet['status']}; no job yet (s starts it)"
