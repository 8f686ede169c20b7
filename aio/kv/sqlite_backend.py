"""The default KV backend: SQLite in its own file, `$AIO_HOME/kv.sqlite3` (mode 0600, WAL).

Its own file, so worklet traffic never waits on the core's store (aio.db) and the core's
writes never wait on a worklet's; its own schema versions (aio/data/kv/migrations, applied by
aio.core.migrations' runner).

One connection, used one operation at a time (an asyncio lock), so no two operations' statements
ever interleave in a transaction. A point operation (get, set, increment... on a small value) runs
on the event loop itself: it takes tens of microseconds, less than a hop to a thread would. A
scan (list, stats, export, clear) and anything that carries a large value runs in the one worker
thread instead, so the loop is never held for long. Writes commit with `synchronous=NORMAL`
(WAL): durable across a crash of aio, not necessarily across a power cut.

`increment` and `append` are each one upsert statement (`INSERT ... ON CONFLICT DO UPDATE ...
WHERE <the stored value fits> RETURNING`); `mset` and `importData` are one transaction.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aio.core.migrations import open_database
from aio.kv.backend import (
    AppendValue,
    KvBackend,
    Stats,
    cannot_append,
    increment_overflow,
    not_a_number,
)
from aio.kv.errors import KVConnectionError
from aio.kv.validation import MAX_VALUE_BYTES

MIGRATIONS = "kv/migrations"
INLINE_MAX_BYTES = 64 * 1024  # a value larger than this is written from the worker thread
INLINE_MAX_ROWS = 64  # an mset or mget of more keys than this runs in the worker thread
MAX_FLOAT = 1.7976931348623157e308

_UPSERT = (
    "INSERT INTO kv_store (worklet_id, namespace, key, value, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (worklet_id, namespace, key) "
    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)
# The new number as JSON text: an integer as is, a real with 17 significant digits (the
# shortest that always round-trips; SQLite's json_quote keeps only 15).
_SUM = "(json_extract(kv_store.value, '$') + :delta)"
_INCREMENT = (
    "INSERT INTO kv_store (worklet_id, namespace, key, value, created_at, updated_at) "
    "VALUES (:worklet, :namespace, :key, :initial, :now, :now) "
    "ON CONFLICT (worklet_id, namespace, key) DO UPDATE SET "
    f"value = CASE WHEN typeof({_SUM}) = 'integer' THEN CAST({_SUM} AS TEXT) "
    f"ELSE printf('%!.17g', {_SUM}) END, updated_at = :now "
    f"WHERE json_type(kv_store.value) IN ('integer', 'real') AND abs({_SUM}) <= {MAX_FLOAT} "
    "RETURNING value"
)
_APPENDED = (
    "(CASE json_type(kv_store.value) "
    "WHEN 'text' THEN json_quote(json_extract(kv_store.value, '$') || :text) "
    "WHEN 'array' THEN json_insert(kv_store.value, '$[#]', json(:item)) END)"
)
_APPEND = (
    "INSERT INTO kv_store (worklet_id, namespace, key, value, created_at, updated_at) "
    "VALUES (:worklet, :namespace, :key, :initial, :now, :now) "
    "ON CONFLICT (worklet_id, namespace, key) DO UPDATE SET "
    f"value = {_APPENDED}, updated_at = :now "
    "WHERE ((json_type(kv_store.value) = 'text' AND :text IS NOT NULL) "
    "OR json_type(kv_store.value) = 'array') "
    f"AND length(CAST({_APPENDED} AS BLOB)) <= {MAX_VALUE_BYTES} "
    "RETURNING 1"
)
_SCOPE = "WHERE worklet_id = ? AND namespace = ? AND key = ?"


def glob_pattern(pattern: str) -> str:
    """A list pattern as a GLOB: `*` and `?` stay wildcards; `[`, GLOB's only other special
    character, becomes the class `[[]` that matches itself. GLOB is case-sensitive."""
    return pattern.replace("[", "[[]")


class SqliteBackend(KvBackend):
    """The KV store in a SQLite file of its own."""

    name = "sqlite"

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._db: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aio-kv-sqlite")

    async def open(self) -> None:
        try:
            self._db = await asyncio.get_running_loop().run_in_executor(self._worker, self._open)
        except sqlite3.Error as exc:
            raise KVConnectionError(f"cannot open the KV database {self.path}: {exc}") from exc

    def _open(self) -> sqlite3.Connection:
        return open_database(self.path, MIGRATIONS, threaded=True, busy_seconds=5.0)

    async def close(self) -> None:
        async with self._lock:
            if self._db is not None:
                db, self._db = self._db, None
                await asyncio.get_running_loop().run_in_executor(self._worker, db.close)
        self._worker.shutdown(wait=True)

    async def _run(self, heavy: bool, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(db, *args)` alone on the connection: on the loop, or if heavy in the worker."""
        async with self._lock:
            db = self._db
            if db is None:
                raise KVConnectionError("the KV database is closed")
            if not heavy:
                return fn(db, *args)
            return await asyncio.get_running_loop().run_in_executor(self._worker, fn, db, *args)

    # Single keys

    async def set(self, worklet: int, namespace: str, key: str, value: str) -> None:
        row = (worklet, namespace, key, value, self.clock(), self.clock())
        await self._run(len(value) > INLINE_MAX_BYTES, _execute, _UPSERT, row)

    async def get(self, worklet: int, namespace: str, key: str) -> str | None:
        query = f"SELECT value FROM kv_store {_SCOPE}"
        row = await self._run(False, _fetchone, query, (worklet, namespace, key))
        return None if row is None else row[0]

    async def has(self, worklet: int, namespace: str, key: str) -> bool:
        query = f"SELECT 1 FROM kv_store {_SCOPE}"
        return await self._run(False, _fetchone, query, (worklet, namespace, key)) is not None

    async def delete(self, worklet: int, namespace: str, key: str) -> bool:
        query = f"DELETE FROM kv_store {_SCOPE}"
        return await self._run(False, _rowcount, query, (worklet, namespace, key)) > 0

    async def increment(
        self, worklet: int, namespace: str, key: str, delta: int | float
    ) -> int | float:
        now = self.clock()
        params = {
            "worklet": worklet,
            "namespace": namespace,
            "key": key,
            "delta": delta,
            "initial": json.dumps(delta),
            "now": now,
        }
        rows = await self._run(False, _fetchall, _INCREMENT, params)  # all: RETURNING
        if rows:
            return json.loads(rows[0][0])
        found = await self._json_type(worklet, namespace, key)
        if found in ("integer", "real"):
            raise increment_overflow(namespace, key)
        raise not_a_number(namespace, key, found or "nothing")

    async def append(self, worklet: int, namespace: str, key: str, value: AppendValue) -> None:
        params = {
            "worklet": worklet,
            "namespace": namespace,
            "key": key,
            "text": value.text,
            "item": value.item,
            "initial": value.initial,
            "now": self.clock(),
        }
        rows = await self._run(len(value.item) > INLINE_MAX_BYTES, _fetchall, _APPEND, params)
        if not rows:
            found = await self._json_type(worklet, namespace, key)
            raise cannot_append(namespace, key, found or "nothing", value)

    async def _json_type(self, worklet: int, namespace: str, key: str) -> str | None:
        query = f"SELECT json_type(value) FROM kv_store {_SCOPE}"
        row = await self._run(False, _fetchone, query, (worklet, namespace, key))
        return None if row is None else row[0]

    # Many keys

    async def mset(self, worklet: int, namespace: str, entries: list[tuple[str, str]]) -> int:
        now = self.clock()
        rows = [(worklet, namespace, key, value, now, now) for key, value in entries]
        heavy = len(rows) > INLINE_MAX_ROWS or sum(len(v) for _, v in entries) > INLINE_MAX_BYTES
        await self._run(heavy, _execute_many, _UPSERT, rows)
        return len(rows)

    async def mget(self, worklet: int, namespace: str, keys: list[str]) -> dict[str, str]:
        query = (
            "SELECT key, value FROM kv_store WHERE worklet_id = ? AND namespace = ? "
            "AND key IN (SELECT value FROM json_each(?))"
        )
        params = (worklet, namespace, json.dumps(keys))
        rows = await self._run(len(keys) > INLINE_MAX_ROWS, _fetchall, query, params)
        return dict(rows)

    async def list(
        self, worklet: int, namespace: str | None, pattern: str | None, limit: int, offset: int
    ) -> list[tuple[str, str]]:
        where, params = ["worklet_id = ?"], [worklet]
        if namespace is not None:
            where.append("namespace = ?")
            params.append(namespace)
        if pattern is not None:
            where.append("key GLOB ?")
            params.append(glob_pattern(pattern))
        query = (
            f"SELECT namespace, key FROM kv_store WHERE {' AND '.join(where)} "
            "ORDER BY namespace, key LIMIT ? OFFSET ?"
        )
        return await self._run(True, _fetchall, query, (*params, limit, offset))

    async def list_namespaces(self, worklet: int) -> list[str]:
        query = "SELECT DISTINCT namespace FROM kv_store WHERE worklet_id = ? ORDER BY namespace"
        return [row[0] for row in await self._run(True, _fetchall, query, (worklet,))]

    async def clear(self, worklet: int, namespace: str | None) -> int:
        if namespace is None:
            return await self.drop(worklet)
        query = "DELETE FROM kv_store WHERE worklet_id = ? AND namespace = ?"
        return await self._run(True, _rowcount, query, (worklet, namespace))

    async def stats(self, worklet: int) -> Stats:
        query = (
            "SELECT count(*), count(DISTINCT namespace), "
            "coalesce(sum(length(CAST(value AS BLOB))), 0), max(updated_at) "
            "FROM kv_store WHERE worklet_id = ?"
        )
        keys, namespaces, size, last = await self._run(True, _fetchone, query, (worklet,))
        return Stats(keys, namespaces, size, last)

    async def export(self, worklet: int) -> list[tuple[str, str, str]]:
        query = (
            "SELECT namespace, key, value FROM kv_store WHERE worklet_id = ? "
            "ORDER BY namespace, key"
        )
        return await self._run(True, _fetchall, query, (worklet,))

    async def import_rows(self, worklet: int, rows: list[tuple[str, str, str]]) -> int:
        now = self.clock()
        values = [(worklet, ns, key, value, now, now) for ns, key, value in rows]
        await self._run(True, _execute_many, _UPSERT, values)
        return len(values)

    async def drop(self, worklet: int) -> int:
        query = "DELETE FROM kv_store WHERE worklet_id = ?"
        return await self._run(True, _rowcount, query, (worklet,))

    # Tokens

    async def save_token(self, worklet: int, digest: str) -> None:
        query = (
            "INSERT INTO kv_tokens (worklet_id, token_sha256, issued_at) VALUES (?, ?, ?) "
            "ON CONFLICT (worklet_id) DO UPDATE SET token_sha256 = excluded.token_sha256, "
            "issued_at = excluded.issued_at"
        )
        await self._run(False, _execute, query, (worklet, digest, self.clock()))

    async def delete_token(self, worklet: int) -> None:
        query = "DELETE FROM kv_tokens WHERE worklet_id = ?"
        await self._run(False, _execute, query, (worklet,))

    async def load_tokens(self) -> dict[str, int]:
        query = "SELECT token_sha256, worklet_id FROM kv_tokens"
        return dict(await self._run(True, _fetchall, query, ()))


# The statements, run with the connection: each one alone, or in one transaction.


def _execute(db: sqlite3.Connection, query: str, params: Any) -> None:
    db.execute(query, params)


def _fetchone(db: sqlite3.Connection, query: str, params: Any) -> tuple | None:
    return db.execute(query, params).fetchone()


def _fetchall(db: sqlite3.Connection, query: str, params: Any) -> list[tuple]:
    return db.execute(query, params).fetchall()


def _rowcount(db: sqlite3.Connection, query: str, params: Any) -> int:
    return db.execute(query, params).rowcount


def _execute_many(db: sqlite3.Connection, query: str, rows: list[tuple]) -> None:
    """All the rows or, if one fails, none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(query, rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
