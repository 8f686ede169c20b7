"""The Todos screen: open todos by urgency, with relative times that tick."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header

from aio.client.core_client import CoreError, CoreUnavailable
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.todo_table import TodoTable, todo_cells

__all__ = ["TodoTable", "TodosScreen", "todo_cells"]

TICK_SECONDS = 15.0
FIRST_ROWS = 200  # fetched first, so the top of a long list shows at once


class TodosScreen(Screen):
    """Todos, most urgent first; `t ...` in the command bar works here as everywhere."""

    BINDINGS = [
        Binding("n,plus", "add", "Add", id="todos.add"),
        Binding("d,space", "complete", "Done", id="todos.complete"),
        Binding("x,delete", "delete", "Delete", id="todos.delete"),
        Binding("e", "edit", "Edit", id="todos.edit"),
        Binding("c", "toggle_completed", "Show done", id="todos.completed"),
        Binding("colon", "command", "Command", id="todos.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_completed = False
        self.todos: list[dict] = []
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield TodoTable(id="todo-table")
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    @property
    def table(self) -> TodoTable:
        return self.query_one(TodoTable)

    def on_mount(self) -> None:
        self.app.core_signal.subscribe(self, self._on_core_event)
        self.table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        # The list is kept current by events while away; only the relative times move on.
        self._tick()
        self._ticker = self.set_interval(TICK_SECONDS, self._tick)

    def on_screen_suspend(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _on_core_event(self, message) -> None:
        from aio.screens import messages

        if isinstance(message, messages.TodosChanged | messages.CoreConnected):
            self.reload()

    @work(exclusive=True, group="todos-load")
    async def reload(self) -> None:
        """Fetch the todos: the most urgent screenful first, so it shows at once, then all."""
        query = "all=1&" if self.show_completed else ""
        selected = self.selected_id
        try:
            first = await self.app.core.request("GET", f"/todos?{query}limit={FIRST_ROWS}")
            self._show(first["todos"], first["total"], selected)
            if first["total"] > len(first["todos"]):
                answer = await self.app.core.request("GET", f"/todos?{query.rstrip('&')}")
                self._show(answer["todos"], answer["total"], selected)
        except (CoreError, CoreUnavailable) as exc:
            self.sub_title = f"todos unavailable: {exc}"

    def _show(self, todos: list[dict], total: int, selected: int | None) -> None:
        self.todos = todos
        self.table.set_todos(todos, self.app.clock())
        self._restore(selected)
        shown = "all" if self.show_completed else "open"
        self.sub_title = f"{total} {shown} todo{'s' * (total != 1)}"

    def _restore(self, selected: int | None) -> None:
        if selected is None:
            return
        for row, todo in enumerate(self.todos):
            if todo["id"] == selected:
                self.table.move_cursor(row=row)
                return

    def _tick(self) -> None:
        self.table.tick(self.app.clock())

    @property
    def selected_id(self) -> int | None:
        row = self.table.cursor_row
        if not 0 <= row < self.table.row_count:
            return None
        return self.table.todos[row]["id"]

    def _selected(self) -> dict | None:
        todo_id = self.selected_id
        if todo_id is None:
            self.notify("no todo selected", severity="warning", title="todos")
            return None
        return next((t for t in self.todos if t["id"] == todo_id), None)

    # Actions

    def action_add(self) -> None:
        from aio.screens.todo_form import TodoFormScreen

        self.app.push_screen(TodoFormScreen(clock=self.app.clock), self._save_new)

    async def _save_new(self, result) -> None:
        if result is not None:
            await self.app.ask_core("POST", "/todos", _body(result), title="todos")

    def action_edit(self) -> None:
        from aio.screens.todo_form import TodoFormScreen

        todo = self._selected()
        if todo is None:
            return

        async def save(result) -> None:
            if result is not None:
                await self.app.ask_core("PUT", f"/todos/{todo['id']}", _body(result), title="todos")

        self.app.push_screen(TodoFormScreen(todo, clock=self.app.clock), save)

    async def action_complete(self) -> None:
        todo = self._selected()
        if todo is None:
            return
        if todo["completed_at"] is not None:
            await self.app.ask_core("POST", f"/todos/{todo['id']}/reopen", title="todos")
        else:
            await self.app.ask_core("POST", "/todos/complete", {"ids": [todo["id"]]}, title="todos")

    async def action_delete(self) -> None:
        todo = self._selected()
        if todo is not None:
            await self.app.ask_core("POST", "/todos/delete", {"ids": [todo["id"]]}, title="todos")

    def action_toggle_completed(self) -> None:
        self.show_completed = not self.show_completed
        self.reload()

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()


def _body(result) -> dict:
    return {
        "title": result.title,
        "deadline": result.deadline,
        "virtual_deadline": result.virtual_deadline,
    }
