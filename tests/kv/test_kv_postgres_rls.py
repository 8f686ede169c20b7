"""Row-level security binds aio's own role: raw SQL as `kv_url`'s role, without the
per-transaction worklet (or with another worklet's), sees and changes nothing of other
worklets; and aio refuses a `kv_url` whose role RLS would not bind."""

from __future__ import annotations

import asyncpg
import pytest
from kv_harness import PostgresCluster

from aio.kv.errors import KVConnectionError
from aio.kv.postgres_backend import PostgresBackend


@pytest.fixture
async def seeded(postgres: PostgresCluster):
    """A fresh database with the schema (applied by aio as the owner) and a key for worklets 1
    and 2; yields (the app role's URL, a connection as that role)."""
    database = postgres.new_database()
    app_url = postgres.url("aio_kv", database)
    backend = PostgresBackend(app_url, postgres.url("aio_owner", database))
    await backend.open()
    await backend.set(1, "default", "secret", '"one"')
    await backend.set(2, "default", "secret", '"two"')
    conn = await asyncpg.connect(app_url)
    try:
        yield backend, conn
    finally:
        await conn.close()
        await backend.close()


async def test_without_the_worklet_setting_nothing_is_seen_or_changed(seeded) -> None:
    backend, conn = seeded
    assert await conn.fetchval("SELECT count(*) FROM worklet_kv_store") == 0
    assert await conn.execute("UPDATE worklet_kv_store SET value = '\"pwned\"'") == "UPDATE 0"
    assert await conn.execute("DELETE FROM worklet_kv_store") == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await conn.execute(
            "INSERT INTO worklet_kv_store (worklet_id, key, value) VALUES (1, 'x', '1')"
        )
    assert await backend.get(1, "default", "secret") == '"one"'
    assert await backend.get(2, "default", "secret") == '"two"'


async def test_another_worklets_setting_reaches_only_that_worklet(seeded) -> None:
    backend, conn = seeded
    async with conn.transaction():
        await conn.execute("SELECT set_config('aio.worklet_id', '2', true)")
        rows = await conn.fetch("SELECT worklet_id, value::text FROM worklet_kv_store")
        assert [tuple(r) for r in rows] == [(2, '"two"')]
        assert (
            await conn.fetchval("SELECT count(*) FROM worklet_kv_store WHERE worklet_id = 1") == 0
        )
        update = "UPDATE worklet_kv_store SET value = '\"pwned\"' WHERE worklet_id = 1"
        assert await conn.execute(update) == "UPDATE 0"
        assert await conn.execute("DELETE FROM worklet_kv_store WHERE worklet_id = 1") == "DELETE 0"
    for statement in (
        "INSERT INTO worklet_kv_store (worklet_id, key, value) VALUES (1, 'x', '1')",
        "UPDATE worklet_kv_store SET worklet_id = 1",  # moving a row to worklet 1
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await conn.execute("SELECT set_config('aio.worklet_id', '2', true)")
                await conn.execute(statement)
    # The setting ended with its transaction.
    assert await conn.fetchval("SELECT count(*) FROM worklet_kv_store") == 0
    assert await backend.get(1, "default", "secret") == '"one"'
    assert await backend.get(2, "default", "secret") == '"two"'


async def test_aios_role_cannot_switch_the_security_off(seeded) -> None:
    _, conn = seeded
    for statement in (
        "ALTER TABLE worklet_kv_store DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE worklet_kv_store NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY worklet_kv_store_one_worklet ON worklet_kv_store",
        "SET ROLE aio_owner",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        (
            "aio_owner",
            "kv_url's role 'aio_owner' owns worklet_kv_store (or is a member of its owner)",
        ),
        ("admin", "kv_url's role 'admin' is a superuser"),
        ("aio_bypass", "kv_url's role 'aio_bypass' has BYPASSRLS"),
    ],
)
async def test_a_role_that_rls_would_not_bind_is_refused(
    postgres: PostgresCluster, role: str, reason: str
) -> None:
    database = postgres.new_database()
    await PostgresBackend(
        postgres.url("aio_kv", database), postgres.url("aio_owner", database)
    ).open()
    if role == "aio_bypass":
        postgres.sql(
            database,
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aio_bypass') "
            "THEN CREATE ROLE aio_bypass LOGIN BYPASSRLS; END IF; END $$; "
            "GRANT SELECT ON worklet_kv_store TO aio_bypass",
        )
    backend = PostgresBackend(postgres.url(role, database))
    with pytest.raises(KVConnectionError) as caught:
        await backend.open()
    assert str(caught.value) == f"refusing the Postgres KV store: {reason}"


async def test_without_the_schema_aio_says_how_to_make_it(postgres: PostgresCluster) -> None:
    backend = PostgresBackend(postgres.url("aio_kv", postgres.new_database()))
    with pytest.raises(
        KVConnectionError, match=r"does not exist \(run postgres_schema.sql or set kv_admin_url\)"
    ):
        await backend.open()
