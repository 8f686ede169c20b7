"""The Todos screen: open todos by urgency, with relative times that tick.

The list comes a page at a time: a reload asks the core for the first page (which SQLite sorts,
so it costs the same for 10 todos or 10,000) and shows it at once, with the total; the other
pages are fetched when they are first drawn. A reload drops them again, so what is shown is
never older than the last change.
"""

from __future__ import annotations

import contextlib

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Static

from aio.client.core_client import CoreError, CoreUnavailable
from aio.widgets.command_bar import CommandBar
from aio.widgets.footer import KeysFooter
from aio.widgets.todo_table import PAGE, TodoTable, todo_cells

__all__ = ["TodoTable", "TodosScreen", "todo_cells"]

TICK_SECONDS = 15.0
EMPTY_TEXT = """\
[b]No todos yet.[/b]

A todo is something you mean to do, with a deadline if it has one. The list is sorted by
urgency, and when a deadline comes aio reminds you: a toast and the bell here, and a desktop
notification.

  [b]real deadline[/b]     when it is due: 30m, 2h, 1d, 1w, 2026-01-15, 14:00
  [b]virtual deadline[/b]  an earlier one you set yourself, to finish in time; once it
                    passes the todo is "behind plan"

To add one:
  [b]a[/b]                        here: a title, a deadline, a virtual deadline
  [b]:[/b] then [b]t +Fix bug 2h 1h[/b]  the command bar, on any screen (real 2h, virtual 1h)
  [b]aio t +Fix bug 2h[/b]        from a shell, whether the dashboard runs or not
"""
NO_OPEN_TEXT = """\
[b]No open todos[/b]: everything is done. [b]c[/b] shows the done ones.

[b]a[/b] adds a todo, or [b]:[/b] then [b]t +Fix bug 2h[/b] in the command bar.
"""


