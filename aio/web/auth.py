"""Who may use the browser bridge: one-time links, cookie sessions, Origin and Host checks.

A link's token is good once, for a few minutes; it is exchanged for a session id sent as an
HttpOnly, SameSite=Strict cookie. Only a hash of a session id is kept (and stored, so pages can
reconnect after a core restart). A session keeps what its link allowed: one job (a link made for
job N) or all of them (the jobs page's link, the static token), and read-only or not.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

LINK_SECONDS = 300.0
SESSION_SECONDS = 12 * 3600.0
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


@dataclass(slots=True)
class WebSession:
    """A browser's session: its id's hash, what it may do, and until when."""

    id_hash: str
    readonly: bool
    expires_at: float
    job_id: int | None = None  # the one job it reaches; None: every job

    def reaches(self, job_id: int) -> bool:
        """Whether this session may see (and attach to) job `job_id`."""
        return self.job_id is None or self.job_id == job_id


@dataclass(slots=True)
class _Link:
    readonly: bool
    job_id: int | None
    expires_at: float


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name stays on this machine."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class WebAccess:
    """Issues and checks the browser's secrets."""

    def __init__(self, static_token: str | None = None, clock: Callable[[], float] = time.time):
        self._static = static_token
        self._clock = clock
        self._links: dict[str, _Link] = {}
        self.sessions: dict[str, WebSession] = {}

    def new_link_token(self, readonly: bool, job_id: int | None = None) -> str:
        """A fresh one-time token for job `job_id` (None: every job)."""
        self._expire_links()
        token = secrets.token_urlsafe(32)
        self._links[hash_secret(token)] = _Link(readonly, job_id, self._clock() + LINK_SECONDS)
        return token

    def redeem(self, token: str) -> tuple[str, WebSession] | None:
        """Exchange a link token (once) or the static token (all jobs) for a new session id."""
        self._expire_links()
        link = self._links.pop(hash_secret(token), None)
        if link is None:
            if not (self._static and hmac.compare_digest(token.encode(), self._static.encode())):
                return None
            link = _Link(readonly=False, job_id=None, expires_at=0.0)
        session_id = secrets.token_urlsafe(32)
        session = WebSession(
            hash_secret(session_id), link.readonly, self._clock() + SESSION_SECONDS, link.job_id
        )
        self.sessions[session.id_hash] = session
        return session_id, session

    def session(self, session_id: str | None) -> WebSession | None:
        """The live session a cookie names, or None."""
        if not session_id:
            return None
        return self.live(hash_secret(session_id))

    def live(self, id_hash: str) -> WebSession | None:
        """The session with this id hash, if it has not expired."""
        session = self.sessions.get(id_hash)
        if session is None or session.expires_at <= self._clock():
            return None
        return session

    def revoke(self, session_id: str) -> WebSession | None:
        return self.sessions.pop(hash_secret(session_id), None)

    def expire_sessions(self) -> list[WebSession]:
        """Forget the sessions whose time is up; those sessions."""
        now = self._clock()
        expired = [s for s in self.sessions.values() if s.expires_at <= now]
        for session in expired:
            del self.sessions[session.id_hash]
        return expired

    def _expire_links(self) -> None:
        now = self._clock()
        for key in [k for k, link in self._links.items() if link.expires_at <= now]:
            del self._links[key]


def origin_matches_host(origin: str | None, host: str | None, scheme: str = "http") -> bool:
    """The browser's Origin must be this very server (no cross-site WebSocket hijacking)."""
    return bool(origin and host) and origin == f"{scheme}://{host}"


def host_allowed(host_header: str | None, bound_host: str, port: int) -> bool:
    """On a loopback bind, only loopback host names are served (no DNS rebinding)."""
    if not host_header:
        return False
    if not is_loopback(bound_host):
        return True
    name, _, given_port = host_header.rpartition(":")
    if not name or given_port != str(port):
        return False
    return name in LOOPBACK_NAMES or is_loopback(name)
