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
    """What `t ...` typed in the command bar does; every toast has a title saying what
    happened ("Todo added", "Todo not added", ...)."""

    def __init__(self, app: Dashboard) -> None:
        self.app = app

    async def run(self, text: str) -> None:
        """Carry out one `t ...` command; bad input is a warning naming the bad token."""
        app = self.app
        try:
            command = parse_todo_command(text, datetime.fromtimestamp(app.clock()))
        except TodoGrammarError as exc:
            app.notify(str(exc), severity="warning", title=_refused_title(text))
            return
        if isinstance(command, ListTodos):
            await app.switch_mode("todos")
            return
        try:
            await self._carry_out(command)
        except (CoreError, CoreUnavailable) as exc:
            app.notify(str(exc), severity="error", title=_refused_title(text))

    async def _carry_out(self, command: AddTodo | CompleteTodos | DeleteTodos) -> None:
        app = self.app
        if isinstance(command, AddTodo):
            body = {
                "title": command.title,
                "deadline": command.deadline,
                "virtual_deadline": command.virtual_deadline,
            }
            todo = (await app.core.request("POST", "/todos", body))["todo"]
            due = f", due {todo['due']}" if todo["deadline"] is not None else ""
            app.notify(f"{todo['id']} · {todo['title']}{due}", title="Todo added")
        elif isinstance(command, CompleteTodos):
            body = {"ids": list(command.ids)}
            todos = (await app.core.request("POST", "/todos/complete", body))["todos"]
            app.notify(_listed(todos), title=f"Todo{'s' * (len(todos) > 1)} done")
        elif isinstance(command, DeleteTodos):
            body = {"ids": list(command.ids)}
            todos = (await app.core.request("POST", "/todos/delete", body))["todos"]
            app.notify(_listed(todos), title=f"Todo{'s' * (len(todos) > 1)} deleted")


def _listed(todos: list[dict]) -> str:
    return "\n".join(f"{todo['id']} · {todo['title']}" for todo in todos)


def _refused_title(text: str) -> str:
    """The title of a refusal: what the command meant to do, as far as it can be told."""
    stripped = text.strip()
    if stripped.startswith("+"):
        return "Todo not added"
    verb = stripped.split()[0] if stripped else ""
    if stripped.startswith("✓") or verb in ("done", "do", "complete"):
        return "Todo not done"
    if stripped.startswith("✗") or verb in ("rm", "del", "delete"):
        return "Todo not deleted"
    return "Not a todo command"
