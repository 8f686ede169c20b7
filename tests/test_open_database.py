"""aio.core.migrations.open_database: private files, a WAL that survives a second connection in
the same process, and migration 0010 (the todos' stored JSON) keeping every todo and its ids."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from aio.core.migrations import migrations, open_database, split_sql
from aio.todos.json_rows import todo_json
from aio.todos.model import TodoBook, sort_todos


def test_a_new_database_is_private_and_its_folder_too(tmp_path: Path) -> None:
    path = tmp_path / "new" / "aio.db"
    conn = open_database(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    finally:
        conn.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_second_connection_in_one_process_keeps_the_firsts_locks(tmp_path: Path) -> None:
    """Opening the file again in this process must not drop the POSIX locks the first
    connection holds: else another process, closing, deletes the WAL the first still writes."""
    path = tmp_path / "aio.db"
    first = open_database(path)
    first.execute("CREATE TABLE t (x INTEGER)")
    first.execute("INSERT INTO t VALUES (1)")
    second = open_database(path)
    script = (
        "import sys; from aio.core.migrations import open_database; "
        "open_database(sys.argv[1]).close()"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)
    first.execute("INSERT INTO t VALUES (2)")
    assert os.path.exists(f"{path}-wal"), "another process deleted the WAL in use"
    fresh = sqlite3.connect(path)
    try:
        assert fresh.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    finally:
        fresh.close()
        second.close()
        first.close()


def _database_at(path: Path, version: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for number, sql in migrations():
        if number <= version:
            for statement in split_sql(sql):
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_migration_0010_keeps_todos_their_ids_and_the_counter(tmp_path: Path) -> None:
    path = tmp_path / "aio.db"
    old = _database_at(path, 9)
    rows = [
        (1, "Fix bug", 1_800_000_000.25, None, 1_790_000_000.5, None, 1, 0),
        (2, 'Tür "quoted"\n', 1_800_000_100.0, 1_799_000_000.0, 1_790_000_001.0, None, 0, 1),
        (3, "done", None, None, 1_790_000_002.0, 1_790_000_003.0, 0, 0),
        (4, "deleted later", None, None, 1_790_000_004.0, None, 0, 0),
    ]
    old.executemany("INSERT INTO todos VALUES (?,?,?,?,?,?,?,?)", rows)
    old.execute("DELETE FROM todos WHERE id = 4")
    old.close()

    book = TodoBook(path, clock=lambda: 1_790_000_010.0)
    try:
        columns = "id, title, deadline, virtual_deadline, created_at, completed_at, "
        columns += "deadline_fired, virtual_fired"
        assert book.conn.execute(f"SELECT {columns} FROM todos").fetchall() == rows[:3]
        assert book.add("next", None, None).id == 5  # the deleted 4 is not reused
        now = 1_790_000_010.0
        expected = [t.to_dict(now) for t in sort_todos(book.list(True), now)]
        assert json.loads(todo_json(book.conn, now, True)) == expected
    finally:
        book.close()
