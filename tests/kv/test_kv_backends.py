"""The backends and the service in-process: pattern translation, the SQLite file (its own,
private, WAL, own schema version), tokens kept only as digests, and concurrent increments
through each backend's own connections."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from kv_harness import PostgresCluster

from aio.config.settings import Config
from aio.core.migrations import migrations
from aio.kv.postgres_backend import PostgresBackend, like_pattern
from aio.kv.service import KvService, kv_database_path
from aio.kv.sqlite_backend import SqliteBackend, glob_pattern


@pytest.mark.parametrize(
    ("pattern", "glob", "like"),
    [
        ("a*b?c", "a*b?c", "a%b_c"),
        ("100%", "100%", "100\\%"),
        ("a_b", "a_b", "a\\_b"),
        ("[x]", "[[]x]", "[x]"),
        ("back\\slash*", "back\\slash*", "back\\\\slash%"),
    ],
)
def test_patterns_become_glob_and_like_with_their_specials_escaped(
    pattern: str, glob: str, like: str
) -> None:
    assert glob_pattern(pattern) == glob
    assert like_pattern(pattern) == like


async def test_the_sqlite_store_is_its_own_private_wal_file(tmp_path: Path) -> None:
    service = KvService(tmp_path, Config())
    await service.start()
    token = await service.issue_token(7)
    await service.call(7, "set", {"key": "k", "value": "v"})
    await service.stop()
    path = kv_database_path(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == migrations("kv/migrations")[-1][0]
    assert db.execute("SELECT worklet_id, key, value FROM kv_store").fetchall() == [(7, "k", '"v"')]
    db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("kv.sqlite3"))
    assert token.encode() not in raw  # only its digest is kept
    assert not (tmp_path / "aio.db").exists()


async def test_tokens_rotate_revoke_and_survive_a_restart(tmp_path: Path) -> None:
    service = KvService(tmp_path, Config())
    await service.start()
    first = await service.issue_token(1)
    second = await service.issue_token(1)
    other = await service.issue_token(2)
    assert service.worklet_for_token(first) is None
    assert service.worklet_for_token(second) == 1
    assert service.worklet_for_token(other) == 2
    assert service.worklet_for_token("") is None
    await service.stop()
    again = KvService(tmp_path, Config())
    await again.start()
    assert again.worklet_for_token(second) == 1
    await again.revoke(1)
    assert again.worklet_for_token(second) is None
    assert again.worklet_for_token(other) == 2
    await again.call(2, "set", {"key": "k", "value": 1})
    assert await again.drop_data(2) == 1
    await again.stop()


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        made = SqliteBackend(tmp_path / "kv.sqlite3")
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.new_database()
        made = PostgresBackend(cluster.url("aio_kv", database), cluster.url("aio_owner", database))
    await made.open()
    try:
        yield made
    finally:
        await made.close()


async def test_concurrent_increments_and_appends_through_the_backend(backend) -> None:
    await backend.set(1, "n", "log", "[]")
    from aio.kv.backend import AppendValue

    async def bump(i: int) -> None:
        await backend.increment(1, "n", "count", 1)
        await backend.append(1, "n", "log", AppendValue(str(i), None))

    await asyncio.gather(*(bump(i) for i in range(200)))
    assert await backend.get(1, "n", "count") == "200"
    log = await backend.get(1, "n", "log")
    assert sorted(int(x) for x in log.strip("[]").split(",")) == list(range(200))
    assert await backend.get(2, "n", "count") is None


async def test_a_batch_that_fails_in_the_database_leaves_nothing(backend) -> None:
    """All or nothing also below the validation: the second row breaks the database's own rule
    (JSONB rejects it in Postgres; a NOT NULL value in SQLite), the first is rolled back."""
    await backend.set(1, "b", "keep", '"kept"')
    bad = "not json" if backend.name == "postgres" else None
    with pytest.raises(Exception):  # noqa: B017 - each database has its own error type
        await backend.import_rows(1, [("b", "first", "1"), ("b", "second", bad)])
    assert await backend.export(1) == [("b", "keep", '"kept"')]


async def test_an_unreachable_postgres_leaves_the_core_up_and_says_why(tmp_path: Path) -> None:
    config = Config(kv_url=f"postgresql://aio_kv@/kv?host={tmp_path / 'nowhere'}")
    service = KvService(tmp_path, config)
    await service.start()  # does not raise: the core runs on without its KV store
    assert service.error is not None and service.error.startswith("cannot reach the KV database")
    from aio.kv.errors import KVConnectionError

    with pytest.raises(
        KVConnectionError, match="the KV store is unavailable: cannot reach"
    ) as caught:
        await service.call(1, "get", {"key": "k"})
    assert (caught.value.status, caught.value.code) == (503, "CONNECTION_ERROR")
    await service.stop()
