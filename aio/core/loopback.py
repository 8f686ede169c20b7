"""What the core's loopback HTTP listeners share (the worklets' KV store, the flows' events): an
aiohttp application served on 127.0.0.1 only, and the Origin check that keeps web pages out.

If its port cannot be had, the core still runs: the reason is logged and kept in `error`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger("aio.core.loopback")
LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
KEEPALIVE_SECONDS = 30.0


def is_loopback_origin(origin: str) -> bool:
    """Whether an Origin header names a page served from this machine's loopback."""
    try:
        parts = urlsplit(origin)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS


class LoopbackListener:
    """An aiohttp application on 127.0.0.1:`port` (0: any free port); `port` is the real one
    once it listens, `error` says why it does not."""

    def __init__(self, name: str, make_app: Callable[[], web.Application], port: int = 0):
        self.name = name
        self.make_app = make_app
        self.requested_port = port
        self.port: int | None = None
        self.error: str | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str | None:
        """`http://127.0.0.1:PORT` while it listens, else None."""
        return f"http://{LOOPBACK}:{self.port}" if self._runner is not None else None

    async def start(self) -> bool:
        """Listen; False (the reason in `error`, and logged) when the port cannot be had."""
        runner = web.AppRunner(
            self.make_app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            keepalive_timeout=KEEPALIVE_SECONDS,
        )
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, self.requested_port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            self.error = f"cannot listen on {LOOPBACK}:{self.requested_port}: {exc.strerror or exc}"
            log.error("%s listener: %s", self.name, self.error)
            return False
        self._runner = runner
        self.error = None
        self.port = site._server.sockets[0].getsockname()[1]  # the real one, also for port 0
        return True

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
