"""The event stream: one WebSocket that gets a snapshot, then every core event it may see."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from aiohttp import web

from aio.core.events import EventBus

HEARTBEAT_SECONDS = 30.0


async def serve_events(
    events: EventBus,
    snapshot: dict,
    ws: web.WebSocketResponse,
    *,
    keep: Callable[[dict], bool] | None = None,
) -> None:
    """Send `snapshot`, then each event `keep` accepts (all when None), until the client leaves
    or falls behind (closed with 4000: reconnect for a fresh snapshot)."""
    subscription = events.subscribe()
    reader = asyncio.create_task(_drain(ws))
    try:
        await ws.send_str(json.dumps({"type": "snapshot", **snapshot}))
        while True:
            getter = asyncio.create_task(subscription.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader in done:
                getter.cancel()
                break
            event = getter.result()
            if event is None:
                await ws.close(code=4000, message=b"fell behind; reconnect for a fresh snapshot")
                break
            if keep is None or keep(event):
                await ws.send_str(json.dumps(event))
    except (ConnectionError, RuntimeError):
        pass
    finally:
        subscription.close()
        reader.cancel()


async def _drain(ws: web.WebSocketResponse) -> None:
    async for _ in ws:
        pass
