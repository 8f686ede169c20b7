"""The database schema: numbered SQL migrations in `aio/data/migrations`, applied in order.

`PRAGMA user_version` records the last one applied. Used by the core (through aiosqlite) and by
fast CLI verbs that write the database directly (through sqlite3), so it imports neither.
"""

from __future__ import annotations

import os
import sqlite3

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# aio/data beside this package. Not importlib.resources: it costs `aio t` more than a Python
# start in imports, and aio is always installed as files (editable or from a wheel).
_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def _migration_files(folder: str) -> list[tuple[int, str]]:
    """(version, file path) of the packaged migrations in `folder`, in order."""
    where = os.path.join(_DATA, *folder.split("/"))
    found = []
    for name in os.listdir(where):
        if _is_migration_name(name):
            found.append((int(name[:4]), os.path.join(where, name)))
    return sorted(found)


def _is_migration_name(name: str) -> bool:
    """`NNNN_words.sql` (`\\d{4}_[a-z0-9_]+\\.sql`, read without `re`, which `aio t` would
    otherwise import for this alone)."""
    stem = name.removesuffix(".sql")
    return (
        stem != name
        and stem[:4].isascii()
        and stem[:4].isdigit()
        and stem[4:5] == "_"
        and len(stem) > 5
        and set(stem[5:]) <= _NAME_CHARS
    )


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


def migrations(folder: str = "migrations") -> list[tuple[int, str]]:
    """The packaged migrations, (version, sql), in order; `folder` is under aio/data (the KV
    store's own database has its own, "kv/migrations")."""
    return [(version, _read(path)) for version, path in _migration_files(folder)]


def latest_version() -> int:
    return migrations()[-1][0]


def split_sql(sql: str) -> list[str]:
    """Statements of a migration file (they hold no semicolons inside strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def migrate_sync(conn: sqlite3.Connection, folder: str = "migrations") -> None:
    """Bring a sqlite3 connection's database up to date, each migration in one transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = [(v, path) for v, path in _migration_files(folder) if v > current]
    for version, path in pending:
        sql = _read(path)
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another writer may have migrated while we waited for the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                conn.execute("ROLLBACK")
                continue
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
