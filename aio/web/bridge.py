"""The browser bridge: a jobs page and a terminal page per job (xterm.js), served by the core.

    GET  /login?token=T&next=/jobs/3   exchange a one-time link for a session cookie, then
                                       redirect (the token leaves the address bar)
    GET  /                             the jobs page           GET /jobs/{id}   a terminal page
    GET  /static/...                   xterm.js, its CSS and our scripts, from the package
    GET  /ws/events                    WebSocket: a snapshot of the jobs, then their changes
    GET  /ws/jobs/{id}                 WebSocket: the job's output; input and resize
    POST /logout                       end the session

Loopback only unless a host is given; a non-loopback bind needs a token. Pages and WebSockets
need the session cookie; every WebSocket upgrade and state-changing request also needs an Origin
that matches Host. Wrong or missing credentials get 401/403, never a shell.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from aio.core.event_stream import HEARTBEAT_SECONDS, serve_events
from aio.jobs.attach_stream import parse_size, serve_attach
from aio.web.auth import (
    WebAccess,
    WebSession,
    host_allowed,
    is_loopback,
    origin_matches_host,
)

if TYPE_CHECKING:
    from aio.core.events import EventBus
    from aio.core.store import Store
    from aio.jobs.manager import JobManager

log = logging.getLogger("aio.web.bridge")
COOKIE = "aio_session"
BRIDGE_KEY = web.AppKey("bridge", object)
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


class WebBindRefused(ValueError):
    """A non-loopback address was asked for without a token."""


def web_folder() -> Path:
    return Path(str(resources.files("aio.data").joinpath("web")))


class WebBridge:
    """The bridge's HTTP server on a TCP port, alongside the core's unix socket."""

    def __init__(
        self,
        jobs: JobManager,
        events: EventBus,
        store: Store,
        clock: Callable[[], float],
        *,
        host: str,
        port: int,
        token: str | None,
    ) -> None:
        if not is_loopback(host) and not token:
            raise WebBindRefused(
                f"refusing to serve the browser bridge on {host}: a non-loopback address "
                "needs a token (--token or web_token in config.toml)"
            )
        self.jobs = jobs
        self.bus = events
        self.store = store
        self.clock = clock
        self.host = host
        self.port = port
        self.access = WebAccess(token, clock)
        self.error: str | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; a busy port is reported (and `aio web` says so), the core runs on."""
        for id_hash, readonly, expires in await self.store.load_web_sessions(self.clock()):
            self.access.sessions[id_hash] = WebSession(id_hash, readonly, expires)
        app = web.Application(middlewares=[self._guard])
        app[BRIDGE_KEY] = self
        app.add_routes(
            [
                web.get("/login", self.login),
                web.post("/logout", self.logout),
                web.get("/", self.page),
                web.get("/jobs/{id}", self.page),
                web.get("/ws/events", self.event_stream),
                web.get("/ws/jobs/{id}", self.attach),
                web.get("/favicon.ico", _no_icon),
            ]
        )
        app.router.add_static("/static", web_folder(), append_version=False)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            self.error = f"cannot listen on {self.host}:{self.port}: {exc.strerror}"
            log.warning("browser bridge off: %s", self.error)
            await self._runner.cleanup()
            self._runner = None
            return
        server = site._server
        if self.port == 0 and server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        log.info("browser bridge on http://%s:%s", self.url_host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def url_host(self) -> str:
        if self.host in ("0.0.0.0", "::", ""):
            return "127.0.0.1"
        return f"[{self.host}]" if ":" in self.host else self.host

    def link(self, job_id: int | None, readonly: bool) -> str:
        """A one-time link that opens the jobs page, or job `job_id`'s terminal."""
        token = self.access.new_link_token(readonly)
        target = f"/jobs/{job_id}" if job_id is not None else "/"
        return (
            f"http://{self.url_host}:{self.port}/login?token={quote(token)}"
            f"&next={quote(target, safe='')}"
        )

    # Checks

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        if not host_allowed(request.host, self.host, self.port):
            return web.Response(status=403, text="forbidden host\n")
        state_changing = request.method not in ("GET", "HEAD", "OPTIONS")
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if (state_changing or upgrade) and not origin_matches_host(
            request.headers.get("Origin"), request.host
        ):
            return web.Response(status=403, text="cross-origin request refused\n")
        response = await handler(request)
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

    def _session(self, request: web.Request) -> WebSession | None:
        return self.access.session(request.cookies.get(COOKIE))

    # Handlers

    async def login(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token", "")
        redeemed = self.access.redeem(token) if token else None
        if redeemed is None:
            return _html(
                401,
                "This link is not valid (links work once, for five minutes). "
                "Get a new one with <code>aio web</code>.",
            )
        session_id, session = redeemed
        await self.store.save_web_session(session.id_hash, session.readonly, session.expires_at)
        target = request.query.get("next", "/")
        if not _local_path(target):
            target = "/"
        response = web.HTTPSeeOther(target)
        response.set_cookie(
            COOKIE, session_id, httponly=True, samesite="Strict", path="/", max_age=12 * 3600
        )
        response.headers.update(SECURITY_HEADERS)
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        session_id = request.cookies.get(COOKIE)
        if session_id and (session := self.access.revoke(session_id)) is not None:
            await self.store.delete_web_session(session.id_hash)
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def page(self, request: web.Request) -> web.StreamResponse:
        if self._session(request) is None:
            return _html(401, "Access needs a link: run <code>aio web</code> in a terminal.")
        name = "terminal.html" if "id" in request.match_info else "jobs.html"
        return web.FileResponse(web_folder() / name)

    async def event_stream(self, request: web.Request) -> web.StreamResponse:
        if self._session(request) is None:
            return web.Response(status=401, text="no session\n")
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, compress=False)
        await ws.prepare(request)
        snapshot = {"jobs": [job.to_dict() for job in self.jobs.list()]}
        await serve_events(self.bus, snapshot, ws, keep=_job_event)
        return ws

    async def attach(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            return web.Response(status=401, text="no session\n")
        try:
            job = self.jobs.resolve(request.match_info["id"])
        except Exception:
            return web.Response(status=404, text="no such job\n")
        size = parse_size(request.query.get("cols"), request.query.get("rows"))
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_SECONDS, max_msg_size=1024 * 1024, compress=False
        )
        await ws.prepare(request)
        await serve_attach(self.jobs, job, ws, mode="tail", readonly=session.readonly, size=size)
        return ws


def _local_path(target: str) -> bool:
    """Whether a redirect target stays on this server. Browsers drop tabs and newlines from a
    Location and read a backslash as a slash, so "/<tab>/evil" would lead to //evil."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    )


def _job_event(event: dict) -> bool:
    return event.get("type") in ("job", "job_removed")


async def _no_icon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


def _html(status: int, message: str) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>aio</title>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>aio</h1><p>{message}</p>"
    )
    return web.Response(status=status, text=body, content_type="text/html")
