"""`t ...` in the command bar: the todo grammar carried out through the core's API."""

from __future__ import annotations

from datetime import datetime

from aio.client.core_client import CoreError, CoreUnavailable
from aio.screens.dashboard import Dashboard
from aio.todos.grammar import (
    AddTodo,
    CompleteTodos,
    DeleteTodos,
    ListTodos,
    TodoGrammarError,
    parse_todo_command,
)


class TodoActions:
    def __init__(self, app: Dashboard) -> None:
        self.app = app

    async def run(self, text: str) -> None:
        """Carry out one `t ...` command; bad input is a warning naming the bad token."""
        app = self.app
        try:
            command = parse_todo_command(text, datetime.fromtimestamp(app.clock()))
        except TodoGrammarError as exc:
            app.notify(str(exc), severity="warning", title="t")
            return
        try:
            if isinstance(command, ListTodos):
                await app.switch_mode("todos")
                return
            if isinstance(command, AddTodo):
                body = {
                    "title": command.title,
                    "deadline": command.deadline,
                    "virtual_deadline": command.virtual_deadline,
                }
                todo = (await app.core.request("POST", "/todos", body))["todo"]
                app.notify(f"todo {todo['id']} added: {todo['title']}", title="t")
            elif isinstance(command, CompleteTodos):
                await app.core.request("POST", "/todos/complete", {"ids": list(command.ids)})
                app.notify(f"done: {', '.join(map(str, command.ids))}", title="t")
            elif isinstance(command, DeleteTodos):
                await app.core.request("POST", "/todos/delete", {"ids": list(command.ids)})
                app.notify(f"deleted: {', '.join(map(str, command.ids))}", title="t")
        except (CoreError, CoreUnavailable) as exc:
            app.notify(str(exc), severity="error", title="t")
