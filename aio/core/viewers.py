"""Viewers of a job's output, each with a bounded queue so none can grow the core's memory.

A *lossy* viewer (a terminal or browser watching live) that falls behind is resynchronised from the
ring's tail with a notice. A *lossless* viewer (batch `aio run --wait`) that falls behind catches up
from the job's log (its complete output, or its head and latest output once the log reached its
cap), then goes back to live chunks.
Neither kind ever stalls the job or the other viewers.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

SKIPPED_NOTICE = "output skipped: this viewer fell behind; showing the latest output"

SendBytes = Callable[[bytes], Awaitable[None]]
SendText = Callable[[dict], Awaitable[None]]


@dataclass(slots=True)
class StreamSource:
    """What a viewer needs to know about the stream it watches."""

    read_log: Callable[[int, int], tuple[bytes, int]]  # (offset, size) -> (data, next offset)
    total: Callable[[], int]
    tail: Callable[[], bytes]
    finished: Callable[[], bool]
    exit_message: Callable[[], dict]


class Viewer:
    """One attached client: queued output drained to it by a single sender task."""

    FRAME_BYTES = 256 * 1024

    def __init__(
        self,
        source: StreamSource,
        send_bytes: SendBytes,
        send_text: SendText,
        *,
        budget: int = 4 * 1024 * 1024,
        lossless: bool = False,
        from_start: bool = False,
        replay_tail: bool = True,
        readonly: bool = False,
    ) -> None:
        self.source = source
        self.send_bytes = send_bytes
        self.send_text = send_text
        self.budget = budget
        self.lossless = lossless
        self.readonly = readonly
        self.skips = 0
        self._queue: deque[bytes | dict] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._closed = False
        # A lossless viewer that is behind reads the log from `_offset` instead of the queue.
        self._catching_up = lossless and from_start
        self._offset = 0 if from_start else source.total()
        if not from_start and replay_tail:
            tail = source.tail()
            if tail:
                self._queue.append(tail)
                self._queued = len(tail)
        self._wake.set()

    def feed(self, chunk: bytes) -> None:
        """Queue a live chunk; never blocks, never grows past the budget."""
        if self._closed or self._catching_up:
            return
        if self._queued + len(chunk) > self.budget:
            self._fall_behind()
            return
        self._queue.append(chunk)
        self._queued += len(chunk)
        self._wake.set()

    def notify(self, message: dict) -> None:
        """Queue a control message (sent as text, in order with the output)."""
        if not self._closed:
            self._queue.append(message)
            self._wake.set()

    def wake(self) -> None:
        """Let the sender look again (the job finished, say)."""
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    def _fall_behind(self) -> None:
        self.skips += 1
        self._queue.clear()
        self._queued = 0
        if self.lossless:
            self._catching_up = True
        else:
            tail = self.source.tail()
            self._queue.append({"type": "notice", "text": SKIPPED_NOTICE})
            self._queue.append(tail)
            self._queued = len(tail)
            self._offset = self.source.total()
        self._wake.set()

    async def run(self) -> None:
        """Send queued output until the job ends (then an exit message) or the viewer closes."""
        while not self._closed:
            if self._catching_up:
                await self._send_from_log()
                continue
            if self._queue:
                await self._send_queued()
                continue
            if self.source.finished():
                await self.send_text(self.source.exit_message())
                return
            self._wake.clear()
            await self._wake.wait()

    async def _send_queued(self) -> None:
        item = self._queue.popleft()
        if isinstance(item, dict):
            await self.send_text(item)
            return
        parts = [item]
        size = len(item)
        while self._queue and isinstance(self._queue[0], bytes) and size < self.FRAME_BYTES:
            nxt = self._queue.popleft()
            parts.append(nxt)
            size += len(nxt)
        self._queued -= size
        self._offset += size
        await self.send_bytes(b"".join(parts) if len(parts) > 1 else item)

    async def _send_from_log(self) -> None:
        """Read the log from our offset; once level with the stream, switch back to live."""
        target = self.source.total()
        if self._offset >= target:
            self._catching_up = False  # no await between the check and the switch
            return
        size = min(self.FRAME_BYTES, target - self._offset)
        try:
            data, following = self.source.read_log(self._offset, size)
        except OSError as exc:
            self._catching_up = False
            self._offset = self.source.total()
            await self.send_text({"type": "notice", "text": f"log unreadable: {exc.strerror}"})
            return
        if not data:
            # The log is shorter than the count (disk full?): go live rather than spin.
            self._catching_up = False
            self._offset = self.source.total()
            return
        self._offset = following
        await self.send_bytes(data)


def read_log_tail(path: str, size: int) -> bytes:
    """The last `size` bytes of a log file (for jobs whose ring did not survive a restart)."""
    from aio.core.ring import trim_to_line_start

    try:
        with open(path, "rb") as log:
            end = log.seek(0, os.SEEK_END)
            start = max(0, end - size)
            log.seek(start)
            data = log.read()
    except OSError:
        return b""
    return trim_to_line_start(data) if start else data
