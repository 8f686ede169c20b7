"""The `worklets` table, read and written on the core's aiosqlite connection."""

from __future__ import annotations

import json

import aiosqlite

from aio.worklets.model import COLUMNS, Worklet

_WRITTEN = COLUMNS[1:]  # every column but the id, which SQLite assigns
_QUOTED = [f'"{name}"' for name in _WRITTEN]  # `commit` is an SQL keyword


def _row(worklet: Worklet) -> tuple:
    data = worklet.to_dict()
    data["env"] = json.dumps(data["env"])
    return tuple(data[name] for name in _WRITTEN)


async def insert_worklet(db: aiosqlite.Connection, worklet: Worklet) -> int:
    """Insert `worklet` (its id is ignored); return the number it was given."""
    cursor = await db.execute(
        f"INSERT INTO worklets ({', '.join(_QUOTED)}) VALUES ({', '.join('?' * len(_QUOTED))})",
        _row(worklet),
    )
    return int(cursor.lastrowid)


async def update_worklet(db: aiosqlite.Connection, worklet: Worklet) -> None:
    """Write every field of `worklet` to its row."""
    await db.execute(
        f"UPDATE worklets SET {', '.join(f'{n} = ?' for n in _QUOTED)} WHERE id = ?",
        (*_row(worklet), worklet.id),
    )


async def delete_worklet(db: aiosqlite.Connection, number: int) -> None:
    """Delete worklet `number`'s row (its number is not given again)."""
    await db.execute("DELETE FROM worklets WHERE id = ?", (number,))


async def load_worklets(db: aiosqlite.Connection) -> list[Worklet]:
    """Every worklet, oldest first."""
    columns = ", ".join(f'"{name}"' for name in COLUMNS)
    async with db.execute(f"SELECT {columns} FROM worklets ORDER BY id") as cursor:
        rows = await cursor.fetchall()
    worklets = []
    for row in rows:
        data = dict(zip(COLUMNS, row, strict=True))
        data["env"] = json.loads(data["env"] or "{}")
        worklets.append(Worklet.from_dict(data))
    return worklets
