"""The `claude_sessions` table, read and written on the core's aiosqlite connection."""

from __future__ import annotations

import aiosqlite

from aio.claude.model import COLUMNS, ClaudeSession

_WRITTEN = COLUMNS[1:]  # every column but the id, which SQLite assigns


def _row(session: ClaudeSession) -> tuple:
    data = session.to_dict()
    return tuple(data[name] for name in _WRITTEN)


async def insert_session(db: aiosqlite.Connection, session: ClaudeSession) -> int:
    """Insert `session` (its id is ignored); return the aio number it was given."""
    cursor = await db.execute(
        f"INSERT INTO claude_sessions ({', '.join(_WRITTEN)}) "
        f"VALUES ({', '.join('?' * len(_WRITTEN))})",
        _row(session),
    )
    return int(cursor.lastrowid)


async def update_session(db: aiosqlite.Connection, session: ClaudeSession) -> None:
    """Write every field of `session` to its row."""
    await db.execute(
        f"UPDATE claude_sessions SET {', '.join(f'{n} = ?' for n in _WRITTEN)} WHERE id = ?",
        (*_row(session), session.id),
    )


async def delete_session(db: aiosqlite.Connection, number: int) -> None:
    """Delete session `number`'s row."""
    await db.execute("DELETE FROM claude_sessions WHERE id = ?", (number,))


async def load_sessions(db: aiosqlite.Connection) -> list[ClaudeSession]:
    """Every session, oldest first."""
    async with db.execute(f"SELECT {', '.join(COLUMNS)} FROM claude_sessions ORDER BY id") as cur:
        rows = await cur.fetchall()
    return [ClaudeSession.from_dict(dict(zip(COLUMNS, row, strict=True))) for row in rows]
