"""`aio t --json` written by SQLite: each todo as the JSON object `Todo.to_dict` gives (its
urgency, colour and relative times), in `sort_todos` order, joined into one text by one query,
so ten thousand todos cost no Python object or call each.

What does not change with the time (title, deadlines, creation and completion) SQLite keeps
written in each row (the `json_head` column, migration 0010); the query adds the id, the
urgency with its colour, and the two relative times. Numbers have 17 significant digits
(`printf('%!.17g')`): the same doubles as Python's shortest form reads back, though not always
the same characters (0.1 is written 0.10000000000000001). The separators are `json.dumps`'s. A
todo with non-ASCII text is written again by Python, escaped, as every `--json` of aio is.
tests/todos/test_todo_json_rows.py checks the answer reads back as `to_dict`'s, for any todos
and time. This module imports neither the model nor `sqlite3`'s Python layer (see
aio.todos.urgency).
"""

from __future__ import annotations

from aio.text import c_json
from aio.todos.urgency import (
    COLOURS,
    DAY,
    HOUR,
    LEVELS,
    OPEN_ROWS_WHERE,
    RANK,
    RANK_SQL,
    open_rows_where,
    order_sql,
)


def _seconds(gap: str) -> str:
    """relative_time's seconds from `gap` (>= 0): int(gap), or from 60 s on, round(gap / 60)
    * 60 with a half rounded to even as Python's round does (SQLite's rounds it up)."""
    minutes = f"({gap} / 60.0)"
    whole = f"CAST({minutes} AS INTEGER)"
    rounded = (
        f"(CASE WHEN {minutes} - {whole} = 0.5 THEN {whole} + ({whole} % 2) "
        f"ELSE CAST(round({minutes}) AS INTEGER) END)"
    )
    return f"(CASE WHEN {gap} >= 60 THEN {rounded} * 60 ELSE CAST({gap} AS INTEGER) END)"


def _relative(column: str, s: str) -> str:
    """relative_time(column, :now) as a JSON string, `s` its seconds: `"in 45s"`, `"in 12m"`,
    `"in 2h 05m"`, `"3d 4h ago"`, `"-"` (one printf a value: cheaper than joining its parts)."""

    def text(before: str, after: str) -> str:
        def form(pattern: str) -> str:
            return _sql_text(f'"{before}{pattern}{after}"')

        return (
            f"(CASE WHEN {s} < 60 THEN printf({form('%ds')}, {s}) "
            f"WHEN {s} < {int(HOUR)} THEN printf({form('%dm')}, {s} / 60) "
            f"WHEN {s} < {int(DAY)} THEN printf({form('%dh %02dm')}, {s} / 3600, {s} % 3600 / 60) "
            f"ELSE printf({form('%dd %dh')}, {s} / 86400, {s} % 86400 / 3600) END)"
        )

    return (
        f"""(CASE WHEN {column} IS NULL THEN '"-"' """
        f"WHEN {column} - :now >= 0 THEN {text('in ', '')} ELSE {text('', ' ago')} END)"
    )


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The urgency and colour fields of the rank in column r.
_LEVEL_FIELDS = (
    "(CASE r "
    + " ".join(
        f"WHEN {RANK[level]} THEN "
        + _sql_text(
            f', "urgency": {c_json.dumps(level)}, "colour": {c_json.dumps(COLOURS[level][0])}'
        )
        for level in LEVELS
    )
    + " END)"
)
# The small fields are joined first, then to the long head: each `||` copies both sides.
_OBJECT = (
    """'{"id": ' || id || json_head || ("""
    + _LEVEL_FIELDS
    + """ || ', "due": ' || """
    + _relative("deadline", "ds")
    + """ || ', "virtual_due": ' || """
    + _relative("virtual_deadline", "vs")
    + " || '}')"
)


def _query(where: str) -> str:
    # The inner query computes the rank and seconds once a row, and sorts. SQLite keeps a FROM
    # subquery's ORDER BY when the outer query is an aggregate, so group_concat reads the rows
    # in that order (select.c keeps it for any aggregate but count, min and max); the test
    # checks the order.
    return f"""SELECT group_concat({_OBJECT}, ',
') FROM (SELECT id, json_head, deadline, virtual_deadline, {RANK_SQL} AS r,
    {_seconds("abs(deadline - :now)")} AS ds, {_seconds("abs(virtual_deadline - :now)")} AS vs
  FROM todos {where} ORDER BY {order_sql("r")})"""


_QUERIES = {where: _query(where) for where in (*OPEN_ROWS_WHERE, "")}


def todo_json_chunks(conn, now: float, include_completed: bool = False) -> list[bytes]:
    """The whole `aio t --json` answer, a JSON array of one todo a line, as UTF-8 pieces to
    write one after the other (SQLite's text as it is: never decoded, joined or encoded)."""
    text = _joined(conn, now, include_completed)
    return [b"[\n", text, b"\n]\n"] if text else [b"[]\n"]


def todo_json(conn, now: float, include_completed: bool = False) -> str:
    """The whole `aio t --json` answer as one text."""
    return b"".join(todo_json_chunks(conn, now, include_completed)).decode()


def _joined(conn, now: float, include_completed: bool) -> bytes:
    """The todos' JSON objects, one a line, each but the last ending with a comma."""
    if include_completed:
        query = _QUERIES[""]
    else:
        (open_count,) = conn.execute(f"SELECT count(*) FROM todos {OPEN_ROWS_WHERE[0]}").fetchone()
        query = _QUERIES[open_rows_where(conn, open_count)]
    # Room for the sort in memory (10,000 todos are 2.5 MB; the default cache is 2 MB), and the
    # file's pages read where the system keeps them rather than copied into fresh memory.
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA mmap_size = 268435456")
    factory, conn.text_factory = conn.text_factory, bytes
    try:
        (text,) = conn.execute(query, {"now": now}).fetchone()
    finally:
        conn.text_factory = factory
    if not text or text.isascii():
        return text or b""
    lines = text.split(b"\n")
    for i, line in enumerate(lines):
        if not line.isascii():
            body = line.removesuffix(b",")
            object_text = c_json.dumps(c_json.loads(body.decode("utf-8")))
            lines[i] = object_text.encode("ascii") + line[len(body) :]
    return b"\n".join(lines)
