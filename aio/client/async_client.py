"""The dashboard's connection to the core: requests, the event stream and attach streams.

Uses aiohttp over the unix socket, imported on first use (off the dashboard's first frame);
never imports Textual (a test checks it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from aio.client.core_client import CoreError, CoreUnavailable
from aio.config.locations import socket_path

if TYPE_CHECKING:
    import aiohttp


async def load_aiohttp() -> None:
    """Import aiohttp in a worker thread (it takes a while), so the UI keeps drawing."""
    import sys

    if "aiohttp" not in sys.modules:
        import importlib

        await asyncio.to_thread(importlib.import_module, "aiohttp")


class AsyncCoreClient:
    """One session to the core of a home; reconnects per request."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        import aiohttp

        if self._session is None or self._session.closed:
            connector = aiohttp.UnixConnector(path=str(socket_path(self.home)))
            self._session = aiohttp.ClientSession(connector=connector, read_bufsize=1 << 20)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, method: str, path: str, body: dict | None = None) -> dict:
        """One request; the decoded JSON answer, or CoreError / CoreUnavailable."""
        await load_aiohttp()
        import aiohttp

        try:
            async with self._http().request(method, f"http://aio{path}", json=body) as answer:
                try:
                    data = await answer.json(content_type=None)
                except (json.JSONDecodeError, aiohttp.ContentTypeError):
                    data = {"error": (await answer.text()).strip()}
                if answer.status >= 400:
                    message = data.get("error") if isinstance(data, dict) else None
                    raise CoreError(message or f"HTTP {answer.status}", answer.status)
                return data
        except aiohttp.ClientConnectionError as exc:
            raise CoreUnavailable(f"the core is not running ({exc})") from None

    async def events(self) -> AsyncIterator[dict]:
        """The core's events: a snapshot first, then every change, until the link drops."""
        await load_aiohttp()
        import aiohttp

        try:
            ws = await self._http().ws_connect("http://aio/events", heartbeat=30)
        except aiohttp.ClientConnectionError as exc:
            raise CoreUnavailable(f"the core is not running ({exc})") from None
        async with ws:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    yield json.loads(msg.data)
                elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break

    async def open_attach(
        self, job_id: int, *, mode: str = "tail", size: tuple[int, int] | None = None
    ) -> AttachStream:
        """A live stream of a job's output, for previews and in-dashboard typing."""
        await load_aiohttp()
        import aiohttp

        query = {"mode": mode}
        if size is not None:
            query.update(cols=str(size[0]), rows=str(size[1]))
        url = f"http://aio/jobs/{quote(str(job_id))}/attach?{urlencode(query)}"
        try:
            ws = await self._http().ws_connect(url, heartbeat=30, max_msg_size=64 * 1024 * 1024)
        except aiohttp.ClientConnectionError as exc:
            raise CoreUnavailable(f"the core is not running ({exc})") from None
        except aiohttp.WSServerHandshakeError as exc:
            raise CoreError(
                f"cannot attach to job {job_id}: HTTP {exc.status}", exc.status
            ) from None
        return AttachStream(ws)


class AttachStream:
    """Messages from one attach: bytes (output) or dicts (hello, size, notice, exit)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws

    async def messages(self) -> AsyncIterator[bytes | dict]:
        import aiohttp

        async for msg in self._ws:
            if msg.type == aiohttp.WSMsgType.BINARY:
                yield msg.data
            elif msg.type == aiohttp.WSMsgType.TEXT:
                yield json.loads(msg.data)
            elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                break

    async def send_input(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._ws.send_bytes(data)

    async def resize(self, cols: int, rows: int) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._ws.send_str(json.dumps({"type": "resize", "cols": cols, "rows": rows}))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.shield(self._ws.close())
