"""`aio t`: todos from the command line. Fast: stdlib only (no Textual, aiohttp or aiosqlite),
and it works whether the core runs or not; a running core is told, so dashboards see it at once.
"""

from __future__ import annotations

import sys

from aio.config.locations import aio_home_text, database_path_text
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


def _parse(words: list[str], now):
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
    home = aio_home_text()
    if not words:  # the common case, `aio t`: no grammar to load
        return _print_list(home, show_all, as_json)
    from datetime import datetime

    from aio.todos.grammar import ListTodos, TodoGrammarError

    try:
        command = _parse(words, datetime.now())
    except TodoGrammarError as exc:
        sys.stderr.write(f"aio t: {printable(str(exc))}\n")
        return 2
    if isinstance(command, ListTodos):
        return _print_list(home, show_all or command.show_completed, as_json)
    from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

    core = CoreClient(home)
    try:
        if core.is_running():
            verb, changed = _change_through_core(core, command)
        else:  # write the database here; a core that started meanwhile is told
            verb, changed = _change_here(home, command)
    except LookupError as exc:
        return _refused(str(exc))
    except CoreError as exc:
        if exc.status >= 500:
            return _failed(str(exc))
        return _refused(str(exc))
    except CoreUnavailable as exc:  # lost mid-request: the change may or may not be made
        return _failed(str(exc))
    if as_json:
        from aio.text.json_list import write_json

        write_json(changed)
    else:
        for todo in changed:
            due = f" (due {todo['due']})" if todo["deadline"] else ""
            print(f"{verb}: {todo['id']}. {printable(todo['title'], 80)}{due}")
    return 0


def _failed(message: str) -> int:
    sys.stderr.write(f"aio t: {printable(message)}\n")
    return 1


def _refused(message: str) -> int:
    sys.stderr.write(f"aio t: {printable(message)}; nothing was changed\n")
    return 2


def _change_through_core(core, command) -> tuple[str, list[dict]]:
    """Ask the running core to make the change (it holds the database open, re-arms its
    reminder and tells the dashboards): no SQLite in this process."""
    from aio.todos.grammar import AddTodo, CompleteTodos

    if isinstance(command, AddTodo):
        body = {
            "title": command.title,
            "deadline": command.deadline,
            "virtual_deadline": command.virtual_deadline,
        }
        return "added", [core.request("POST", "/todos", body)["todo"]]
    path, verb = (
        ("complete", "done") if isinstance(command, CompleteTodos) else ("delete", "deleted")
    )
    return verb, core.request("POST", f"/todos/{path}", {"ids": list(command.ids)})["todos"]


def _change_here(home: str, command) -> tuple[str, list[dict]]:
    """The change made in the database by this process (no core runs). LookupError names an
    unknown todo; then nothing was changed."""
    from aio.todos.grammar import AddTodo, CompleteTodos
    from aio.todos.model import TodoBook

    book = TodoBook(database_path_text(home))
    try:
        if isinstance(command, AddTodo):
            todo = book.add(command.title, command.deadline, command.virtual_deadline)
            changed, verb = [todo], "added"
        elif isinstance(command, CompleteTodos):
            changed, verb = book.complete(command.ids), "done"
        else:
            changed, verb = book.delete(command.ids), "deleted"
    finally:
        book.close()
    # A core may have started meanwhile: let it re-arm its reminder and tell the dashboards.
    _tell_core(home)
    now = book.clock()
    return verb, [todo.to_dict(now) for todo in changed]


def _tell_core(home) -> None:
    """Let a running core re-arm its reminder and tell open dashboards; fine if none runs."""
    from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

    try:  # not contextlib.suppress: contextlib costs `aio t +...` more than a millisecond
        CoreClient(home).request("POST", "/todos/changed")
    except (CoreUnavailable, CoreError):
        return


def _print_list(home: str, show_all: bool, as_json: bool) -> int:
    path = database_path_text(home)
    if as_json:  # neither the model nor sqlite3's Python layer (aio.todos.json_rows)
        import time

        from aio.core.migrations import open_database
        from aio.todos.json_rows import todo_json_chunks

        conn = open_database(path)
        try:
            chunks = todo_json_chunks(conn, time.time(), show_all)
        finally:
            conn.close()
        sys.stdout.flush()
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return 0
    from aio.text.table import text_table
    from aio.todos.model import URGENCY_COLOURS, TodoBook, relative_time

    book = TodoBook(path)
    try:
        todos = book.list(include_completed=show_all)
    finally:
        book.close()
    now = book.clock()
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
