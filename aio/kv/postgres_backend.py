"""The KV store in Postgres (config `kv_url = "postgresql://..."`), through asyncpg.

The seed's `worklet_kv_store` (JSONB values, the unique (worklet, namespace, key) constraint,
its indexes and `updated_at` trigger) with row-level security that binds aio itself:

* aio connects with `kv_url` as a role that is not the table's owner (nor a member of it), not a
  superuser and without BYPASSRLS; at start-up it checks that, and that RLS is enabled and
  forced on the table, and refuses to serve otherwise.
* Every operation is one transaction that first runs `set_config('aio.worklet_id', ID, true)`
  (transaction-local); the policy's USING and WITH CHECK compare each row's `worklet_id` with
  it. Unset, it matches nothing. So even a query of aio's that forgot its `worklet_id = $1`
  (they all have one, too) could not read or write another worklet's rows.
* Who creates the schema: the owner. Either set `kv_admin_url` to the owner's URL, and aio runs
  `aio/data/kv/postgres_schema.sql` (idempotent) as the owner at each start and grants aio's
  role what it needs; or run that file once yourself:
  `psql OWNER_URL -v app_role=AIO_ROLE -f aio/data/kv/postgres_schema.sql`.

Differences from SQLite, none visible through the rules: JSONB does not keep an object's key
order or duplicate keys, and `increment` adds in exact decimal (0.1 + 0.2 is 0.3).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from importlib import resources
from typing import Any

import asyncpg

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

SCHEMA_VERSION = 1
CONNECT_TIMEOUT = 5.0
POOL_SIZE = 8
MAX_FLOAT = "1.7976931348623157e308"
_TABLE = "worklet_kv_store"
_KEY = "worklet_id = $1 AND namespace = $2 AND key = $3"
_INSERT = f"INSERT INTO {_TABLE} AS t (worklet_id, namespace, key, value) "
_ON_KEY = "ON CONFLICT (worklet_id, namespace, key) DO UPDATE SET "
_UPSERT_MANY = (
    f"{_INSERT}SELECT $1, u.ns, u.key, u.value::jsonb "
    "FROM unnest($2::text[], $3::text[], $4::text[]) AS u(ns, key, value) "
    f"{_ON_KEY}value = EXCLUDED.value"
)
_SUM = "((t.value #>> '{}')::numeric + $4::numeric)"
_INCREMENT = (
    f"{_INSERT}VALUES ($1, $2, $3, to_jsonb($4::numeric)) {_ON_KEY}value = to_jsonb({_SUM}) "
    f"WHERE jsonb_typeof(t.value) = 'number' AND abs({_SUM}) <= {MAX_FLOAT} "
    "RETURNING value::text"
)
_APPENDED = (
    "(CASE jsonb_typeof(t.value) WHEN 'string' THEN to_jsonb((t.value #>> '{}') || $5::text) "
    "ELSE t.value || jsonb_build_array($6::jsonb) END)"
)
_APPEND = (
    f"{_INSERT}VALUES ($1, $2, $3, $4::jsonb) {_ON_KEY}value = {_APPENDED} "
    "WHERE ((jsonb_typeof(t.value) = 'string' AND $5::text IS NOT NULL) "
    "OR jsonb_typeof(t.value) = 'array') "
    f"AND octet_length({_APPENDED}::text) <= {MAX_VALUE_BYTES} RETURNING 1"
)
_CONNECTION_ERRORS = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


def like_pattern(pattern: str) -> str:
    """A list pattern as a LIKE pattern with ESCAPE '\\': `*` and `?` become `%` and `_`;
    LIKE's own `%`, `_` and the escape character stand for themselves."""
    out = []
    for char in pattern:
        if char in "\\%_":
            out.append("\\" + char)
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        else:
            out.append(char)
    return "".join(out)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_sql(app_role: str) -> str:
    """The schema script with aio's role filled in (psql's `:"app_role"`)."""
    text = resources.files("aio.data").joinpath("kv", "postgres_schema.sql").read_text("utf-8")
    return text.replace(':"app_role"', quote_ident(app_role))


async def apply_schema(admin_url: str, app_role: str) -> None:
    """Create or update the schema as its owner, granting `app_role` what aio needs."""
    admin = await asyncpg.connect(admin_url, timeout=CONNECT_TIMEOUT)
    try:
        async with admin.transaction():
            await admin.execute(schema_sql(app_role))
    finally:
        await admin.close()


