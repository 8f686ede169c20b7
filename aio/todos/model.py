"""Todos: the model, urgency, and `TodoBook`, their store in the core's SQLite database.

`TodoBook` uses the standard library's sqlite3 so that `aio t` stays fast (no aiosqlite, Textual
or aiohttp) and works whether the core runs or not; the core uses the same class in a thread.
"""

from __future__ import annotations

import time
from enum import StrEnum

from aio.core.migrations import open_database
from aio.todos import urgency as _levels
from aio.todos.urgency import DAY, HOUR, OPEN_ROWS_WHERE, open_rows_where, order_sql

TYPE_CHECKING = False  # neither typing nor pathlib on `aio t`'s path
if TYPE_CHECKING:
    from pathlib import Path


class Urgency(StrEnum):
    """How pressing a todo is, most urgent first (the levels of aio.todos.urgency)."""

    OVERDUE = _levels.OVERDUE
    BEHIND_PLAN = _levels.BEHIND_PLAN
    WITHIN_HOUR = _levels.WITHIN_HOUR
    WITHIN_DAY = _levels.WITHIN_DAY
    LATER = _levels.LATER
    NONE = _levels.NONE
    DONE = _levels.DONE


URGENCY_ORDER = list(Urgency)
_RANK = {level: _levels.RANK[level] for level in Urgency}
# One colour per urgency, shared by the dashboard (Rich styles), the CLI (ANSI) and JSON.
URGENCY_COLOURS = {Urgency(level): colours for level, colours in _levels.COLOURS.items()}


class Todo:
    """One todo as stored. A plain class, not a dataclass: `dataclasses` imports `inspect`,
    which would cost `aio t --json` about as much as a Python start."""

    __slots__ = (
        "completed_at",
        "created_at",
        "deadline",
        "deadline_fired",
        "id",
        "title",
        "virtual_deadline",
        "virtual_fired",
    )

    def __init__(
        self,
        id: int,
        title: str,
        deadline: float | None,
        virtual_deadline: float | None,
        created_at: float,
        completed_at: float | None = None,
        deadline_fired: bool = False,
        virtual_fired: bool = False,
    ) -> None:
        self.id = id
        self.title = title
        self.deadline = deadline
        self.virtual_deadline = virtual_deadline
        self.created_at = created_at
        self.completed_at = completed_at
        self.deadline_fired = deadline_fired
        self.virtual_fired = virtual_fired

    def _values(self) -> tuple:
        return (
            self.id,
            self.title,
            self.deadline,
            self.virtual_deadline,
            self.created_at,
            self.completed_at,
            self.deadline_fired,
            self.virtual_fired,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Todo) and other._values() == self._values()

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return f"Todo{self._values()!r}"

    def urgency(self, now: float) -> Urgency:
        """Overdue, behind plan (past the virtual deadline only), due within 1 h or 1 day,
        later, or no deadline."""
        if self.completed_at is not None:
            return Urgency.DONE
        if self.deadline is not None and self.deadline <= now:
            return Urgency.OVERDUE
        if self.virtual_deadline is not None and self.virtual_deadline <= now:
            return Urgency.BEHIND_PLAN
        nearest = self.virtual_deadline if self.virtual_deadline is not None else self.deadline
        if nearest is None:
            return Urgency.NONE
        if nearest - now <= HOUR:
            return Urgency.WITHIN_HOUR
        if nearest - now <= DAY:
            return Urgency.WITHIN_DAY
        return Urgency.LATER

    @property
    def next_deadline(self) -> float | None:
        times = [t for t in (self.virtual_deadline, self.deadline) if t is not None]
        return min(times) if times else None

    def sort_key(self, now: float) -> tuple:
        nearest = self.virtual_deadline if self.virtual_deadline is not None else self.deadline
        return (_RANK[self.urgency(now)], nearest or float("inf"), self.id)

    def to_dict(self, now: float, level: Urgency | None = None) -> dict:
        level = level or self.urgency(now)
        return {
            "id": self.id,
            "title": self.title,
            "deadline": self.deadline,
            "virtual_deadline": self.virtual_deadline,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "urgency": str(level),
            "colour": URGENCY_COLOURS[level][0],
            "due": relative_time(self.deadline, now),
            "virtual_due": relative_time(self.virtual_deadline, now),
        }

    @classmethod
    def from_row(cls, row: tuple) -> Todo:
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), bool(row[7]))


