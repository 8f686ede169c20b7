"""A browser session's reach: the job its link was for (or all jobs), for as long as it lives.

A link for job A makes a session scoped to A: the event stream and its snapshot carry only A,
A's page and socket open, and every other job's page and socket are refused, whether the link was
read-only or writable, and still after a core restart. Logging out, or the session expiring,
closes the session's open sockets at once: input sent afterwards never reaches the job. Everything
goes through a real aiohttp client to a real core.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable

import aiohttp
import pytest
from web_harness import (
    DEADLINE,
    SECRET,
    Home,
    ServedCore,
    ShiftedClock,
    ThreadedCore,
    base_url,
    login,
    next_text,
    refused_upgrade,
    shell_task,
    status_of,
    submit_secret_job,
    until_output,
    with_cookie,
)

from aio.config.settings import Config
from aio.web.auth import SESSION_SECONDS
from aio.web.sockets import SESSION_ENDED

pytestmark = pytest.mark.timeout(90)
ECHOER = 'while read x; do echo "got $x"; done'


async def events_until(
    ws: aiohttp.ClientWebSocketResponse, done: Callable[[dict], bool]
) -> list[dict]:
    """Every event frame up to and including the first that `done` accepts."""
    seen = []
    while True:
        event = await next_text(ws)
        seen.append(event)
        if done(event):
            return seen


def event_job_id(event: dict) -> int:
    return event["job"]["id"] if event["type"] == "job" else event["id"]


@pytest.mark.parametrize("readonly", [True, False], ids=["read-only", "writable"])
async def test_a_job_link_reaches_only_its_job(web_core: Home, http, readonly: bool):
    base = base_url(web_core)
    mine = web_core.submit(shell_task("mine", "read x; echo got $x"))
    other = submit_secret_job(web_core, ECHOER)
    web_core.wait_status(mine, "running")
    session_id = await login(http, web_core.link(mine, readonly=readonly))
    headers = with_cookie(session_id, Origin=base)

    async with http.ws_connect(f"{base}/ws/events", headers=headers) as events:
        snapshot = await next_text(events)
        assert snapshot["type"] == "snapshot"
        assert [job["id"] for job in snapshot["jobs"]] == [mine], snapshot
        assert web_core.job(other)["variables"] == {"API_KEY": SECRET}
        assert SECRET not in json.dumps(snapshot)
        # Changes to other jobs (a new one, one removed), then one to this session's job: the
        # stream carries that last one only.
        third = web_core.submit(shell_task("third", "echo three"))
        web_core.wait_status(third, "done")
        web_core.request("DELETE", f"/jobs/{third}")
        fed = web_core.aio("a", str(mine), input="fed\n")
        assert fed.returncode == 0, fed.stderr
        seen = await events_until(
            events, lambda e: e["type"] == "job" and e["job"]["status"] == "done"
        )
        assert {event_job_id(e) for e in seen} == {mine}, seen

    # The other job's page and socket are refused, by number or by name, as is a job that does
    # not exist (the answer does not tell which).
    for ref in (str(other), "vault", "999"):
        assert await status_of(http, "GET", f"{base}/jobs/{ref}", headers=headers) == 403, ref
        assert await refused_upgrade(http, f"{base}/ws/jobs/{ref}", headers) == 403, ref
    assert await status_of(http, "GET", f"{base}/jobs/{mine}", headers=headers) == 200
    assert await status_of(http, "GET", f"{base}/", headers=headers) == 200

    # The other job never got a byte from this session, and its output is still its own.
    assert "got" not in web_core.log(other)

    # An all-jobs session (the jobs page's link) sees both jobs and may attach to either.
    everyone = with_cookie(await login(http, web_core.link()), Origin=base)
    async with http.ws_connect(f"{base}/ws/events", headers=everyone) as events:
        snapshot = await next_text(events)
        assert {job["id"] for job in snapshot["jobs"]} == {mine, other}
    async with http.ws_connect(f"{base}/ws/jobs/{other}", headers=everyone) as ws:
        hello = await next_text(ws)
        assert hello["type"] == "hello" and hello["job"]["id"] == other
        await ws.send_bytes(b"from all-jobs\n")
        await until_output(ws, b"got from all-jobs")


async def test_the_scope_survives_a_core_restart(
    web_core: Home, serve: Callable[..., ServedCore], http
):
    base = base_url(web_core)
    mine = web_core.submit(shell_task("mine", ECHOER))
    other = submit_secret_job(web_core, ECHOER)
    session_id = await login(http, web_core.link(mine))
    web_core.cores.pop().stop()
    web_core.write_config(f"web_port = {web_core.port}\n")
    serve()
    assert web_core.web_port() == web_core.port

    headers = with_cookie(session_id, Origin=base)
    async with http.ws_connect(f"{base}/ws/events", headers=headers) as events:
        snapshot = await next_text(events)
        assert [job["id"] for job in snapshot["jobs"]] == [mine], snapshot
    assert await status_of(http, "GET", f"{base}/jobs/{other}", headers=headers) == 403
    assert await refused_upgrade(http, f"{base}/ws/jobs/{other}", headers) == 403
    assert await status_of(http, "GET", f"{base}/jobs/{mine}", headers=headers) == 200


async def wait_closed(ws: aiohttp.ClientWebSocketResponse, timeout: float = DEADLINE) -> int:
    """Read until the server closes `ws` (within `timeout`); the code its close frame gave.

    (Not `ws.close_code`: the server may drop the connection right after its close frame, and
    aiohttp's client then records 1006 for its own reply that could not be sent.)"""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"the server did not close the socket within {timeout:.0f}s")
        with contextlib.suppress(asyncio.TimeoutError):
            msg = await ws.receive(timeout=remaining)
            if msg.type == aiohttp.WSMsgType.CLOSE:
                return msg.data
            if msg.type == aiohttp.WSMsgType.CLOSED:
                return ws.close_code  # no close frame came: the connection was cut


async def type_after_the_end(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Try to type into a socket whose session just ended (the send may already fail)."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_bytes(b"after the end\n")


async def marker_reaches(home: Home, http, job: int, text: str) -> None:
    """Type `text` through a fresh writable session and wait for the job to answer it, so every
    line sent before it has been read by the job by then."""
    base = base_url(home)
    headers = with_cookie(await login(http, home.link(job)), Origin=base)
    async with http.ws_connect(f"{base}/ws/jobs/{job}", headers=headers) as ws:
        await ws.send_bytes(text.encode() + b"\n")
        await until_output(ws, f"got {text}".encode())


async def test_logout_closes_the_sessions_sockets(web_core: Home, http):
    base = base_url(web_core)
    job = web_core.submit(shell_task("echoer", ECHOER))
    web_core.wait_status(job, "running")
    session_id = await login(http, web_core.link())
    headers = with_cookie(session_id, Origin=base)
    bystander = with_cookie(await login(http, web_core.link(job)), Origin=base)

    async with (
        http.ws_connect(f"{base}/ws/jobs/{job}", headers=headers) as attach,
        http.ws_connect(f"{base}/ws/events", headers=headers) as events,
        http.ws_connect(f"{base}/ws/jobs/{job}", headers=bystander) as other,
    ):
        await attach.send_bytes(b"before\n")
        await until_output(attach, b"got before")
        assert (await next_text(events))["type"] == "snapshot"
        assert (await next_text(other))["type"] == "hello"

        async with http.post(f"{base}/logout", headers=headers) as response:
            assert response.status == 200
        await type_after_the_end(attach)
        assert await wait_closed(attach) == SESSION_ENDED
        assert await wait_closed(events) == SESSION_ENDED

        await marker_reaches(web_core, http, job, "marker")
        assert "got before" in web_core.log(job)
        assert "after the end" not in web_core.log(job)
        # Only the session that logged out lost its sockets.
        assert not other.closed
        await other.send_bytes(b"still here\n")
        await until_output(other, b"got still here")
    assert await refused_upgrade(http, f"{base}/ws/jobs/{job}", headers) == 401


async def test_an_expired_session_loses_its_sockets(web_home: Home, http):
    clock = ShiftedClock()
    core = ThreadedCore(web_home, Config(web_port=0), clock)
    try:
        core.start()
        web_home.port = core.core.web.port
        base = base_url(web_home)
        job = web_home.submit(shell_task("echoer", ECHOER))
        web_home.wait_status(job, "running")
        headers = with_cookie(await login(http, web_home.link(job)), Origin=base)
        async with (
            http.ws_connect(f"{base}/ws/jobs/{job}", headers=headers) as attach,
            http.ws_connect(f"{base}/ws/events", headers=headers) as events,
        ):
            await attach.send_bytes(b"before\n")
            await until_output(attach, b"got before")
            assert (await next_text(events))["type"] == "snapshot"

            clock.advance(SESSION_SECONDS + 1)
            assert await wait_closed(attach) == SESSION_ENDED
            assert await wait_closed(events) == SESSION_ENDED
            await type_after_the_end(attach)

            await marker_reaches(web_home, http, job, "marker")
            assert "after the end" not in web_home.log(job)
        assert await status_of(http, "GET", f"{base}/", headers=headers) == 401
        assert await refused_upgrade(http, f"{base}/ws/jobs/{job}", headers) == 401
    finally:
        core.stop()
