"""The attach WebSocket of the core's API, spoken directly: several viewers of one job, the
"latest wins" size rule, read-only viewers, control messages and refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from core_harness import AioHome

TIMEOUT = 30.0

# The job reports its terminal size whenever a line is typed into it.
SIZE_REPORTER = {
    "name": "sizes",
    "steps": [{"cmd": 'while read l; do echo "size=$(stty size)"; done'}],
}


class Viewer:
    """One attach WebSocket: collects output, sends input and control messages."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.output = b""
        self.messages: list[dict] = []

    async def receive_until(self, predicate) -> None:
        """Read frames until `predicate(self)` holds; fail at the deadline."""
        async with asyncio.timeout(TIMEOUT):
            while not predicate(self):
                msg = await self.ws.receive()
                if msg.type == aiohttp.WSMsgType.BINARY:
                    self.output += msg.data
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    self.messages.append(json.loads(msg.data))
                else:
                    raise AssertionError(f"the stream ended: {msg.type}; output {self.output!r}")

    async def wait_output(self, text: str) -> None:
        await self.receive_until(lambda v: text.encode() in v.output)

    async def wait_message(self, kind: str) -> dict:
        await self.receive_until(lambda v: any(m["type"] == kind for m in v.messages))
        return next(m for m in self.messages if m["type"] == kind)

    async def type(self, text: str) -> None:
        await self.ws.send_bytes(text.encode())


@pytest.fixture
async def http(core: AioHome) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.UnixConnector(path=str(core.path / "core.sock"))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def attach(http: aiohttp.ClientSession, job: int, **query: str) -> Viewer:
    ws = await http.ws_connect(f"http://aio/jobs/{job}/attach", params=query)
    viewer = Viewer(ws)
    hello = await viewer.wait_message("hello")
    assert hello["job"]["id"] == job
    return viewer


async def submit(core: AioHome, task: dict) -> int:
    answer = await asyncio.to_thread(core.request, "POST", "/jobs", {"task": task})
    job_id = answer["job"]["id"]
    await asyncio.to_thread(core.wait_step_running, job_id, 0)
    return job_id


async def test_latest_viewer_to_attach_resize_or_type_sets_the_size(
    core: AioHome, http: aiohttp.ClientSession
) -> None:
    job_id = await submit(core, SIZE_REPORTER)
    first = await attach(http, job_id, cols="80", rows="24")
    second = await attach(http, job_id, cols="100", rows="30")
    hello = second.messages[0]
    assert (hello["cols"], hello["rows"]) == (100, 30)

    await second.type("a\n")
    await second.wait_output("size=30 100")
    await first.type("b\n")  # typing makes the first viewer's size the PTY's
    await first.wait_output("size=24 80")
    await second.wait_output("size=24 80")  # every viewer sees the same output
    await second.ws.send_str(json.dumps({"type": "resize", "cols": 120, "rows": 40}))
    sizeless = await attach(http, job_id)  # attaches and types without a size of its own
    await sizeless.ws.send_str(json.dumps({"type": "input", "data": "c\n"}))
    await sizeless.wait_output("size=40 120")  # the second viewer's resize holds
    await sizeless.ws.close()

    await asyncio.to_thread(core.request, "POST", f"/jobs/{job_id}/kill")
    exit_message = await first.wait_message("exit")
    assert exit_message["status"] == "killed"
    await first.ws.close()
    await second.ws.close()


async def test_read_only_viewer_cannot_type_or_resize(
    core: AioHome, http: aiohttp.ClientSession
) -> None:
    job_id = await submit(core, SIZE_REPORTER)
    writer = await attach(http, job_id, cols="90", rows="20")
    reader = await attach(http, job_id, cols="50", rows="10", readonly="1")
    assert reader.messages[0]["readonly"] is True
    assert (reader.messages[0]["cols"], reader.messages[0]["rows"]) == (90, 20)  # not resized
    await reader.type("ignored\n")
    notice = await reader.wait_message("notice")
    assert notice["text"] == "read-only: input ignored"
    await reader.ws.send_str(json.dumps({"type": "resize", "cols": 60, "rows": 12}))
    await writer.type("w\n")
    await writer.wait_output("size=20 90")
    await reader.wait_output("size=20 90")
    assert b"ignored" not in writer.output
    await asyncio.to_thread(core.request, "POST", f"/jobs/{job_id}/kill")
    await reader.wait_message("exit")
    await writer.ws.close()
    await reader.ws.close()


async def test_bad_control_messages_get_an_error_and_the_attach_stays(
    core: AioHome, http: aiohttp.ClientSession
) -> None:
    job_id = await submit(core, SIZE_REPORTER)
    viewer = await attach(http, job_id)
    await viewer.ws.send_str("not json")
    await viewer.ws.send_str(json.dumps({"type": "resize", "cols": 1, "rows": 5000}))
    await viewer.ws.send_str(json.dumps({"type": "dance"}))
    await viewer.receive_until(lambda v: sum(m["type"] == "error" for m in v.messages) == 3)
    errors = [m["text"] for m in viewer.messages if m["type"] == "error"]
    assert errors == [
        "expected a JSON control message",
        "resize: cols and rows must be 2..1000",
        "unknown control message 'dance'",
    ]
    await viewer.type("still here\n")
    await viewer.wait_output("size=")
    await asyncio.to_thread(core.request, "POST", f"/jobs/{job_id}/kill")
    await viewer.wait_message("exit")
    await viewer.ws.close()


async def test_attach_refusals(core: AioHome, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await http.ws_connect("http://aio/jobs/99/attach")
    assert caught.value.status == 404
    job_id = await submit(core, SIZE_REPORTER)
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await http.ws_connect(f"http://aio/jobs/{job_id}/attach", params={"mode": "sideways"})
    assert caught.value.status == 400
    await asyncio.to_thread(core.request, "POST", f"/jobs/{job_id}/kill")


async def test_live_mode_skips_the_tail_and_full_mode_replays_everything(
    core: AioHome, http: aiohttp.ClientSession
) -> None:
    task = {"name": "modes", "steps": [{"cmd": "echo early-$((1+1)); read x; echo late-$x"}]}
    job_id = await submit(core, task)
    await asyncio.to_thread(core.wait_log, job_id, "early-2")
    live = await attach(http, job_id, mode="live")
    full = await attach(http, job_id, mode="full")
    await live.type("3\n")
    await live.wait_message("exit")
    await full.wait_message("exit")
    assert b"early-2" not in live.output
    assert b"late-3" in live.output
    assert full.output.replace(b"\r\n", b"\n") == b"early-2\n3\nlate-3\n"
    await live.ws.close()
    await full.ws.close()
