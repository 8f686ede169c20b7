"""Flow control on the browser bridge: a viewer that stops reading never holds anything up.

Two aiohttp WebSocket viewers attach to a job before it floods its PTY. One never reads until the
job is over (aiohttp stops reading its socket once its small buffer is full, so the core's
sender for it blocks and its bounded queue overflows); the other reads all along. The reader
keeps receiving, the job finishes, and the stalled viewer, once it reads, is told that output was
skipped and gets the job's latest output and its exit.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest
from web_harness import Home, base_url, login, shell_task, with_cookie

pytestmark = pytest.mark.timeout(90)
FLOOD_BYTES = 16_000_000  # `yes` prints "y\n", the PTY makes it "y\r\n": 24 MB of output
QUEUE_BUDGET = 4 * 1024 * 1024  # a viewer's queue in the core (aio.core.viewers.Viewer)
END = b"END-OF-FLOOD"


class Reader:
    """Reads one viewer's stream to its end: a byte count, the last output and the messages."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.bytes = 0
        self.last = b""
        self.texts: list[dict] = []

    async def run(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            msg = await self.ws.receive(timeout=max(0.1, deadline - time.monotonic()))
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.bytes += len(msg.data)
                self.last = (self.last + msg.data)[-4096:]
            elif msg.type == aiohttp.WSMsgType.TEXT:
                self.texts.append(json.loads(msg.data))
            else:
                return  # the core closes the stream after the exit message

    def of_type(self, kind: str) -> list[dict]:
        return [t for t in self.texts if t.get("type") == kind]


async def test_a_stalled_viewer_stalls_neither_the_job_nor_other_viewers(web_core: Home, http):
    base = base_url(web_core)
    gate = web_core.root / "flood"
    job = web_core.submit(
        shell_task(
            "flood",
            f"while [ ! -e {gate} ]; do sleep 0.05; done; "
            f"yes | head -c {FLOOD_BYTES}; echo {END.decode()}",
        )
    )
    web_core.wait_status(job, "running")
    session_id = await login(http, web_core.link(job))
    headers = with_cookie(session_id, Origin=base)
    url = f"{base}/ws/jobs/{job}"
    async with (
        http.ws_connect(url, headers=headers) as stalled,
        http.ws_connect(url, headers=headers) as reading,
    ):
        reader = Reader(reading)
        reading_task = asyncio.create_task(reader.run(timeout=60))
        gate.touch()  # both viewers are attached: the flood starts
        await asyncio.wait_for(reading_task, timeout=65)

        finished = web_core.job(job)
        assert finished["status"] == "done" and finished["exit_code"] == 0, finished
        total = Path(finished["log_path"]).stat().st_size
        assert total > FLOOD_BYTES
        # The reader got the output up to its end while the other viewer read nothing: far
        # more than the stalled viewer's queue and socket buffers could ever have held.
        assert reader.bytes >= FLOOD_BYTES > 3 * QUEUE_BUDGET, (reader.bytes, total)
        assert END in reader.last, reader.last[-200:]
        assert reader.of_type("exit")[-1]["status"] == "done"

        # Only now does the stalled viewer read: the notice, then the latest output, the exit.
        slow = Reader(stalled)
        await slow.run(timeout=30)
    notices = slow.of_type("notice")
    assert any("output skipped" in n["text"] for n in notices), slow.texts
    assert END in slow.last, slow.last[-200:]
    assert slow.of_type("exit")[-1] == {"type": "exit", "id": job, "status": "done", "exit_code": 0}
    assert slow.bytes < total // 2, "the stalled viewer was sent the whole flood"
    # The stream still starts with the hello and ends with the exit.
    kinds = [t["type"] for t in slow.texts]
    assert kinds[0] == "hello" and kinds[-1] == "exit", kinds
