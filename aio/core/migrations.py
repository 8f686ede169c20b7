"""The database schema: numbered SQL migrations in `aio/data/migrations`, applied in order.

`PRAGMA user_version` records the last one applied. Used by the core (through aiosqlite) and by
fast CLI verbs that write the database directly (through sqlite3), so it imports neither.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations(folder: str = "migrations") -> list[tuple[int, str]]:
    """The packaged migrations, (version, sql), in order; `folder` is under aio/data (the KV
    store's own database has its own, "kv/migrations")."""
    found = []
    for entry in resources.files("aio.data").joinpath(*folder.split("/")).iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def split_sql(sql: str) -> list[str]:
    """Statements of a migration file (they hold no semicolons inside strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def migrate_sync(conn: sqlite3.Connection, folder: str = "migrations") -> None:
    """Bring a sqlite3 connection's database up to date, each migration in one transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = [(v, sql) for v, sql in migrations(folder) if v > current]
    for version, sql in pending:
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
