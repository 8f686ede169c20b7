"""Who may use the browser bridge: one-time links, cookie sessions, Origin and Host checks.

A link's token is good once, for a few minutes; it is exchanged for a session id sent as an
HttpOnly, SameSite=Strict cookie. Only a hash of a session id is kept (and stored, so pages can
reconnect after a core restart). A read-only link makes a read-only session.
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
    id_hash: str
    readonly: bool
    expires_at: float


@dataclass(slots=True)
class _Link:
    readonly: bool
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

    def new_link_token(self, readonly: bool) -> str:
        """A fresh one-time token."""
        self._expire()
        token = secrets.token_urlsafe(32)
        self._links[hash_secret(token)] = _Link(readonly, self._clock() + LINK_SECONDS)
        return token

    def redeem(self, token: str) -> tuple[str, WebSession] | None:
        """Exchange a link token (once) or the static token for a new session id."""
        self._expire()
        link = self._links.pop(hash_secret(token), None)
        readonly = False
        if link is None:
            if not (self._static and hmac.compare_digest(token.encode(), self._static.encode())):
                return None
        else:
            readonly = link.readonly
        session_id = secrets.token_urlsafe(32)
        session = WebSession(hash_secret(session_id), readonly, self._clock() + SESSION_SECONDS)
        self.sessions[session.id_hash] = session
        return session_id, session

    def session(self, session_id: str | None) -> WebSession | None:
        """The live session a cookie names, or None."""
        if not session_id:
            return None
        session = self.sessions.get(hash_secret(session_id))
        if session is None or session.expires_at <= self._clock():
            return None
        return session

    def revoke(self, session_id: str) -> WebSession | None:
        return self.sessions.pop(hash_secret(session_id), None)

    def _expire(self) -> None:
        now = self._clock()
        for key in [k for k, link in self._links.items() if link.expires_at <= now]:
            del self._links[key]
        for key in [k for k, s in self.sessions.items() if s.expires_at <= now]:
            del self.sessions[key]


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
