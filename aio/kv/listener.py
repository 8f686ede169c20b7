"""The worklets' way to their store: an HTTP listener on 127.0.0.1 only (config `kv_port`,
default 0: any free port), serving aio.kv.routes' worklet API.

Loopback only, and every request needs a worklet's token; a page in a browser is refused by
its Origin. If the port cannot be had, the core still runs: the reason is logged and kept in
`error`, and `KvService.url` stays None.
"""

from __future__ import annotations

import logging

from aio.core.loopback import LOOPBACK as HOST
from aio.core.loopback import LoopbackListener
from aio.kv.routes import worklet_app
from aio.kv.service import KvService

log = logging.getLogger("aio.kv.listener")


class KvListener(LoopbackListener):
    """The loopback HTTP listener of the worklets' KV API."""

    def __init__(self, service: KvService, port: int = 0) -> None:
        super().__init__("KV", lambda: worklet_app(service), port)
        self.service = service

    async def start(self) -> None:
        """Listen; on success `service.url` is the worklets' base URL."""
        if not await super().start():
            return
        self.service.url = f"http://{HOST}:{self.port}/kv/v1"
        log.info("KV store for worklets at %s (%s)", self.service.url, self.service.backend_name)

    async def stop(self) -> None:
        self.service.url = None
        await super().stop()
