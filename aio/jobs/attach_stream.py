"""The attach stream: one WebSocket per attach (output out, input and resize in).

PTY size rule with several viewers: the latest wins. The viewer that most recently attached
with a size, resized, or typed sets the PTY's size (as tmux's `window-size latest`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from aio.core.event_stream import HEARTBEAT_SECONDS
from aio.core.viewers import Viewer
from aio.jobs.manager import JobError

if TYPE_CHECKING:
    from aio.jobs.manager import JobManager

MIN_SIZE, MAX_SIZE = 2, 1000
# No permessage-deflate: browsers offer it, and on loopback zlib only costs CPU and throughput.


def parse_size(cols: object, rows: object) -> tuple[int, int] | None:
    """A (cols, rows) pair within sane bounds, or None."""
    try:
        c, r = int(cols), int(rows)
    except (TypeError, ValueError):
        return None
    if MIN_SIZE <= c <= MAX_SIZE and MIN_SIZE <= r <= MAX_SIZE:
        return c, r
    return None


async def attach_handler(request: web.Request, jobs: JobManager) -> web.StreamResponse:
    """Attach a client to a job. Query: cols, rows, mode=tail|full|live, readonly=1."""
    job = jobs.resolve(request.match_info["ref"])
    mode = request.query.get("mode", "tail")
    if mode not in ("tail", "full", "live"):
        raise JobError("query 'mode': expected tail, full or live")
    readonly = request.query.get("readonly") in ("1", "true", "yes")
    size = parse_size(request.query.get("cols"), request.query.get("rows"))
    ws = web.WebSocketResponse(
        heartbeat=HEARTBEAT_SECONDS, max_msg_size=1024 * 1024, compress=False
    )
    await ws.prepare(request)
    await serve_attach(jobs, job, ws, mode=mode, readonly=readonly, size=size)
    return ws


async def serve_attach(
    jobs: JobManager,
    job,
    ws: web.WebSocketResponse,
    *,
    mode: str = "tail",
    readonly: bool = False,
    size: tuple[int, int] | None = None,
) -> None:
    """Run one attach on a prepared WebSocket until the client leaves or the job ends."""
    output = jobs.outputs[job.id]
    readonly = readonly or job.id in jobs.input_closed

    async def send_text(message: dict) -> None:
        await ws.send_str(json.dumps(message))

    viewer = Viewer(
        output.source(),
        ws.send_bytes,
        send_text,
        lossless=mode == "full",
        from_start=mode == "full",
        replay_tail=mode == "tail",
        readonly=readonly,
    )
    execution = jobs.execution(job)
    if size and execution is not None and not readonly:
        execution.resize(*size)
    cols, rows = execution.size if execution is not None else (size or (0, 0))
    hello = {"type": "hello", "job": job.to_dict(), "cols": cols, "rows": rows}
    await send_text({**hello, "readonly": readonly})
    output.viewers.add(viewer)
    sender = asyncio.create_task(_send_then_close(viewer, ws))
    try:
        async for msg in ws:
            execution = jobs.execution(job)
            if msg.type == WSMsgType.BINARY:
                _input(viewer, execution, msg.data, size)
            elif msg.type == WSMsgType.TEXT:
                size = _control(viewer, execution, msg.data, size)
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        viewer.close()
        output.viewers.discard(viewer)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


async def _send_then_close(viewer: Viewer, ws: web.WebSocketResponse) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await viewer.run()
        await ws.close()


def _input(viewer: Viewer, execution, data: bytes, size: tuple[int, int] | None) -> None:
    if viewer.readonly:
        viewer.notify({"type": "notice", "text": "read-only: input ignored"})
        return
    if execution is None:
        viewer.notify({"type": "notice", "text": "the job is not running: input ignored"})
        return
    if size is not None and size != execution.size:
        execution.resize(*size)  # the viewer that types sets the size
    execution.write(data)


def _control(
    viewer: Viewer, execution, text: str, size: tuple[int, int] | None
) -> tuple[int, int] | None:
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        viewer.notify({"type": "error", "text": "expected a JSON control message"})
        return size
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "resize":
        new = parse_size(message.get("cols"), message.get("rows"))
        if new is None:
            viewer.notify({"type": "error", "text": "resize: cols and rows must be 2..1000"})
            return size
        if execution is not None and not viewer.readonly:
            execution.resize(*new)
        return new
    if kind == "input" and isinstance(message.get("data"), str):
        _input(viewer, execution, message["data"].encode("utf-8"), size)
        return size
    viewer.notify({"type": "error", "text": f"unknown control message {kind!r}"})
    return size
