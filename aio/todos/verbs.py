"""`aio t`: todos from the command line. Fast: stdlib only (no Textual, aiohttp or aiosqlite),
and it works whether the core runs or not; a running core is told, so dashboards see it at once.
"""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import datetime

from aio.text.json_list import write_json_list
from aio.text.printable import printable

USAGE = """\
usage: aio t [+TITLE [DEADLINE [VIRTUAL]] | done N... | rm N... | ✓N | ✗N] [--all] [--json]

  aio t                         open todos, most urgent first (--all: completed too)
  aio t +Fix bug 2h             add a todo due in 2 hours
  aio t +Deploy feature 1d 4h   real deadline in 1 day, virtual (self-imposed) in 4 hours
  aio t +"Read chapter 2" 1w    a quoted title may contain anything
  aio t done 1   aio t ✓1       complete        aio t rm 2   aio t ✗2   delete

Deadlines: 30m 2h 1d 1w, combinations like 1d4h, 2026-01-15 (end of that day),
2026-01-15T14:00, 14:00 (the next one).
"""


def _parse(words: list[str], now: datetime):
    from aio.todos.grammar import build_add, parse_todo_command

    # The shell has already removed quotes: `aio t +"Read chapter 2" 1w` arrives as
    # ['+Read chapter 2', '1w'], so a first word with spaces is a quoted title.
    if len(words) > 1 and words[0].startswith("+") and any(c.isspace() for c in words[0]):
        return build_add(words[0][1:], words[1:], now)
    return parse_todo_command(" ".join(words), now)


def cmd_todo(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    # Flags may come anywhere, except inside a new todo's title (`t +Plan -a trip`), where
    # only trailing ones count.
    flags = ("--json", "--all", "-a")
    if argv and argv[0].startswith("+"):
        words = list(argv)
        trailing: list[str] = []
        while words and words[-1] in flags:
            trailing.append(words.pop())
    else:
        words = [w for w in argv if w not in flags]
        trailing = [w for w in argv if w in flags]
    as_json = "--json" in trailing
    show_all = "--all" in trailing or "-a" in trailing
    from aio.config.locations import aio_home, database_path
    from aio.todos.model import TodoBook, TodoNotFound

    if not words:  # the common case, `aio t`: no grammar to load
        book = TodoBook(database_path(aio_home()))
        try:
            return _print_list(book, show_all, as_json)
        finally:
            book.close()
    from aio.todos.grammar import (
        AddTodo,
        CompleteTodos,
        DeleteTodos,
        ListTodos,
        TodoGrammarError,
    )

    try:
        command = _parse(words, datetime.now())
    except TodoGrammarError as exc:
        sys.stderr.write(f"aio t: {printable(str(exc))}\n")
        return 2
    home = aio_home()
    book = TodoBook(database_path(home))
    try:
        if isinstance(command, ListTodos):
            return _print_list(book, show_all or command.show_completed, as_json)
        if isinstance(command, AddTodo):
            todo = book.add(command.title, command.deadline, command.virtual_deadline)
            changed = [todo]
            verb = "added"
        elif isinstance(command, CompleteTodos):
            changed, verb = book.complete(command.ids), "done"
        elif isinstance(command, DeleteTodos):
            changed, verb = book.delete(command.ids), "deleted"
    except TodoNotFound as exc:
        sys.stderr.write(f"aio t: {printable(str(exc))}; nothing was changed\n")
        return 2
    finally:
        book.close()
    _tell_core(home)
    now = book.clock()
    if as_json:
        sys.stdout.write(json.dumps([t.to_dict(now) for t in changed], indent=1) + "\n")
    else:
        for todo in changed:
            due = f" (due {todo.to_dict(now)['due']})" if todo.deadline else ""
            print(f"{verb}: {todo.id}. {printable(todo.title, 80)}{due}")
    return 0


def _tell_core(home) -> None:
    """Let a running core re-arm its reminder and tell open dashboards; fine if none runs."""
    from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

    with contextlib.suppress(CoreUnavailable, CoreError):
        CoreClient(home).request("POST", "/todos/changed")


def _print_list(book, show_all: bool, as_json: bool) -> int:
    from aio.text.table import text_table
    from aio.todos.model import URGENCY_COLOURS, relative_time

    todos = book.list(include_completed=show_all)
    now = book.clock()
    if as_json:
        write_json_list([t.to_dict(now) for t in todos])
        return 0
    if not todos:
        print("no todos" if show_all else "no open todos (aio t +Title 2h adds one)")
        return 0
    colour = sys.stdout.isatty()
    rows = [
        (
            str(t.id),
            str(t.urgency(now)),
            t.title,
            relative_time(t.deadline, now),
            relative_time(t.virtual_deadline, now),
        )
        for t in todos
    ]
    colours = [URGENCY_COLOURS[todo.urgency(now)][1] for todo in todos] if colour else None
    headers = ("#", "URGENCY", "TITLE", "DUE", "VIRTUAL")
    table = text_table(headers, rows, colour_column=1, colours=colours, max_widths={2: 80})
    sys.stdout.write(table)
    return 0
