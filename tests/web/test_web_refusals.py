"""Every way the browser bridge says no, through a real aiohttp client on a real core.

Missing or wrong credentials get 401, a foreign or missing Origin on a WebSocket upgrade or a
state-changing request gets 403, a Host that is not loopback gets 403 (DNS rebinding), a
read-only session cannot type, and a non-loopback bind needs a token. Pages carry the security
headers. Every refusal is paired with the same request done right, so a 401/403 is known to come
from the check under test and not from a mistake of the test.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from urllib.parse import quote

import pytest
from web_harness import (
    COOKIE,
    Home,
    ServedCore,
    assert_security_headers,
    base_url,
    login,
    next_text,
    refused_upgrade,
    shell_task,
    status_of,
    until_output,
    with_cookie,
)

pytestmark = pytest.mark.timeout(60)
ASKER = "read x; echo got $x"


async def test_pages_and_websockets_need_a_session(web_core: Home, http):
    base = base_url(web_core)
    origin = {"Origin": base}
    job = web_core.submit(shell_task("asker", ASKER))
    for path in ("/", f"/jobs/{job}"):
        async with http.get(base + path) as response:
            assert response.status == 401, path
            assert "aio web" in await response.text()
        assert await status_of(http, "GET", base + path, headers=with_cookie("forged")) == 401
    for path in ("/ws/events", f"/ws/jobs/{job}"):
        assert await refused_upgrade(http, base + path, origin) == 401, path
        assert await refused_upgrade(http, base + path, with_cookie("forged", **origin)) == 401

    # The same requests with a session: pages and both streams open.
    session_id = await login(http, web_core.link(job))
    for path in ("/", f"/jobs/{job}"):
        assert await status_of(http, "GET", base + path, headers=with_cookie(session_id)) == 200
    async with http.ws_connect(
        base + "/ws/events", headers=with_cookie(session_id, **origin)
    ) as ws:
        snapshot = await next_text(ws)
        assert snapshot["type"] == "snapshot" and [j["id"] for j in snapshot["jobs"]] == [job]
    url = f"{base}/ws/jobs/{job}"
    async with http.ws_connect(url, headers=with_cookie(session_id, **origin)) as ws:
        hello = await next_text(ws)
        assert hello["type"] == "hello" and hello["job"]["id"] == job
        assert hello["readonly"] is False


async def test_wrong_and_used_tokens_are_refused(web_core: Home, http):
    base = base_url(web_core)
    job = web_core.submit(shell_task("asker", ASKER))
    for url in (f"{base}/login", f"{base}/login?token=", f"{base}/login?token=not-a-token"):
        async with http.get(url, allow_redirects=False) as response:
            assert response.status == 401, url
            assert COOKIE not in response.cookies
            assert "not valid" in await response.text()

    link = web_core.link(job)
    async with http.get(link, allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == f"/jobs/{job}"
        cookie = response.cookies[COOKIE]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/"
    async with http.get(link, allow_redirects=False) as response:
        assert response.status == 401, "a link worked twice"
        assert COOKIE not in response.cookies

    # `next` only ever leads to a path on this server (browsers drop tabs and newlines from a
    # Location and read a backslash as a slash).
    for target in (
        "//evil.example/",
        "http://evil.example/",
        "jobs/1",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
    ):
        fresh = re.sub(r"next=[^&]*", "next=" + quote(target, safe=""), web_core.link(job))
        async with http.get(fresh, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/", target


async def test_foreign_or_missing_origin_is_refused(web_core: Home, http):
    base = base_url(web_core)
    job = web_core.submit(shell_task("asker", ASKER))
    session_id = await login(http, web_core.link(job))
    foreign = (
        "http://evil.example",
        f"http://evil.example:{web_core.port}",
        f"http://127.0.0.1:{web_core.port + 1 if web_core.port < 65535 else 1}",
        f"https://127.0.0.1:{web_core.port}",
        "null",
    )
    for path in ("/ws/events", f"/ws/jobs/{job}"):
        assert await refused_upgrade(http, base + path, with_cookie(session_id)) == 403, path
        for origin in foreign:
            headers = with_cookie(session_id, Origin=origin)
            assert await refused_upgrade(http, base + path, headers) == 403, (path, origin)
        async with http.ws_connect(base + path, headers=with_cookie(session_id, Origin=base)):
            pass

    logout = f"{base}/logout"
    assert await status_of(http, "POST", logout, headers=with_cookie(session_id)) == 403
    for origin in foreign:
        headers = with_cookie(session_id, Origin=origin)
        assert await status_of(http, "POST", logout, headers=headers) == 403, origin
    # None of the refused logouts ended the session; the one from the right Origin does.
    assert await status_of(http, "GET", base + "/", headers=with_cookie(session_id)) == 200
    async with http.post(logout, headers=with_cookie(session_id, Origin=base)) as response:
        assert response.status == 200
        assert response.cookies[COOKIE].value == ""
    assert await status_of(http, "GET", base + "/", headers=with_cookie(session_id)) == 401
    headers = with_cookie(session_id, Origin=base)
    assert await refused_upgrade(http, f"{base}/ws/jobs/{job}", headers) == 401


async def test_non_loopback_host_header_is_refused(web_core: Home, http):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    base = base_url(web_core)
    port = web_core.port
    job = web_core.submit(shell_task("asker", ASKER))
    link = web_core.link(job)
    evil = f"evil.example:{port}"
    # The token is not even looked at through a foreign Host: it still works afterwards.
    assert await status_of(http, "GET", link, headers={"Host": evil}) == 403
    session_id = await login(http, link)

    for host in (evil, "evil.example", f"10.0.0.1:{port}", f"127.0.0.1:{port + 1}"):
        headers = with_cookie(session_id, Host=host)
        assert await status_of(http, "GET", base + "/", headers=headers) == 403, host
        assert await status_of(http, "GET", f"{base}/jobs/{job}", headers=headers) == 403, host
    headers = with_cookie(session_id, Host=evil, Origin=f"http://{evil}")
    assert await refused_upgrade(http, f"{base}/ws/jobs/{job}", headers) == 403
    assert await refused_upgrade(http, f"{base}/ws/events", headers) == 403

    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        headers = with_cookie(session_id, Host=host)
        assert await status_of(http, "GET", base + "/", headers=headers) == 200, host
        headers = with_cookie(session_id, Host=host, Origin=f"http://{host}")
        async with http.ws_connect(f"{base}/ws/jobs/{job}", headers=headers) as ws:
            assert (await next_text(ws))["type"] == "hello"


async def test_read_only_session_cannot_type_or_resize(web_core: Home, http):
    base = base_url(web_core)
    origin = {"Origin": base}
    job = web_core.submit(shell_task("asker", ASKER))
    web_core.wait_status(job, "running")
    readonly = await login(http, web_core.link(job, readonly=True))
    writable = await login(http, web_core.link(job))
    url = f"{base}/ws/jobs/{job}"

    async with http.ws_connect(
        url + "?cols=40&rows=15", headers=with_cookie(readonly, **origin)
    ) as ro:
        hello = await next_text(ro)
        assert hello["type"] == "hello" and hello["readonly"] is True
        size = hello["cols"], hello["rows"]
        assert size != (40, 15), "a read-only attach set the PTY's size"
        await ro.send_bytes(b"secret\n")
        await ro.send_str(json.dumps({"type": "input", "data": "secret\n"}))
        await ro.send_str(json.dumps({"type": "resize", "cols": 44, "rows": 17}))
        for _ in range(2):
            assert await next_text(ro) == {"type": "notice", "text": "read-only: input ignored"}

        # Another read-only viewer sees the PTY's size unchanged by the resize.
        async with http.ws_connect(url, headers=with_cookie(readonly, **origin)) as other:
            hello = await next_text(other)
            assert (hello["cols"], hello["rows"]) == size

        # A writable viewer's line is the first the job reads: "secret" never reached it.
        async with http.ws_connect(url, headers=with_cookie(writable, **origin)) as rw:
            assert (await next_text(rw))["readonly"] is False
            await rw.send_bytes(b"other\n")
            await until_output(rw, b"got other")
        await until_output(ro, b"got other")
        exit_message = await next_text(ro)
        assert exit_message["type"] == "exit" and exit_message["status"] == "done"
    log = web_core.log(job)
    assert "got other" in log and "secret" not in log


async def test_non_loopback_bind_needs_a_token(
    web_home: Home, serve: Callable[..., ServedCore], http
):
    refused = web_home.aio("serve", "--host", "0.0.0.0", "--port", "0", timeout=30)
    assert refused.returncode == 2, (refused.returncode, refused.stderr)
    assert "0.0.0.0" in refused.stderr and "token" in refused.stderr
    assert not (web_home.path / "core.sock").exists()
    short = web_home.aio("serve", "--host", "0.0.0.0", "--port", "0", "--token", "short")
    assert short.returncode == 2 and "16 characters" in short.stderr, short.stderr

    token = "static-token-0123456789"
    serve("--host", "0.0.0.0", "--port", "0", "--token", token)
    web_home.port = web_home.web_port()
    base = base_url(web_home)  # bound to every address, but only ever reached on loopback
    assert web_home.link().startswith(f"{base}/login?token=")
    assert await status_of(http, "GET", base + "/") == 401
    assert await status_of(http, "GET", f"{base}/login?token={token}x") == 401
    # The static token is a login token, and unlike a link it keeps working.
    first = await login(http, f"{base}/login?token={token}&next=%2F")
    second = await login(http, f"{base}/login?token={token}&next=%2F")
    assert first != second
    for session_id in (first, second):
        assert await status_of(http, "GET", base + "/", headers=with_cookie(session_id)) == 200


async def test_static_token_from_config_logs_in(
    web_home: Home, serve: Callable[..., ServedCore], http
):
    token = "clé-statique-0123456789"  # any text, not only ASCII
    web_home.write_config(f'web_port = 0\nweb_token = "{token}"\n')
    serve()
    web_home.port = web_home.web_port()
    base = base_url(web_home)
    session_id = await login(http, f"{base}/login?token={quote(token)}&next=%2F")
    assert await status_of(http, "GET", base + "/", headers=with_cookie(session_id)) == 200
    for wrong in ("clé-statique", "cle-statique-0123456789", "x" * 23, "é" * 23):
        assert await status_of(http, "GET", f"{base}/login?token={quote(wrong)}") == 401, wrong
    # A one-time link still works beside the static token.
    assert await login(http, web_home.link()) != session_id


async def test_pages_carry_security_headers(web_core: Home, http):
    base = base_url(web_core)
    job = web_core.submit(shell_task("asker", ASKER))
    link = web_core.link(job)
    session_id = await login(http, web_core.link(job))
    requests = [
        ("/", session_id, 200),
        (f"/jobs/{job}", session_id, 200),
        ("/", None, 401),
        ("/login?token=wrong", None, 401),
        (link.removeprefix(base), None, 303),
    ]
    for path, cookie, expected in requests:
        async with http.get(base + path, headers=with_cookie(cookie), allow_redirects=False) as r:
            assert r.status == expected, path
            assert_security_headers(r.headers, path)
            if expected == 200:
                assert r.content_type == "text/html"
                assert "/static/" in await r.text()


async def test_a_refused_client_never_stops_the_bridge(web_core: Home, http):
    """Garbage on the WebSocket and bad paths get answers; the bridge keeps serving."""
    base = base_url(web_core)
    job = web_core.submit(shell_task("asker", ASKER))
    session_id = await login(http, web_core.link())  # all jobs: told that 999 does not exist
    headers = with_cookie(session_id, Origin=base)
    assert await refused_upgrade(http, base + "/ws/jobs/999", headers) == 404
    async with http.ws_connect(f"{base}/ws/jobs/{job}", headers=headers) as ws:
        assert (await next_text(ws))["type"] == "hello"
        await ws.send_str("not json")
        assert (await next_text(ws))["type"] == "error"
        await ws.send_str(json.dumps({"type": "resize", "cols": 1, "rows": 99999}))
        assert "2..1000" in (await next_text(ws))["text"]
        await ws.send_bytes(b"fine\n")
        await until_output(ws, b"got fine")
    assert web_core.wait_status(job, "done")["exit_code"] == 0
    assert await status_of(http, "GET", base + "/", headers=with_cookie(session_id)) == 200


async def test_a_busy_port_turns_the_bridge_off_not_the_core(
    web_home: Home, serve: Callable[..., ServedCore]
):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web_home.write_config(f"web_port = {port}\n")
        serve()
        web = web_home.request("GET", "/health")["web"]
        assert web["running"] is False and str(port) in web["error"], web
        result = web_home.aio("web", "--no-open")
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert "browser bridge is off" in result.stderr and str(port) in result.stderr
        job = web_home.submit(shell_task("still", "echo fine"))
        assert web_home.wait_status(job, "done")["exit_code"] == 0
