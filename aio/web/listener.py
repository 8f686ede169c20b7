"""The bridge's listening socket and its connections.

- A connection that has not shown a session (a valid cookie, or a link just redeemed) is
  *unauthenticated*: it is closed `HEADER_SECONDS` after it was accepted, and at most
  `MAX_UNAUTHENTICATED` of them are open at once (the oldest gives way to a newcomer). An
  authenticated connection's later requests must arrive within `HEADER_SECONDS` of the previous
  answer (aiohttp's keep-alive timeout). So slow-header clients hold nothing for long.
- aiohttp's own answer to a request it cannot parse carries the security headers and does not
  echo the request; what is logged names the peer and the kind of error, never the request's
  text (its request line may hold a link token, its headers a session cookie).
- The default port gives way to a free one when it is taken (another core on the machine); a
  port the user chose is an error naming it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sys
import traceback
from collections import OrderedDict
from http import HTTPStatus

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

HEADER_SECONDS = 10.0
MAX_UNAUTHENTICATED = 64
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

log = logging.getLogger("aio.web.bridge")
# aiohttp's handler logs through this one only in debug lines that may quote a raw request.
_UNSAFE = logging.getLogger("aio.web.aiohttp")
_UNSAFE.disabled = True


class ConnectionGuard:
    """The unauthenticated connections: how long each may stay, how many there may be."""

    def __init__(self, seconds: float = HEADER_SECONDS, limit: int = MAX_UNAUTHENTICATED) -> None:
        self.seconds = seconds
        self.limit = limit
        self._pending: OrderedDict[web.RequestHandler, asyncio.TimerHandle] = OrderedDict()

    def admit(self, connection: web.RequestHandler) -> None:
        """A new connection: unauthenticated until released, the oldest such let go if need
        be."""
        while len(self._pending) >= self.limit:
            oldest, timer = self._pending.popitem(last=False)
            timer.cancel()
            oldest.force_close()
        loop = asyncio.get_running_loop()
        self._pending[connection] = loop.call_later(self.seconds, self._time_up, connection)

    def release(self, connection: web.RequestHandler) -> None:
        """No longer count or time the connection: it showed a session, or it is gone."""
        timer = self._pending.pop(connection, None)
        if timer is not None:
            timer.cancel()

    def clear(self) -> None:
        for timer in self._pending.values():
            timer.cancel()
        self._pending.clear()

    def _time_up(self, connection: web.RequestHandler) -> None:
        if self._pending.pop(connection, None) is not None:
            connection.force_close()


class BridgeConnection(web.RequestHandler):
    """One TCP connection to the bridge: aiohttp's handler, watched by the guard, with error
    answers and log lines that keep the request's secrets to themselves."""

    def __init__(self, manager: web.Server, guard: ConnectionGuard, **kwargs) -> None:
        super().__init__(manager, **kwargs)
        self.connection_guard = guard

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.connection_guard.admit(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.connection_guard.release(self)
        super().connection_lost(exc)

    def handle_error(
        self,
        request,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's answer to an unparsable request (400) or a failed handler (500)."""
        if isinstance(exc, HttpProcessingError):
            log.info(
                "browser bridge: refused a malformed request from %s (%s)",
                request.remote,
                type(exc).__name__,
            )
        else:
            log.error("browser bridge: a request failed (%s)%s", status, _safe_trace(exc))
        if request.writer.output_size > 0:
            raise ConnectionError("the answer had begun: no error answer can follow it")
        response = web.Response(status=status, text=f"{status} {_phrase(status)}\n")
        response.headers.update(SECURITY_HEADERS)
        response.force_close()
        return response

    def log_exception(self, *args, **kwargs) -> None:
        exc = kwargs.get("exc_info")
        if not isinstance(exc, BaseException):
            exc = sys.exc_info()[1]
        what = args[0] % args[1:] if args else "error"  # aiohttp's fixed texts, no request data
        log.error("browser bridge: %s%s", what, _safe_trace(exc))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _safe_trace(exc: BaseException | None) -> str:
    """Where an exception came from and its type: not its message, which may quote a request."""
    if exc is None:
        return ""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"\n{frames}{type(exc).__module__}.{type(exc).__qualname__}"


class BridgeSite(web.BaseSite):
    """A TCP listening socket whose connections are `BridgeConnection`s."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard):
        super().__init__(runner)
        self._host = host
        self._port = port
        self._guard = guard

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        """The port really listened on (the one asked for, or the free one given for 0)."""
        assert self._server is not None and self._server.sockets
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None

        def connection() -> BridgeConnection:
            return BridgeConnection(
                server,
                self._guard,
                loop=loop,
                keepalive_timeout=self._guard.seconds,
                logger=_UNSAFE,
                access_log=None,
            )

        self._server = await loop.create_server(
            connection, self._host, self._port, backlog=self._backlog, reuse_address=True
        )


async def listen(
    runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard, *, fallback: bool
) -> BridgeSite:
    """Listen on host:port; with `fallback`, a port in use gives way to a free one (logged).
    Raises OSError when the port cannot be had."""
    site = BridgeSite(runner, host, port, guard)
    try:
        await site.start()
        return site
    except OSError as exc:
        await site.stop()
        if not (fallback and exc.errno == errno.EADDRINUSE):
            raise
    site = BridgeSite(runner, host, 0, guard)
    await site.start()
    log.warning(
        "port %s is taken (another aio core?): the browser bridge is on port %s instead",
        port,
        site.port,
    )
    return site
