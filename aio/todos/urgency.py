"""How pressing a todo is, as plain constants and as the SQL that decides it.

The model (`aio.todos.model`) builds its `Urgency` enum and its sorting from these, and `aio t
--json` (`aio.todos.json_rows`) has SQLite write its answer from them without importing the
model, whose `enum` alone costs that command a sixth of a Python start.
"""

from __future__ import annotations

HOUR = 3600.0
DAY = 86400.0

OVERDUE = "overdue"
BEHIND_PLAN = "behind plan"
WITHIN_HOUR = "due within 1h"
WITHIN_DAY = "due within 1d"
LATER = "later"
NONE = "no deadline"
DONE = "done"

LEVELS = (OVERDUE, BEHIND_PLAN, WITHIN_HOUR, WITHIN_DAY, LATER, NONE, DONE)  # most urgent first
RANK = {level: rank for rank, level in enumerate(LEVELS)}

# One colour per level, shared by the dashboard (Rich styles), the CLI (ANSI) and JSON.
COLOURS = {
    OVERDUE: ("bold #ff5555", "\x1b[1;31m"),
    BEHIND_PLAN: ("#ff79c6", "\x1b[35m"),
    WITHIN_HOUR: ("bold #ffb86c", "\x1b[1;38;5;208m"),
    WITHIN_DAY: ("#f1fa8c", "\x1b[33m"),
    LATER: ("#50fa7b", "\x1b[32m"),
    NONE: ("default", "\x1b[0m"),
    DONE: ("dim", "\x1b[2m"),
}

# The deadline that comes first (a virtual one is never later than the real one).
NEAREST_SQL = "COALESCE(virtual_deadline, deadline)"
# Todo.sort_key's `nearest or inf`: 1e999 is SQLite's infinity (deadlines are bounded far below).
_NEAREST_KEY = f"COALESCE(NULLIF({NEAREST_SQL}, 0), 1e999)"
# Todo.urgency's rank at the time :now, in SQL over the todos table's columns.
RANK_SQL = f"""(CASE
    WHEN completed_at IS NOT NULL THEN {RANK[DONE]}
    WHEN deadline <= :now THEN {RANK[OVERDUE]}
    WHEN virtual_deadline <= :now THEN {RANK[BEHIND_PLAN]}
    WHEN {NEAREST_SQL} IS NULL THEN {RANK[NONE]}
    WHEN {NEAREST_SQL} - :now <= {HOUR} THEN {RANK[WITHIN_HOUR]}
    WHEN {NEAREST_SQL} - :now <= {DAY} THEN {RANK[WITHIN_DAY]}
    ELSE {RANK[LATER]} END)"""


def order_sql(rank: str = RANK_SQL) -> str:
    """Todo.sort_key as an ORDER BY list: the rank (`rank`, the expression or a column already
    holding it), then the nearest deadline (none last), then the id."""
    return f"{rank}, {_NEAREST_KEY}, id"


# The WHERE clauses that select the open todos: through the index on completed_at, and by
# reading the whole table in order (`+` keeps SQLite from the index).
OPEN_ROWS_WHERE = ("WHERE completed_at IS NULL", "WHERE +completed_at IS NULL")


def open_rows_where(conn, open_count: int) -> str:
    """Which of OPEN_ROWS_WHERE to use, given how many todos are open: the index when few are,
    else the table, read in order, which then takes half as long as a lookup a row (SQLite
    cannot tell which without statistics)."""
    (last_id,) = conn.execute("SELECT max(id) FROM todos").fetchone()
    mostly_open = open_count * 2 > (last_id or 0)
    return OPEN_ROWS_WHERE[1] if mostly_open else OPEN_ROWS_WHERE[0]
