"""The database schema: numbered SQL migrations in `aio/data/migrations`, applied in order.

`PRAGMA user_version` records the last one applied. Used by the core (through aiosqlite) and by
fast CLI verbs that use the database directly (through sqlite3's C module), so it imports
neither aiosqlite nor sqlite3's Python layer.
"""

from __future__ import annotations

import os

try:  # sqlite3's own C module: its Python layer adds datetime and collections.abc (2-3 ms)
    import _sqlite3 as _sqlite
except ImportError:  # another Python implementation
    import sqlite3 as _sqlite

TYPE_CHECKING = False
if TYPE_CHECKING:
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


def open_database(
    path, folder: str = "migrations", threaded: bool = False, busy_seconds: float = 10.0
) -> sqlite3.Connection:
    """A sqlite3 connection (autocommit) to the database at `path`, created private (0600, its
    folder 0700) if it is missing, in WAL mode, migrated with the packaged `folder`'s
    migrations. `threaded` lets one thread at a time other than the opener use it; a writer
    waits up to `busy_seconds` for another's lock."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    try:  # private from its first byte
        created = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Never open and close a database file another connection of this process may hold:
        # closing any descriptor of it drops all the process's POSIX locks on it, and another
        # process's SQLite would then take its WAL for unused and delete it.
        created = None
    if created is not None:
        os.close(created)
    conn = _sqlite.connect(
        path, isolation_level=None, timeout=busy_seconds, check_same_thread=not threaded
    )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate_sync(conn, folder)
    except BaseException:
        conn.close()
        raise
    return conn


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
