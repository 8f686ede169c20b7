"""The worklets' way to their store: an HTTP listener on 127.0.0.1 only (config `kv_port`,
default 0: any free port), serving aio.kv.routes' worklet API.

Loopback only, and every request needs a worklet's token; a page in a browser is refused by
its Origin. If the port cannot be had, the core still runs: the reason is logged and kept in
`error`, and `KvService.url` stays None.
"""

from __future__ import annotations

import logging

from aiohttp import web

from aio.kv.routes import worklet_app
from aio.kv.service import KvService

log = logging.getLogger("aio.kv.listener")
HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 30.0


class KvListener:
    """The loopback HTTP listener of the worklets' KV API."""

    def __init__(self, service: KvService, port: int = 0) -> None:
        self.service = service
        self.requested_port = port
        self.port: int | None = None
        self.error: str | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; on success `service.url` is the worklets' base URL."""
        runner = web.AppRunner(
            worklet_app(self.service),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            keepalive_timeout=KEEPALIVE_SECONDS,
        )
        await runner.setup()
        site = web.TCPSite(runner, HOST, self.requested_port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            self.error = f"cannot listen on {HOST}:{self.requested_port}: {exc.strerror or exc}"
            log.error("KV listener: %s", self.error)
            return
        self._runner = runner
        self.port = site._server.sockets[0].getsockname()[1]  # the real one, also for port 0
        self.service.url = f"http://{HOST}:{self.port}/kv/v1"
        log.info("KV store for worklets at %s (%s)", self.service.url, self.service.backend_name)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            self.service.url = None
            await runner.cleanup()
