"""The `flow_events` and `flow_runs` tables, on the core's aiosqlite connection, written by one
RecordWriter in order.

An event and the runs it started are written in one transaction, so a restart finds both or
neither; under load the writer puts every change waiting at that moment (new events with their
runs, runs' later states) into one transaction, so a thousand events cost a few commits, not a
thousand. The connection is shared by the core's domains and is in autocommit mode otherwise:
their single statements that land inside such a transaction are committed with it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import aiosqlite

from aio.flows.model import FlowEvent, FlowRun

log = logging.getLogger("aio.flows.records")
_EVENT_COLUMNS = "id, type, source, occurred_at, received_at, payload, run_ids, unmatched"


def _event_row(event: FlowEvent) -> tuple:
    return (
        event.id,
        event.type,
        event.source,
        event.occurred_at,
        event.received_at,
        json.dumps(event.payload),
        json.dumps(event.run_ids),
        json.dumps(event.unmatched),
    )


def _run_row(run: FlowRun) -> tuple:
    return (run.id, run.event_id, run.status, json.dumps(run.to_dict()))


class RecordWriter:
    """Writes the flows' records in the order they were handed over, batched (see the module)."""

    def __init__(self, db: Callable[[], aiosqlite.Connection]) -> None:
        self._db = db
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def insert(self, event: FlowEvent | None, runs: list[FlowRun]) -> None:
        """Write a new event (None for a replay) and its new runs, all or nothing; returns once
        they are committed."""
        done = asyncio.get_running_loop().create_future()
        rows = (_event_row(event) if event is not None else None, [_run_row(r) for r in runs])
        self._queue.put_nowait(("insert", rows, done))
        await done

    def update(self, run: FlowRun, snapshot: dict | None = None) -> None:
        """Write `run` as it is now (after everything handed over before); `snapshot` is its
        `to_dict()` if the caller has it already."""
        data = json.dumps(snapshot if snapshot is not None else run.to_dict())
        self._queue.put_nowait(("update", (run.status, data, run.id), None))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            stop = None in batch
            items = [item for item in batch if item is not None]
            try:
                await self._write(items)
            except Exception:
                for item in items:  # alone, so that one bad row fails only its own change
                    try:
                        await self._write([item])
                    except Exception as exc:
                        _failed(item, exc)
            else:
                for _kind, _rows, done in items:
                    if done is not None and not done.done():
                        done.set_result(None)
            if stop:
                return

    async def _write(self, items: list[tuple]) -> None:
        db = self._db()
        await db.execute("BEGIN IMMEDIATE")
        try:
            for kind, rows, _done in items:
                if kind == "update":
                    await db.execute("UPDATE flow_runs SET status = ?, data = ? WHERE id = ?", rows)
                    continue
                event_row, run_rows = rows
                if event_row is not None:
                    await db.execute(
                        f"INSERT INTO flow_events ({_EVENT_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        event_row,
                    )
                if run_rows:
                    await db.executemany(
                        "INSERT INTO flow_runs (id, event_id, status, data) VALUES (?, ?, ?, ?)",
                        run_rows,
                    )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise


def _failed(item: tuple, exc: Exception) -> None:
    kind, rows, done = item
    if done is not None and not done.done():
        done.set_exception(exc)
    else:
        log.error("flows: could not write a %s of run %s: %s", kind, rows[-1], exc)


async def load_events(db: aiosqlite.Connection) -> list[FlowEvent]:
    """Every event, oldest first."""
    async with db.execute(f"SELECT {_EVENT_COLUMNS} FROM flow_events ORDER BY seq") as cursor:
        rows = await cursor.fetchall()
    return [
        FlowEvent(
            id=row[0],
            type=row[1],
            source=row[2],
            occurred_at=row[3],
            received_at=row[4],
            payload=json.loads(row[5]),
            run_ids=json.loads(row[6]),
            unmatched=json.loads(row[7]),
        )
        for row in rows
    ]


async def load_runs(db: aiosqlite.Connection) -> list[FlowRun]:
    """Every run, oldest first."""
    async with db.execute("SELECT data FROM flow_runs ORDER BY seq") as cursor:
        rows = await cursor.fetchall()
    return [FlowRun.from_dict(json.loads(row[0])) for row in rows]
