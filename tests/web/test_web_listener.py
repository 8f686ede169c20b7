"""The bridge's listening socket under abuse and contention, on real cores over loopback.

Slow-header clients are cut off within the header bound and never crowd out a real user; a
second core on the machine with the default port gets a free port and says which, while a port set
explicitly that is taken stays an error naming it; every answer, aiohttp's own error pages
included, carries the security headers; and a malformed request never puts a link token or a
session cookie into the core's log.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from core_harness import exchange
from web_harness import (
    DEADLINE,
    Home,
    ServedCore,
    assert_security_headers,
    base_url,
    login,
    status_of,
    wait_for,
    with_cookie,
)

from aio.config.settings import DEFAULT_WEB_PORT
from aio.web.listener import HEADER_SECONDS, MAX_UNAUTHENTICATED

pytestmark = pytest.mark.timeout(90)
SLOW_CLIENTS = MAX_UNAUTHENTICATED + 36


class SlowClient:
    """A connection that sends a request's headers a line at a time, never finishing them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = 0.0
        self.closed_after: float | None = None

    async def run(self, give_up: float) -> None:
        """Keep typing until the bridge closes the connection (noted) or `give_up` seconds."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.opened = time.monotonic()
        try:
            writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode())
            while time.monotonic() - self.opened < give_up:
                try:
                    data = await asyncio.wait_for(reader.read(65536), timeout=1.0)
                except TimeoutError:
                    writer.write(b"X-Slow: still typing\r\n")
                    continue
                if not data:
                    self.closed_after = time.monotonic() - self.opened
                    return
        except ConnectionError:
            self.closed_after = time.monotonic() - self.opened
        finally:
            writer.close()


async def test_slow_header_connections_are_cut_off_and_others_still_served(web_core: Home, http):
    base = base_url(web_core)
    session_id = await login(http, web_core.link())
    give_up = HEADER_SECONDS + 10
    clients = [SlowClient(web_core.port) for _ in range(SLOW_CLIENTS)]
    tasks = [asyncio.create_task(client.run(give_up)) for client in clients]
    try:
        started = time.monotonic()
        # Past the cap on unauthenticated connections, the oldest are let go at once.
        while sum(c.closed_after is not None for c in clients) < SLOW_CLIENTS - MAX_UNAUTHENTICATED:
            assert time.monotonic() - started < HEADER_SECONDS / 2, (
                "connections beyond the cap of unauthenticated ones stayed open"
            )
            await asyncio.sleep(0.05)

        # Meanwhile a user with a session, and one with a fresh link, are served at once.
        asked = time.monotonic()
        assert await status_of(http, "GET", f"{base}/", headers=with_cookie(session_id)) == 200
        assert await login(http, web_core.link())
        assert time.monotonic() - asked < 3.0

        await asyncio.wait_for(asyncio.gather(*tasks), timeout=give_up + 5)
    finally:
        for task in tasks:
            task.cancel()
    lasted = sorted(c.closed_after for c in clients if c.closed_after is not None)
    assert len(lasted) == SLOW_CLIENTS, (
        f"{SLOW_CLIENTS - len(lasted)} slow clients were never cut off"
    )
    assert lasted[-1] <= HEADER_SECONDS + 2.0, f"a slow client lasted {lasted[-1]:.1f}s"
    # The bridge still serves once the slow clients are gone.
    assert await status_of(http, "GET", f"{base}/", headers=with_cookie(session_id)) == 200


def log_says(core: ServedCore, pattern: str) -> str | None:
    text = core.log_text()
    return text if re.search(pattern, text) else None


async def test_a_second_core_with_the_default_port_gets_a_free_one(
    web_home: Home, second_home: Home, http
):
    first = web_home.serve()
    first_port = web_home.web_port()
    second = second_home.serve()
    second_port = second_home.web_port()
    assert second_port not in (first_port, DEFAULT_WEB_PORT, 0)
    # It says so: in its log, in `/health` (above) and in the links `aio web` prints.
    assert log_says(second, rf"port {DEFAULT_WEB_PORT} is taken.*port {second_port}\b"), (
        second.log_text()
    )
    result = second_home.aio("web", "--no-open")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert urlsplit(url).port == second_port, url
    second_home.port = second_port
    session_id = await login(http, url)
    headers = with_cookie(session_id)
    assert await status_of(http, "GET", base_url(second_home) + "/", headers=headers) == 200
    assert first.proc is not None and first.proc.poll() is None

    # A port given explicitly that is taken is an error naming it (the core runs on).
    second_home.cores.pop().stop()
    second_home.serve("--port", str(first_port))
    web = second_home.request("GET", "/health")["web"]
    assert web["running"] is False and f":{first_port}:" in web["error"], web
    refused = second_home.aio("web", "--no-open")
    assert refused.returncode == 1 and str(first_port) in refused.stderr, refused.stderr


async def test_every_bridge_answer_carries_the_security_headers(web_core: Home, http):
    base = base_url(web_core)
    session_id = await login(http, web_core.link())
    answers = [
        ("GET", "/no/such/page", {}, 404),
        ("GET", "/static/no-such-file.js", {}, 404),
        ("POST", "/", {"Origin": base}, 405),
        ("GET", "/", {"Host": "evil.example"}, 403),
        ("GET", "/", {}, 401),
        ("GET", "/jobs/1", with_cookie(session_id), 200),
    ]
    for method, path, headers, expected in answers:
        async with http.request(
            method, base + path, headers=headers, allow_redirects=False
        ) as response:
            assert response.status == expected, (method, path, response.status)
            assert_security_headers(response.headers, f"{method} {path}")

    # aiohttp's own answer to a request it cannot parse.
    answer = raw_exchange(web_core.port, b"GET /a b c\x01 HTTP/1.1\r\nHost: x\r\n\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    assert re.match(r"HTTP/1\.[01] 400 ", head), head
    assert_security_headers(parse_head(head), "a malformed request")


def raw_exchange(port: int, payload: bytes, timeout: float = DEADLINE) -> bytes:
    """Send raw bytes to the bridge and read until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        return exchange(sock, payload)


def parse_head(head: str) -> dict[str, str]:
    lines = head.split("\r\n")[1:]
    return {
        name.strip(): value.strip() for name, _, value in (line.partition(":") for line in lines)
    }


async def test_a_malformed_request_leaves_no_secret_in_the_log(
    web_home: Home, serve: Callable[..., ServedCore], http
):
    web_home.write_config("web_port = 0\n")
    core = serve()
    web_home.port = web_home.web_port()
    port = web_home.port
    session_id = await login(http, web_home.link())
    link = web_home.link()
    token = parse_qs(urlsplit(link).query)["token"][0]
    target = f"/login?token={token}&next=%2F"
    cookie = f"Cookie: aio_session={session_id}\r\n"
    malformed = [
        f"GET {target} HTTP/1.1 trailing\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        f"GET {target}\x01 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}no colon here\r\n\r\n",
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}X-Bad\x01: {token}\r\n\r\n",
    ]
    for payload in malformed:
        answer = raw_exchange(port, payload.encode())
        assert b" 400 " in answer.split(b"\r\n", 1)[0], (payload, answer[:200])
    # Each refusal is logged, without the secrets the requests carried.
    wait_for(
        lambda: len(re.findall("malformed request", core.log_text())) >= len(malformed),
        "the core to log each malformed request",
    )
    text = core.log_text()
    assert token not in text and session_id not in text, text
    # The link was not used up by any of them.
    assert await login(http, link)
