"""The core's SQLite database (aiosqlite, WAL), with schema migrations from the first day.

Migrations are the numbered SQL files in `aio/data/migrations`; `PRAGMA user_version` records
the last one applied, and each is applied in one transaction.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path

import aiosqlite

from aio.core.migrations import migrations, split_sql
from aio.jobs.model import Job

# The jobs table has one column per Job field; steps and variables are stored as JSON.
_JOB_COLUMNS = tuple(f.name for f in fields(Job))
_JSON_COLUMNS = ("steps", "variables")


class Store:
    """Async access to the database; one connection owned by the core."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        fresh = not self.path.exists()
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        assert self._db is not None, "Store.open() first"
        return self._db

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def _migrate(self) -> None:
        current = await self.schema_version()
        for version, sql in migrations():
            if version <= current:
                continue
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                if await self.schema_version() >= version:
                    await self.db.execute("ROLLBACK")
                    continue
                for statement in split_sql(sql):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {version}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise

    # Jobs

    async def insert_job(self, job: Job) -> int:
        """Insert a job (its `id` is ignored) and return the new id."""
        names = _JOB_COLUMNS[1:]
        cursor = await self.db.execute(
            f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            _job_row(job.to_dict(), names),
        )
        return int(cursor.lastrowid)

    async def update_job(self, job: dict | Job) -> None:
        """Write a job's record; `job` may be a snapshot from `Job.to_dict()`."""
        data = job.to_dict() if isinstance(job, Job) else job
        names = _JOB_COLUMNS[1:]
        await self.db.execute(
            f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            (*_job_row(data, names), data["id"]),
        )

    async def delete_job(self, job_id: int) -> None:
        await self.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    async def load_jobs(self) -> list[Job]:
        query = f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs ORDER BY id"
        async with self.db.execute(query) as cursor:
            rows = await cursor.fetchall()
        return [_job_from_row(row) for row in rows]

    # Watch folder

    async def watched_sha(self, path: str) -> str | None:
        async with self.db.execute(
            "SELECT sha256 FROM watched_files WHERE path = ?", (path,)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def record_watched(self, path: str, sha256: str, when: float) -> None:
        await self.db.execute(
            "INSERT INTO watched_files (path, sha256, queued_at) VALUES (?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, "
            "queued_at = excluded.queued_at",
            (path, sha256, when),
        )

    # Browser sessions

    async def load_web_sessions(self, now: float) -> list[tuple[str, bool, float, int | None]]:
        """The sessions still live at `now`: (id hash, read-only, expiry, job or None for all)."""
        await self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        async with self.db.execute(
            "SELECT id_hash, readonly, expires_at, job_id FROM web_sessions"
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], bool(row[1]), row[2], row[3]) for row in rows]

    async def save_web_session(
        self, id_hash: str, readonly: bool, expires_at: float, job_id: int | None
    ) -> None:
        """Keep a session (its scope: job `job_id`, or every job for None)."""
        await self.db.execute(
            "INSERT OR REPLACE INTO web_sessions (id_hash, readonly, expires_at, job_id) "
            "VALUES (?, ?, ?, ?)",
            (id_hash, int(readonly), expires_at, job_id),
        )

    async def delete_web_session(self, id_hash: str) -> None:
        await self.db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))


def _job_row(data: dict, names: tuple[str, ...]) -> tuple:
    return tuple(json.dumps(data[n]) if n in _JSON_COLUMNS else data[n] for n in names)


def _job_from_row(row: tuple) -> Job:
    data = dict(zip(_JOB_COLUMNS, row, strict=True))
    for name in _JSON_COLUMNS:
        data[name] = json.loads(data[name])
    return Job.from_dict(data)
