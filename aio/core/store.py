"""The core's SQLite database (aiosqlite, WAL), with schema migrations from the first day.

Migrations are the numbered SQL files in `aio/data/migrations`; `PRAGMA user_version` records
the last one applied, and each is applied in one transaction.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import aiosqlite

from aio.models import Job, JobStatus, Step
from aio.schema import migrations, split_sql

_JOB_COLUMNS = (
    "id, name, status, steps, created_at, started_at, finished_at, exit_code, current_step, "
    "folder, source, repo, branch, workdir, timeout, error, folder_removed, variables"
)


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
        row = _job_row(job)[1:]
        cursor = await self.db.execute(
            f"INSERT INTO jobs ({_JOB_COLUMNS.split(', ', 1)[1]}) "
            f"VALUES ({', '.join('?' * len(row))})",
            row,
        )
        return int(cursor.lastrowid)

    async def update_job(self, job: Job) -> None:
        row = _job_row(job)
        names = _JOB_COLUMNS.split(", ")[1:]
        await self.db.execute(
            f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            (*row[1:], row[0]),
        )

    async def delete_job(self, job_id: int) -> None:
        await self.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    async def load_jobs(self) -> list[Job]:
        async with self.db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs ORDER BY id") as cursor:
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

    async def load_web_sessions(self, now: float) -> list[tuple[str, bool, float]]:
        await self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        async with self.db.execute(
            "SELECT id_hash, readonly, expires_at FROM web_sessions"
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], bool(row[1]), row[2]) for row in rows]

    async def save_web_session(self, id_hash: str, readonly: bool, expires_at: float) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO web_sessions (id_hash, readonly, expires_at) VALUES (?, ?, ?)",
            (id_hash, int(readonly), expires_at),
        )

    async def delete_web_session(self, id_hash: str) -> None:
        await self.db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))


def _job_row(job: Job) -> tuple:
    return (
        job.id,
        job.name,
        str(job.status),
        json.dumps([s.to_dict() for s in job.steps]),
        job.created_at,
        job.started_at,
        job.finished_at,
        job.exit_code,
        job.current_step,
        job.folder,
        job.source,
        job.repo,
        job.branch,
        job.workdir,
        job.timeout,
        job.error,
        int(job.folder_removed),
        json.dumps(job.variables),
    )


def _job_from_row(row: tuple) -> Job:
    return Job(
        id=row[0],
        name=row[1],
        status=JobStatus(row[2]),
        steps=[Step.from_dict(s) for s in json.loads(row[3])],
        created_at=row[4],
        started_at=row[5],
        finished_at=row[6],
        exit_code=row[7],
        current_step=row[8],
        folder=row[9],
        source=row[10],
        repo=row[11],
        branch=row[12],
        workdir=row[13],
        timeout=row[14],
        error=row[15],
        folder_removed=bool(row[16]),
        variables=json.loads(row[17]),
    )