class TodosScreen(Screen):
    """Todos, most urgent first; `t ...` in the command bar works here as everywhere."""

    BINDINGS = [
        Binding("a,n,plus", "add", "Add", id="todos.add"),
        Binding("d,space", "complete", "Done", id="todos.complete"),
        Binding("x,delete", "delete", "Delete", id="todos.delete"),
        Binding("e", "edit", "Edit", id="todos.edit"),
        # One key, two labels: the footer says what `c` will do now.
        Binding("c", "show_completed(True)", "Show done", id="todos.completed"),
        Binding("c", "show_completed(False)", "Hide done", id="todos.completed"),
        Binding("colon", "command", "Command", id="todos.command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_completed = False
        self._ticker: Timer | None = None
        self._generation = 0  # pages fetched for an older reload are dropped

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield TodoTable(id="todo-table")
        yield Static("", id="todos-empty")
        yield CommandBar(id="command-bar")
        yield KeysFooter()

    @property
    def table(self) -> TodoTable:
        return self.query_one(TodoTable)

    @property
    def todos(self) -> list[dict]:
        """The todos loaded so far, in the table's order."""
        return [todo for todo in self.table.todos if todo is not None]

    def on_mount(self) -> None:
        self.query_one("#todos-empty").display = False
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

    def _query(self, offset: int = 0) -> str:
        every = "all=1&" if self.show_completed else ""
        return f"/todos?{every}limit={PAGE}" + (f"&offset={offset}" if offset else "")

    @work(exclusive=True, group="todos-load")
    async def reload(self) -> None:
        """Fetch the first page of todos and show it with the total; the rest come as drawn."""
        selected = self.selected_id
        try:
            answer = await self.app.core.request("GET", self._query())
        except (CoreError, CoreUnavailable) as exc:
            self.sub_title = f"todos unavailable: {exc}"
            return
        done = 0
        if answer["total"] == 0 and not self.show_completed:
            with contextlib.suppress(CoreError, CoreUnavailable):  # are they all done?
                done = (await self.app.core.request("GET", "/todos?all=1&limit=1"))["total"]
        self._generation += 1
        self._show(answer["todos"], answer["total"], selected, done)

    @on(TodoTable.NeedRows)
    def _need_rows(self, message: TodoTable.NeedRows) -> None:
        self._fetch_page(message.offset, self._generation)

    @work(group="todos-pages")
    async def _fetch_page(self, offset: int, generation: int) -> None:
        try:
            answer = await self.app.core.request("GET", self._query(offset))
        except (CoreError, CoreUnavailable):
            self.table.not_filled(offset)
            return
        if generation == self._generation:
            self.table.fill(offset, answer["todos"])

    def _show(self, first: list[dict], total: int, selected: int | None, done: int = 0) -> None:
        self.table.show(first, total, self.app.clock())
        self._restore(selected)
        shown = "all" if self.show_completed else "open"
        self.sub_title = f"{total} {shown} todo{'s' * (total != 1)}"
        self._show_empty(total == 0, done)

    def _show_empty(self, empty: bool, done: int) -> None:
        """With no todos, say what todos are and how to add one instead of an empty table
        (or, when every todo is done, that `c` shows them)."""
        note = self.query_one("#todos-empty", Static)
        if empty:
            note.update(NO_OPEN_TEXT if done else EMPTY_TEXT)
        note.display = empty
        self.table.display = not empty
        if not empty and self.focused is None:
            self.table.focus()

    def _restore(self, selected: int | None) -> None:
        if selected is None:
            return
        for row, todo in enumerate(self.table.todos[:PAGE]):
            if todo is not None and todo["id"] == selected:
                self.table.move_cursor(row=row)
                return

    def _tick(self) -> None:
        self.table.tick(self.app.clock())

    @property
    def selected_id(self) -> int | None:
        todo = self.table.loaded(self.table.cursor_row)
        return None if todo is None else todo["id"]

    def _selected(self) -> dict | None:
        todo = self.table.loaded(self.table.cursor_row) if self.table.display else None
        if todo is None:
            self.notify("no todo is selected (a adds one)", severity="warning", title="Todos")
        return todo

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_completed":
            return parameters[0] != self.show_completed
        return True

    # Actions

    def action_add(self) -> None:
        from aio.screens.todo_form import TodoFormScreen

        self.app.push_screen(TodoFormScreen(clock=self.app.clock), self._save_new)

    async def _save_new(self, result) -> None:
        if result is not None:
            await self.app.ask_core("POST", "/todos", _body(result), title="Todo not added")

    def action_edit(self) -> None:
        from aio.screens.todo_form import TodoFormScreen

        todo = self._selected()
        if todo is None:
            return

        async def save(result) -> None:
            if result is not None:
                path = f"/todos/{todo['id']}"
                await self.app.ask_core("PUT", path, _body(result), title="Todo not saved")

        self.app.push_screen(TodoFormScreen(todo, clock=self.app.clock), save)

    async def action_complete(self) -> None:
        todo = self._selected()
        if todo is None:
            return
        if todo["completed_at"] is not None:
            path, body = f"/todos/{todo['id']}/reopen", None
        else:
            path, body = "/todos/complete", {"ids": [todo["id"]]}
        await self.app.ask_core("POST", path, body, title="Todo not changed")

    def action_delete(self) -> None:
        """Delete the selected todo, after asking (Enter or y; any other key keeps it)."""
        from aio.screens.confirm import ConfirmScreen

        todo = self._selected()
        if todo is None:
            return

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            body = {"ids": [todo["id"]]}
            if await self.app.ask_core("POST", "/todos/delete", body, title="Todo not deleted"):
                self.notify(f"{todo['id']} · {todo['title']}", title="Todo deleted")

        question = f"Delete todo {todo['id']}, {todo['title']!r}?"
        self.app.push_screen(ConfirmScreen(question, "It is gone for good."), answered)

    def action_show_completed(self, show: bool) -> None:
        if show != self.show_completed:
            self.action_toggle_completed()

    def action_toggle_completed(self) -> None:
        """Show the done todos too, or hide them again (the footer's label follows)."""
        self.show_completed = not self.show_completed
        self.refresh_bindings()
        self.reload()

    def action_command(self) -> None:
        self.query_one(CommandBar).focus_input()


def _body(result) -> dict:
    return {
        "title": result.title,
        "deadline": result.deadline,
        "virtual_deadline": result.virtual_deadline,
    }
