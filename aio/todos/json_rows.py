"""`aio t --json` written by SQLite: each todo as the JSON object `Todo.to_dict` gives (its
urgency, colour and relative times), in `sort_todos` order, made in one query by SQLite's own
JSON functions, so ten thousand todos cost no Python object or call each.

Numbers are written with 17 significant digits (`printf('%!.17g')`): the same doubles as
Python's shortest form reads back, though not always the same characters (0.1 is written
0.10000000000000001); SQLite's own JSON floats have 15 and would not be. A row with non-ASCII
text is written again by Python, escaped, as every `--json` of aio is.
tests/todos/test_todo_json_rows.py checks the rows read back as `to_dict`'s, for any todos and
time.
"""

from __future__ import annotations

from aio.text import c_json
from aio.todos.model import _NEAREST, _URGENCY_ORDER, DAY, HOUR, URGENCY_COLOURS, Urgency


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
    """relative_time(column, :now) in SQL, `s` its seconds: `in 2h 05m`, `3d 4h ago`, `-`."""
    text = (
        f"(CASE WHEN {s} < 60 THEN {s} || 's' "
        f"WHEN {s} < {int(HOUR)} THEN ({s} / 60) || 'm' "
        f"WHEN {s} < {int(DAY)} THEN ({s} / 3600) || 'h ' "
        f"|| printf('%02d', {s} % 3600 / 60) || 'm' "
        f"ELSE ({s} / 86400) || 'd ' || ({s} % 86400 / 3600) || 'h' END)"
    )
    return (
        f"(CASE WHEN {column} IS NULL THEN '-' WHEN {column} - :now >= 0 THEN 'in ' || {text} "
        f"ELSE {text} || ' ago' END)"
    )


def _by_urgency(values: dict[Urgency, str]) -> str:
    """A CASE giving `values[urgency]`, the urgency decided as Todo.urgency does."""

    def quoted(level: Urgency) -> str:
        return "'" + values[level].replace("'", "''") + "'"

    return f"""(CASE
    WHEN completed_at IS NOT NULL THEN {quoted(Urgency.DONE)}
    WHEN deadline <= :now THEN {quoted(Urgency.OVERDUE)}
    WHEN virtual_deadline <= :now THEN {quoted(Urgency.BEHIND_PLAN)}
    WHEN {_NEAREST} IS NULL THEN {quoted(Urgency.NONE)}
    WHEN {_NEAREST} - :now <= {HOUR} THEN {quoted(Urgency.WITHIN_HOUR)}
    WHEN {_NEAREST} - :now <= {DAY} THEN {quoted(Urgency.WITHIN_DAY)}
    ELSE {quoted(Urgency.LATER)} END)"""


def _number(column: str) -> str:
    return f"json(CASE WHEN {column} IS NULL THEN 'null' ELSE printf('%!.17g', {column}) END)"


_OBJECT = (
    "json_object('id', id, 'title', title, "
    + ", ".join(
        f"'{c}', {_number(c)}"
        for c in ("deadline", "virtual_deadline", "created_at", "completed_at")
    )
    + f", 'urgency', {_by_urgency({level: str(level) for level in Urgency})}"
    + f", 'colour', {_by_urgency({level: c[0] for level, c in URGENCY_COLOURS.items()})}"
    + f", 'due', {_relative('deadline', 'ds')}"
    + f", 'virtual_due', {_relative('virtual_deadline', 'vs')})"
)
_QUERY = f"""WITH
  g AS MATERIALIZED (SELECT id, title, deadline, virtual_deadline, created_at, completed_at,
      abs(deadline - :now) AS dg, abs(virtual_deadline - :now) AS vg FROM todos {{where}}),
  s AS MATERIALIZED (SELECT *, {_seconds("dg")} AS ds, {_seconds("vg")} AS vs FROM g)
SELECT {_OBJECT} FROM s ORDER BY {_URGENCY_ORDER}"""


def todo_json_lines(conn, now: float, include_completed: bool = False) -> list[str]:
    """Each todo's `to_dict(now)` as one line of JSON text, most urgent first."""
    where = "" if include_completed else "WHERE completed_at IS NULL"
    lines = []
    for (text,) in conn.execute(_QUERY.format(where=where), {"now": now}):
        lines.append(text if text.isascii() else c_json.dumps(c_json.loads(text)))
    return lines


def todo_json(conn, now: float, include_completed: bool = False) -> str:
    """The whole `aio t --json` answer: a JSON array, one todo a line."""
    lines = todo_json_lines(conn, now, include_completed)
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
