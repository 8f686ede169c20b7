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
that matches Host. Wrong or missing credentials get 401/403, never a shell. A session made by a
link for job N reaches job N only: the event stream and its snapshot carry no other job, and
other jobs' pages and sockets are refused (403). Ending a session (logout, expiry) closes its
sockets. Every answer carries the security headers (`aio.web.listener` guards the connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from aio.config.settings import DEFAULT_WEB_PORT
from aio.core.event_stream import HEARTBEAT_SECONDS, serve_events
from aio.jobs.attach_stream import parse_size, serve_attach
from aio.jobs.manager import JobError
from aio.web.auth import (
    SESSION_SECONDS,
    WebAccess,
    WebSession,
    host_allowed,
    is_loopback,
    origin_matches_host,
)
from aio.web.listener import SECURITY_HEADERS, ConnectionGuard, listen
from aio.web.sockets import SessionSockets

if TYPE_CHECKING:
    from aio.core.events import EventBus
    from aio.core.store import Store
    from aio.jobs.manager import JobManager
    from aio.jobs.model import Job

log = logging.getLogger("aio.web.bridge")
COOKIE = "aio_session"
BRIDGE_KEY = web.AppKey("bridge", object)
SWEEP_SECONDS = 1.0  # how soon an expired session's sockets are closed


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
        port: int | None,
        token: str | None,
    ) -> None:
        """`port` None: the default port, or a free one when another program holds it."""
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
        self.port = DEFAULT_WEB_PORT if port is None else port
        self._any_free_port = port is None
        self.access = WebAccess(token, clock)
        self.guard = ConnectionGuard()
        self.sockets = SessionSockets()
        self.error: str | None = None
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task | None = None

    async def start(self) -> None:
        """Listen; a busy port is reported (and `aio web` says so), the core runs on."""
        for id_hash, readonly, expires, job_id in await self.store.load_web_sessions(self.clock()):
            self.access.sessions[id_hash] = WebSession(id_hash, readonly, expires, job_id)
        app = web.Application(middlewares=[self._check])
        app[BRIDGE_KEY] = self
        app.on_response_prepare.append(_add_security_headers)
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
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            site = await listen(
                self._runner, self.host, self.port, self.guard, fallback=self._any_free_port
            )
        except OSError as exc:
            self.error = f"cannot listen on {self.host}:{self.port}: {exc.strerror}"
            log.warning("browser bridge off: %s", self.error)
            await self._runner.cleanup()
            self._runner = None
            return
        self.error = None
        self.port = site.port
        self._sweeper = asyncio.create_task(self._end_expired_sessions())
        log.info("browser bridge on http://%s:%s", self.url_host, self.port)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.guard.clear()

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def url_host(self) -> str:
        if self.host in ("0.0.0.0", "::", ""):
            return "127.0.0.1"
        return f"[{self.host}]" if ":" in self.host else self.host

    def link(self, job_id: int | None, readonly: bool) -> str:
        """A one-time link that opens the jobs page (its session reaches every job), or job
        `job_id`'s terminal (its session reaches that job only)."""
        token = self.access.new_link_token(readonly, job_id)
        target = f"/jobs/{job_id}" if job_id is not None else "/"
        return (
            f"http://{self.url_host}:{self.port}/login?token={quote(token)}"
            f"&next={quote(target, safe='')}"
        )

    async def end_session(self, session: WebSession) -> None:
        """Forget a session everywhere and close its sockets."""
        self.access.sessions.pop(session.id_hash, None)
        self.sockets.end(session.id_hash)
        await self.store.delete_web_session(session.id_hash)

    async def _end_expired_sessions(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                for session in self.access.expire_sessions():
                    await self.end_session(session)
                # Any other session gone without its sockets ended (none should be) goes too.
                for id_hash in self.sockets.sessions():
                    if self.access.live(id_hash) is None:
                        self.sockets.end(id_hash)
            except Exception:
                log.exception("browser bridge: could not end the expired sessions")

    # Checks

    @web.middleware
    async def _check(self, request: web.Request, handler):
        if not host_allowed(request.host, self.host, self.port):
            return web.Response(status=403, text="forbidden host\n")
        state_changing = request.method not in ("GET", "HEAD", "OPTIONS")
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if (state_changing or upgrade) and not origin_matches_host(
            request.headers.get("Origin"), request.host
        ):
            return web.Response(status=403, text="cross-origin request refused\n")
        if self._session(request) is not None:
            self.guard.release(request.protocol)
        return await handler(request)

    def _session(self, request: web.Request) -> WebSession | None:
        return self.access.session(request.cookies.get(COOKIE))

    def _job_for(self, session: WebSession, ref: str) -> Job | None:
        """The job `ref` names if the session reaches it; else None for a job-scoped session
        (which is not told whether the job exists), or the resolver's error for the others."""
        try:
            job = self.jobs.resolve(ref)
        except JobError:
            if session.job_id is not None:
                return None
            raise
        return job if session.reaches(job.id) else None

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
        self.guard.release(request.protocol)
        session_id, session = redeemed
        await self.store.save_web_session(
            session.id_hash, session.readonly, session.expires_at, session.job_id
        )
        target = request.query.get("next", "/")
        if not _local_path(target):
            target = "/"
        response = web.HTTPSeeOther(target)
        response.set_cookie(
            COOKIE,
            session_id,
            httponly=True,
            samesite="Strict",
            path="/",
            max_age=int(SESSION_SECONDS),
        )
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        session_id = request.cookies.get(COOKIE)
        if session_id and (session := self.access.revoke(session_id)) is not None:
            await self.end_session(session)
        response = web.json_response({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def page(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            return _html(401, "Access needs a link: run <code>aio web</code> in a terminal.")
        if "id" not in request.match_info:
            return web.FileResponse(web_folder() / "jobs.html")
        if session.job_id is not None and self._job_for(session, request.match_info["id"]) is None:
            return _html(
                403,
                f"This link is for job {session.job_id} only. "
                "Get a link for another job with <code>aio web N</code>.",
            )
        return web.FileResponse(web_folder() / "terminal.html")

    async def event_stream(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            return web.Response(status=401, text="no session\n")
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, compress=False)
        await ws.prepare(request)
        with self.sockets.opened(session.id_hash, ws) as socket:

            def keep(event: dict) -> bool:
                job_id = _event_job_id(event)
                return not socket.ended and job_id is not None and session.reaches(job_id)

            snapshot = {
                "jobs": [job.to_dict() for job in self.jobs.list() if session.reaches(job.id)],
                "scope": {"job": session.job_id, "readonly": session.readonly},
            }
            await serve_events(self.bus, snapshot, socket, keep=keep)
        return ws

    async def attach(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            return web.Response(status=401, text="no session\n")
        try:
            job = self._job_for(session, request.match_info["id"])
        except JobError:
            return web.Response(status=404, text="no such job\n")
        if job is None:
            return web.Response(status=403, text=f"this session is for job {session.job_id}\n")
        size = parse_size(request.query.get("cols"), request.query.get("rows"))
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_SECONDS, max_msg_size=1024 * 1024, compress=False
        )
        await ws.prepare(request)
        with self.sockets.opened(session.id_hash, ws) as socket:
            await serve_attach(
                self.jobs, job, socket, mode="tail", readonly=session.readonly, size=size
            )
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


def _event_job_id(event: dict) -> int | None:
    """The job a job event is about; None for the events the pages have no use for."""
    if event.get("type") == "job":
        return event["job"]["id"]
    if event.get("type") == "job_removed":
        return event["id"]
    return None


async def _add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


async def _no_icon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


def _html(status: int, message: str) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>aio</title>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>aio</h1><p>{message}</p>"
    )
    return web.Response(status=status, text=body, content_type="text/html")
