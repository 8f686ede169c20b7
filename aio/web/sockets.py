"""The open WebSockets of each browser session, so that ending a session (logout, expiry) ends
them too: from that moment nothing more is read from them, and they are closed with code 4001."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from aiohttp import web

SESSION_ENDED = 4001  # the close code the pages read as "get a new link"


class SessionSocket:
    """A session's WebSocket as the stream handlers see it: the WebSocket itself, except that
    reading stops the moment its session ends, even before the close handshake is done."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.ended = False
        self.closing: asyncio.Task | None = None  # the close with SESSION_ENDED, once ended

    def __getattr__(self, name: str):
        return getattr(self.ws, name)

    def __aiter__(self) -> SessionSocket:
        return self

    async def __anext__(self):
        try:
            message = await anext(self.ws)
        except StopAsyncIteration:
            await self._wait_closed()
            raise
        if self.ended:
            await self._wait_closed()
            raise StopAsyncIteration  # sent by a session that has just ended: dropped
        return message

    async def _wait_closed(self) -> None:
        # A handler that returned mid-handshake would have its connection cut (1006 to the
        # browser, not the code that says why): it waits for the close to finish.
        if self.closing is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.closing)


class SessionSockets:
    """Each session's open sockets, by the session's id hash."""

    def __init__(self) -> None:
        self._open: dict[str, set[SessionSocket]] = {}
        self._closing: set[asyncio.Task] = set()

    @contextlib.contextmanager
    def opened(self, id_hash: str, ws: web.WebSocketResponse) -> Iterator[SessionSocket]:
        """Hold `ws` as one of the session's sockets while the block runs."""
        socket = SessionSocket(ws)
        self._open.setdefault(id_hash, set()).add(socket)
        try:
            yield socket
        finally:
            held = self._open.get(id_hash)
            if held is not None:
                held.discard(socket)
                if not held:
                    del self._open[id_hash]

    def sessions(self) -> set[str]:
        """The id hashes of the sessions that have sockets open."""
        return set(self._open)

    def end(self, id_hash: str) -> int:
        """Stop reading the session's sockets at once and close them; how many there were."""
        sockets = self._open.pop(id_hash, set())
        for socket in sockets:
            socket.ended = True
            task = asyncio.create_task(
                socket.ws.close(code=SESSION_ENDED, message=b"session ended")
            )
            socket.closing = task
            self._closing.add(task)
            task.add_done_callback(self._close_done)
        return len(sockets)

    def _close_done(self, task: asyncio.Task) -> None:
        self._closing.discard(task)
        if not task.cancelled():
            task.exception()  # a client that went away meanwhile: nothing left to close
