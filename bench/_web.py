"""What the browser-bridge benchmarks share: the bridge's port, a session cookie, WebSockets.

The core must run with `web_port = 0` (BRIDGE_CONFIG): the bridge then listens on a free
loopback port, read back from GET /health. A session comes from a one-time link (POST
/web/links on the unix socket) fetched without following its 303, whose Set-Cookie holds
`aio_session`. Every WebSocket upgrade carries that cookie and `Origin: http://127.0.0.1:PORT`
(the bridge refuses an Origin that does not match Host). Loopback traffic only.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import struct
import time
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from _common import request

BRIDGE_CONFIG = "web_port = 0\n"
COOKIE = "aio_session"
HOST = "127.0.0.1"


class Bridge:
    """The bridge of a running core: its port and one session cookie for it."""

    def __init__(self, home: str) -> None:
        health = request(home, "GET", "/health")["web"]
        if not health.get("running"):
            raise RuntimeError(f"the browser bridge is off: {health.get('error')}")
        self.home = home
        self.port = int(health["port"])
        self.origin = f"http://{HOST}:{self.port}"
        self.cookie = self._login()

    def _login(self) -> str:
        url = request(self.home, "POST", "/web/links", {"job": None, "readonly": False})["url"]
        parts = urlsplit(url)
        if parts.hostname != HOST or parts.port != self.port:
            raise RuntimeError(f"unexpected link {url!r} (bridge on {HOST}:{self.port})")
        conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            conn.request("GET", f"{parts.path}?{parts.query}")
            response = conn.getresponse()
            response.read()
            cookies = SimpleCookie()
            for value in response.headers.get_all("Set-Cookie") or []:
                cookies.load(value)
        finally:
            conn.close()
        if response.status != 303 or COOKIE not in cookies:
            raise RuntimeError(f"login: HTTP {response.status}, cookies {list(cookies)}")
        return cookies[COOKIE].value

    def ws_url(self, job_id: int) -> str:
        return f"ws://{HOST}:{self.port}/ws/jobs/{job_id}"

    def headers(self) -> dict[str, str]:
        """Headers for aiohttp's ws_connect (the Host it sends is HOST:port, as Origin)."""
        return {"Origin": self.origin, "Cookie": f"{COOKIE}={self.cookie}"}

    def raw_attach(self, job_id: int, timeout: float = 10.0) -> tuple[socket.socket, bytes]:
        """A WebSocket handshake done by hand on a plain TCP socket: (socket, bytes that came
        after the 101 response's head). The caller decides when (and whether) to read on."""
        key = base64.b64encode(os.urandom(16)).decode()
        head = (
            f"GET /ws/jobs/{job_id} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {self.origin}\r\nCookie: {COOKIE}={self.cookie}\r\n\r\n"
        )
        sock = socket.create_connection((HOST, self.port), timeout=timeout)
        try:
            sock.sendall(head.encode())
            data = b""
            deadline = time.monotonic() + timeout
            while b"\r\n\r\n" not in data:
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"no handshake answer in {timeout:.0f} s: {data!r}")
                chunk = sock.recv(4096)
                if not chunk:
                    raise RuntimeError(f"connection closed during the handshake: {data!r}")
                data += chunk
            top, _, rest = data.partition(b"\r\n\r\n")
            if not top.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(f"handshake refused: {top[:200]!r}")
        except BaseException:
            sock.close()
            raise
        return sock, rest


class FrameCounter:
    """Parses server-to-client WebSocket frames (unmasked) from a raw byte stream: counts the
    binary payload bytes and keeps the JSON text messages."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.binary_bytes = 0
        self.texts: list[dict] = []
        self.closed = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if len(self.buffer) < 2:
                return
            opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,) = struct.unpack_from("!H", self.buffer, 2)
                start = 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,) = struct.unpack_from("!Q", self.buffer, 2)
                start = 10
            if len(self.buffer) < start + length:
                return
            payload = bytes(self.buffer[start : start + length])
            del self.buffer[: start + length]
            if opcode in (0x0, 0x2):
                self.binary_bytes += length
            elif opcode == 0x1:
                self.texts.append(json.loads(payload))
            elif opcode == 0x8:
                self.closed = True

    def types(self) -> list[str]:
        return [t.get("type", "?") for t in self.texts]