async def unsafe_role_reason(conn: asyncpg.Connection) -> str | None:
    """Why row-level security would not bind the connection's role, or None if it does."""
    row = await conn.fetchrow(
        "SELECT current_user AS role, r.rolsuper, r.rolbypassrls, "
        "pg_has_role(current_user, c.relowner, 'MEMBER') AS owns, "
        "c.relrowsecurity, c.relforcerowsecurity "
        "FROM pg_roles r, pg_class c "
        "WHERE r.rolname = current_user AND c.oid = to_regclass($1)",
        _TABLE,
    )
    if row is None:
        return f"table {_TABLE} does not exist (run postgres_schema.sql or set kv_admin_url)"
    role = row["role"]
    if row["rolsuper"]:
        return f"kv_url's role '{role}' is a superuser"
    if row["rolbypassrls"]:
        return f"kv_url's role '{role}' has BYPASSRLS"
    if row["owns"]:
        return f"kv_url's role '{role}' owns {_TABLE} (or is a member of its owner)"
    if not (row["relrowsecurity"] and row["relforcerowsecurity"]):
        return f"row-level security is not enabled and forced on {_TABLE}"
    return None


class PostgresBackend(KvBackend):
    """The KV store in a Postgres database, every operation scoped by row-level security."""

    name = "postgres"

    def __init__(self, url: str, admin_url: str | None = None) -> None:
        self.url = url
        self.admin_url = admin_url
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        try:
            await self._open()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, _CONNECTION_ERRORS):
                raise KVConnectionError(f"cannot reach the KV database: {exc}") from None
            if isinstance(exc, asyncpg.PostgresError):
                raise KVConnectionError(f"the KV database refused: {exc}") from None
            raise

    async def _open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT
        )
        async with self._pool.acquire() as conn:
            if self.admin_url:
                await apply_schema(self.admin_url, await conn.fetchval("SELECT current_user"))
            reason = await unsafe_role_reason(conn)
            if reason is not None:
                raise KVConnectionError(f"refusing the Postgres KV store: {reason}")
            version = await conn.fetchval("SELECT max(version) FROM worklet_kv_schema")
            if version != SCHEMA_VERSION:
                raise KVConnectionError(
                    f"the KV schema is at version {version}, aio needs {SCHEMA_VERSION} "
                    "(run postgres_schema.sql as the owner, or set kv_admin_url)"
                )

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @contextlib.asynccontextmanager
    async def _scoped(self, worklet: int) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction that row-level security binds to `worklet`."""
        if self._pool is None:
            raise KVConnectionError("the KV database is not connected")
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT set_config('aio.worklet_id', $1, true)", str(worklet))
                yield conn
        except _CONNECTION_ERRORS as exc:
            raise KVConnectionError(f"lost the KV database: {exc}") from None

    async def _fetch(self, worklet: int, query: str, *args: Any) -> list:
        async with self._scoped(worklet) as conn:
            return await conn.fetch(query, worklet, *args)

    async def _status(self, worklet: int, query: str, *args: Any) -> int:
        """The number of rows a DELETE/UPDATE touched."""
        async with self._scoped(worklet) as conn:
            status = await conn.execute(query, worklet, *args)
        return int(status.rsplit(" ", 1)[-1])

    # Single keys

    async def set(self, worklet: int, namespace: str, key: str, value: str) -> None:
        query = f"{_INSERT}VALUES ($1, $2, $3, $4::jsonb) {_ON_KEY}value = EXCLUDED.value"
        await self._status(worklet, query, namespace, key, value)

    async def get(self, worklet: int, namespace: str, key: str) -> str | None:
        rows = await self._fetch(
            worklet, f"SELECT value::text FROM {_TABLE} WHERE {_KEY}", namespace, key
        )
        return rows[0][0] if rows else None

    async def has(self, worklet: int, namespace: str, key: str) -> bool:
        return bool(
            await self._fetch(worklet, f"SELECT 1 FROM {_TABLE} WHERE {_KEY}", namespace, key)
        )

    async def delete(self, worklet: int, namespace: str, key: str) -> bool:
        return await self._status(worklet, f"DELETE FROM {_TABLE} WHERE {_KEY}", namespace, key) > 0

    async def increment(
        self, worklet: int, namespace: str, key: str, delta: int | float
    ) -> int | float:
        rows = await self._fetch(worklet, _INCREMENT, namespace, key, Decimal(repr(delta)))
        if rows:
            return json.loads(rows[0][0])
        found = await self._json_type(worklet, namespace, key)
        if found == "number":
            raise increment_overflow(namespace, key)
        raise not_a_number(namespace, key, found or "nothing")

    async def append(self, worklet: int, namespace: str, key: str, value: AppendValue) -> None:
        args = (namespace, key, value.initial, value.text, value.item)
        if not await self._fetch(worklet, _APPEND, *args):
            found = await self._json_type(worklet, namespace, key)
            raise cannot_append(namespace, key, found or "nothing", value)

    async def _json_type(self, worklet: int, namespace: str, key: str) -> str | None:
        query = f"SELECT jsonb_typeof(value) FROM {_TABLE} WHERE {_KEY}"
        rows = await self._fetch(worklet, query, namespace, key)
        return rows[0][0] if rows else None

    # Many keys

    async def mset(self, worklet: int, namespace: str, entries: list[tuple[str, str]]) -> int:
        return await self.import_rows(worklet, [(namespace, k, v) for k, v in entries])

    async def mget(self, worklet: int, namespace: str, keys: list[str]) -> dict[str, str]:
        query = (
            f"SELECT key, value::text FROM {_TABLE} "
            "WHERE worklet_id = $1 AND namespace = $2 AND key = ANY($3::text[])"
        )
        return {row[0]: row[1] for row in await self._fetch(worklet, query, namespace, keys)}

    async def list(
        self, worklet: int, namespace: str | None, pattern: str | None, limit: int, offset: int
    ) -> list[tuple[str, str]]:
        where, args = ["worklet_id = $1"], []
        if namespace is not None:
            args.append(namespace)
            where.append(f"namespace = ${len(args) + 1}")
        if pattern is not None:
            args.append(like_pattern(pattern))
            where.append(f"key LIKE ${len(args) + 1} ESCAPE '\\'")
        query = (
            f"SELECT namespace, key FROM {_TABLE} WHERE {' AND '.join(where)} "
            f"ORDER BY namespace, key LIMIT ${len(args) + 2} OFFSET ${len(args) + 3}"
        )
        rows = await self._fetch(worklet, query, *args, limit, offset)
        return [(row[0], row[1]) for row in rows]

    async def list_namespaces(self, worklet: int) -> list[str]:
        query = f"SELECT DISTINCT namespace FROM {_TABLE} WHERE worklet_id = $1 ORDER BY namespace"
        return [row[0] for row in await self._fetch(worklet, query)]

    async def clear(self, worklet: int, namespace: str | None) -> int:
        if namespace is None:
            return await self.drop(worklet)
        query = f"DELETE FROM {_TABLE} WHERE worklet_id = $1 AND namespace = $2"
        return await self._status(worklet, query, namespace)

    async def stats(self, worklet: int) -> Stats:
        query = (
            "SELECT count(*), count(DISTINCT namespace), "
            "coalesce(sum(octet_length(value::text)), 0), "
            f"extract(epoch FROM max(updated_at))::float8 FROM {_TABLE} WHERE worklet_id = $1"
        )
        keys, namespaces, size, last = (await self._fetch(worklet, query))[0]
        return Stats(keys, namespaces, int(size), last)

    async def export(self, worklet: int) -> list[tuple[str, str, str]]:
        query = (
            f"SELECT namespace, key, value::text FROM {_TABLE} WHERE worklet_id = $1 "
            "ORDER BY namespace, key"
        )
        return [(row[0], row[1], row[2]) for row in await self._fetch(worklet, query)]

    async def import_rows(self, worklet: int, rows: list[tuple[str, str, str]]) -> int:
        columns = [list(column) for column in zip(*rows, strict=True)]
        await self._status(worklet, _UPSERT_MANY, *columns)  # one statement: all or none
        return len(rows)

    async def drop(self, worklet: int) -> int:
        return await self._status(worklet, f"DELETE FROM {_TABLE} WHERE worklet_id = $1")

    # Tokens (looked up by digest, so outside any one worklet's scope)

    async def _admin(self, query: str, *args: Any) -> list:
        if self._pool is None:
            raise KVConnectionError("the KV database is not connected")
        try:
            return await self._pool.fetch(query, *args)
        except _CONNECTION_ERRORS as exc:
            raise KVConnectionError(f"lost the KV database: {exc}") from None

    async def save_token(self, worklet: int, digest: str) -> None:
        await self._admin(
            "INSERT INTO worklet_kv_tokens (worklet_id, token_sha256) VALUES ($1, $2) "
            "ON CONFLICT (worklet_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, "
            "issued_at = NOW()",
            worklet,
            digest,
        )

    async def delete_token(self, worklet: int) -> None:
        await self._admin("DELETE FROM worklet_kv_tokens WHERE worklet_id = $1", worklet)

    async def load_tokens(self) -> dict[str, int]:
        rows = await self._admin("SELECT token_sha256, worklet_id FROM worklet_kv_tokens")
        return {row[0]: row[1] for row in rows}