def relative_time(when: float | None, now: float) -> str:
    """`in 2h 05m`, `3d 4h ago`, or `-`."""
    if when is None:
        return "-"
    delta = when - now
    seconds = int(abs(delta))
    if seconds >= 60:
        seconds = round(abs(delta) / 60) * 60  # "in 2h 00m" just after adding a 2h deadline
    if seconds < 60:
        text = f"{seconds}s"
    elif seconds < HOUR:
        text = f"{seconds // 60}m"
    elif seconds < DAY:
        text = f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    else:
        text = f"{seconds // 86400}d {seconds % 86400 // 3600}h"
    return f"in {text}" if delta >= 0 else f"{text} ago"


def sort_todos(todos: list[Todo], now: float) -> list[Todo]:
    """Most urgent first; completed last."""
    return sorted(todos, key=lambda t: t.sort_key(now))


class TodoNotFound(KeyError):
    def __str__(self) -> str:
        return f"no todo {self.args[0]}"


_COLUMNS = (
    "id, title, deadline, virtual_deadline, created_at, completed_at, deadline_fired, virtual_fired"
)
# Todo.sort_key in SQL: the urgency's rank, then the nearest deadline (none last), then the id.
_URGENCY_ORDER = order_sql()


class TodoBook:
    """Todos in the database at `path` (created and migrated on first use)."""

    def __init__(self, path: Path | str, clock=time.time, threaded: bool = False) -> None:
        self.clock = clock
        # The core calls it from worker threads, one call at a time (its own lock).
        self.conn = open_database(path, threaded=threaded)

    def close(self) -> None:
        self.conn.close()

    def add(self, title: str, deadline: float | None, virtual: float | None) -> Todo:
        if virtual is not None and deadline is not None and virtual > deadline:
            raise ValueError("the virtual deadline must not be later than the real one")
        now = self.clock()
        cursor = self.conn.execute(
            "INSERT INTO todos (title, deadline, virtual_deadline, created_at) VALUES (?,?,?,?)",
            (title, deadline, virtual, now),
        )
        return Todo(int(cursor.lastrowid), title, deadline, virtual, now)

    def get(self, todo_id: int) -> Todo:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM todos WHERE id = ?", (todo_id,)).fetchone()
        if row is None:
            raise TodoNotFound(todo_id)
        return Todo.from_row(row)

    def list(self, include_completed: bool = False) -> list[Todo]:
        where = "" if include_completed else " WHERE completed_at IS NULL"
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM todos{where}").fetchall()
        return sort_todos([Todo.from_row(r) for r in rows], self.clock())

    def first(
        self, limit: int, include_completed: bool = False, offset: int = 0
    ) -> tuple[list[Todo], int]:
        """`limit` todos from the `offset`-th most urgent on, in `sort_todos` order but sorted by
        SQLite, and how many there are: a page of a long list without loading every row."""
        where = "" if include_completed else OPEN_ROWS_WHERE[0]
        (total,) = self.conn.execute(f"SELECT COUNT(*) FROM todos {where}").fetchone()
        if not include_completed:
            where = open_rows_where(self.conn, total)
        # SQLite's LIMIT and OFFSET are 64-bit integers.
        limit, offset = min(int(limit), 1 << 62), min(int(offset), 1 << 62)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM todos {where} ORDER BY {_URGENCY_ORDER} "
            f"LIMIT {limit} OFFSET {offset}",
            {"now": self.clock()},
        ).fetchall()
        return [Todo.from_row(r) for r in rows], total

    def complete(self, ids: tuple[int, ...]) -> list[Todo]:
        """Mark todos done (all or none: an unknown id changes nothing)."""
        return self._each(ids, "UPDATE todos SET completed_at = ? WHERE id = ?", True)

    def delete(self, ids: tuple[int, ...]) -> list[Todo]:
        """Delete todos for good (all or none)."""
        return self._each(ids, "DELETE FROM todos WHERE id = ?", False)

    def _each(self, ids: tuple[int, ...], sql: str, with_time: bool) -> list[Todo]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            found = [self.get(i) for i in ids]
            now = self.clock()
            for todo in found:
                self.conn.execute(sql, (now, todo.id) if with_time else (todo.id,))
                if with_time:
                    todo.completed_at = now
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return found

    def edit(self, todo_id: int, title: str, deadline: float | None, virtual: float | None) -> Todo:
        """Replace a todo's title and deadlines; changed deadlines will fire again."""
        if virtual is not None and deadline is not None and virtual > deadline:
            raise ValueError("the virtual deadline must not be later than the real one")
        old = self.get(todo_id)
        self.conn.execute(
            "UPDATE todos SET title = ?, deadline = ?, virtual_deadline = ?, "
            "deadline_fired = ?, virtual_fired = ? WHERE id = ?",
            (
                title,
                deadline,
                virtual,
                int(old.deadline_fired and deadline == old.deadline),
                int(old.virtual_fired and virtual == old.virtual_deadline),
                todo_id,
            ),
        )
        return self.get(todo_id)

    def reopen(self, todo_id: int) -> Todo:
        self.get(todo_id)
        self.conn.execute("UPDATE todos SET completed_at = NULL WHERE id = ?", (todo_id,))
        return self.get(todo_id)

    def due(self, now: float) -> list[tuple[float, int, str]]:
        """Deadlines of open todos that are due and have not fired: (time, id, which)."""
        rows = self.conn.execute(
            "SELECT deadline, id, 'real' FROM todos WHERE completed_at IS NULL "
            "AND deadline_fired = 0 AND deadline <= ? "
            "UNION ALL SELECT virtual_deadline, id, 'virtual' FROM todos "
            "WHERE completed_at IS NULL AND virtual_fired = 0 AND virtual_deadline <= ? "
            "ORDER BY 1, 2",
            (now, now),
        ).fetchall()
        return [(row[0], row[1], row[2]) for row in rows]

    def next_unfired(self, now: float) -> float | None:
        """The soonest deadline after `now` that has not fired, real or virtual."""
        row = self.conn.execute(
            "SELECT MIN(t) FROM ("
            "SELECT MIN(deadline) AS t FROM todos WHERE completed_at IS NULL "
            "AND deadline_fired = 0 AND deadline > ? "
            "UNION ALL SELECT MIN(virtual_deadline) FROM todos WHERE completed_at IS NULL "
            "AND virtual_fired = 0 AND virtual_deadline > ?)",
            (now, now),
        ).fetchone()
        return row[0]

    def unfired(self) -> list[tuple[float, int, str]]:
        """Deadlines of open todos that have not fired yet: (time, id, 'real'|'virtual')."""
        rows = self.conn.execute(
            "SELECT id, deadline, virtual_deadline, deadline_fired, virtual_fired FROM todos "
            "WHERE completed_at IS NULL"
        ).fetchall()
        pending = []
        for todo_id, real, virtual, real_fired, virtual_fired in rows:
            if real is not None and not real_fired:
                pending.append((real, todo_id, "real"))
            if virtual is not None and not virtual_fired:
                pending.append((virtual, todo_id, "virtual"))
        return sorted(pending)

    def mark_fired(self, todo_id: int, which: str) -> None:
        column = "deadline_fired" if which == "real" else "virtual_fired"
        self.conn.execute(f"UPDATE todos SET {column} = 1 WHERE id = ?", (todo_id,))

    def fire_due(self, now: float) -> tuple[list[tuple[Todo, str]], float | None]:
        """Mark every due, unfired deadline fired (in one transaction); return them with
        their todos, and the next deadline to wait for."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            due = self.due(now)
            fired = []
            for _, todo_id, which in due:
                self.mark_fired(todo_id, which)
                fired.append((self.get(todo_id), which))
            upcoming = self.next_unfired(now)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return fired, upcoming
