"""Unit tests of the output tail (OutputRing) and of viewers that fall behind (Viewer).

Viewers are driven through a real JobOutput writing a real log file in a temporary folder; the
"client" is an async send function that records what it is sent and can be held back.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from aio.core.ring import OutputRing, trim_to_line_start
from aio.core.viewers import SKIPPED_NOTICE, Viewer, read_log_tail
from aio.jobs.execution import JobOutput
from aio.jobs.model import Job, JobStatus

# OutputRing


def lines(first: int, count: int) -> bytes:
    return b"".join(b"line-%05d\n" % i for i in range(first, first + count))


def test_ring_keeps_everything_below_capacity() -> None:
    ring = OutputRing(1000)
    ring.append(b"partial first line")
    ring.append(b" and more\n")
    assert ring.tail() == b"partial first line and more\n"
    assert ring.total == len(ring) == 28


def test_ring_is_bounded_and_counts_every_byte() -> None:
    ring = OutputRing(4096)
    stream = b""
    for i in range(2000):
        chunk = lines(i * 3, 3)
        ring.append(chunk)
        stream += chunk
        assert len(ring) < 4096 + len(chunk)
    assert ring.total == len(stream)
    tail = ring.tail()
    assert len(tail) <= 4096
    assert stream.endswith(tail)


def test_ring_tail_starts_at_a_line_boundary_when_full() -> None:
    ring = OutputRing(100)
    stream = lines(0, 50)
    for i in range(0, len(stream), 7):
        ring.append(stream[i : i + 7])
    tail = ring.tail()
    assert stream.endswith(tail)
    assert tail.startswith(b"line-")
    assert len(tail) <= 100
    assert len(tail) > 100 - len(b"line-00000\n")


def test_ring_keeps_the_end_of_one_huge_chunk() -> None:
    ring = OutputRing(100)
    ring.append(b"x" * 10_000)
    assert ring.total == 10_000
    assert ring.tail() == b"x" * 100


def test_trim_to_line_start() -> None:
    assert trim_to_line_start(b"\x1b[3partial\nwhole\n") == b"whole\n"
    assert trim_to_line_start(b"no newline at all") == b"no newline at all"
    far = b"y" * 5000 + b"\nrest"
    assert trim_to_line_start(far) == far


def test_read_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "output.log"
    log.write_bytes(lines(0, 100))
    assert read_log_tail(str(log), 10_000) == lines(0, 100)
    tail = read_log_tail(str(log), 60)  # 5 whole lines and part of one before them
    assert tail == lines(95, 5)
    assert read_log_tail(str(tmp_path / "missing.log"), 10) == b""


# Viewer


class Client:
    """A viewer's far end: records frames; `hold()` makes sends wait until `release()`."""

    def __init__(self) -> None:
        self.frames: list[bytes | dict] = []
        self._open = asyncio.Event()
        self._open.set()
        self.sending = asyncio.Event()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def send_bytes(self, data: bytes) -> None:
        self.sending.set()
        await self._open.wait()
        self.frames.append(bytes(data))

    async def send_text(self, message: dict) -> None:
        await self._open.wait()
        self.frames.append(message)

    def data(self) -> bytes:
        return b"".join(f for f in self.frames if isinstance(f, bytes))

    def messages(self) -> list[dict]:
        return [f for f in self.frames if isinstance(f, dict)]


@pytest.fixture
def output(tmp_path: Path):
    """A real JobOutput of a running job, logging to a file in `tmp_path`."""
    job = Job(
        id=7,
        name="v",
        status=JobStatus.RUNNING,
        steps=[],
        created_at=time.time(),
        folder=str(tmp_path),
    )
    out = JobOutput(job, ring_bytes=64 * 1024)
    out.open_log()
    yield out
    out.close_log()


def finish(output: JobOutput, code: int = 0) -> None:
    output.job.status = JobStatus.DONE if code == 0 else JobStatus.FAILED
    output.job.exit_code = code
    output.close_log()
    output.wake_viewers()


def attach(output: JobOutput, client: Client, **options) -> Viewer:
    viewer = Viewer(output.source(), client.send_bytes, client.send_text, **options)
    output.viewers.add(viewer)
    return viewer


async def test_new_viewer_gets_the_tail_then_live_output_then_exit(output: JobOutput) -> None:
    output.emit(b"before\n")
    client = Client()
    viewer = attach(output, client)
    sender = asyncio.create_task(viewer.run())
    output.emit(b"after\n")
    finish(output, 0)
    await asyncio.wait_for(sender, 5)
    assert client.data() == b"before\nafter\n"
    assert client.frames[-1] == {"type": "exit", "id": 7, "status": "done", "exit_code": 0}
    assert viewer.skips == 0


async def test_live_mode_skips_the_tail(output: JobOutput) -> None:
    output.emit(b"old\n")
    client = Client()
    viewer = attach(output, client, replay_tail=False)
    sender = asyncio.create_task(viewer.run())
    output.emit(b"new\n")
    finish(output, 3)
    await asyncio.wait_for(sender, 5)
    assert client.data() == b"new\n"
    assert client.messages() == [{"type": "exit", "id": 7, "status": "failed", "exit_code": 3}]


async def test_lossy_viewer_that_falls_behind_gets_a_notice_and_the_tail(
    output: JobOutput,
) -> None:
    client = Client()
    client.hold()
    viewer = attach(output, client, budget=8 * 1024)
    sender = asyncio.create_task(viewer.run())
    output.emit(b"first\n")
    await asyncio.wait_for(client.sending.wait(), 5)  # the sender is stuck on "first"
    stream = lines(0, 20_000)
    for i in range(0, len(stream), 1000):
        output.emit(stream[i : i + 1000])
    assert viewer.skips >= 1
    client.release()
    finish(output, 0)
    await asyncio.wait_for(sender, 5)

    notice = {"type": "notice", "text": SKIPPED_NOTICE}
    assert notice in client.messages()
    after_notice = client.frames[client.frames.index(notice) + 1 :]
    resumed = b"".join(f for f in after_notice if isinstance(f, bytes))
    assert stream.endswith(resumed)
    assert resumed.startswith(b"line-")
    assert 0 < len(resumed) <= 64 * 1024
    assert len(client.data()) < len(stream)  # output was skipped, not buffered
    assert client.frames[-1]["type"] == "exit"


async def test_lossless_viewer_that_falls_behind_catches_up_from_the_log(
    output: JobOutput,
) -> None:
    client = Client()
    client.hold()
    viewer = attach(output, client, budget=8 * 1024, lossless=True, replay_tail=False)
    sender = asyncio.create_task(viewer.run())
    stream = b"first\n" + lines(0, 40_000)  # 440 kB: far more than the budget and the ring
    output.emit(stream[:6])
    await asyncio.wait_for(client.sending.wait(), 5)
    for i in range(6, len(stream), 3000):
        output.emit(stream[i : i + 3000])
    assert viewer.skips >= 1
    client.release()
    more = lines(40_000, 5)
    await asyncio.sleep(0)  # let the sender start catching up before the job writes more
    output.emit(more)
    finish(output, 0)
    await asyncio.wait_for(sender, 10)

    assert client.data() == stream + more
    assert SKIPPED_NOTICE not in str(client.messages())
    assert client.messages() == [{"type": "exit", "id": 7, "status": "done", "exit_code": 0}]


async def test_lossless_viewer_from_start_reads_the_whole_log(output: JobOutput) -> None:
    stream = lines(0, 20_000)  # larger than the 64 KiB ring
    output.emit(stream)
    client = Client()
    viewer = attach(output, client, lossless=True, from_start=True, replay_tail=False)
    sender = asyncio.create_task(viewer.run())
    output.emit(b"live\n")
    finish(output, 0)
    await asyncio.wait_for(sender, 10)
    assert client.data() == stream + b"live\n"
    assert client.frames[-1]["status"] == "done"


async def test_closed_viewer_stops_without_an_exit_message(output: JobOutput) -> None:
    client = Client()
    viewer = attach(output, client)
    sender = asyncio.create_task(viewer.run())
    output.emit(b"x\n")
    viewer.close()
    await asyncio.wait_for(sender, 5)
    output.emit(b"after close\n")
    assert b"after close" not in client.data()
    assert client.messages() == []


async def test_notify_is_sent_in_order_with_output(output: JobOutput) -> None:
    client = Client()
    viewer = attach(output, client, replay_tail=False)
    output.emit(b"a\n")
    viewer.notify({"type": "notice", "text": "hello"})
    output.emit(b"b\n")
    finish(output, 0)
    await asyncio.wait_for(viewer.run(), 5)
    assert client.frames == [
        b"a\n",
        {"type": "notice", "text": "hello"},
        b"b\n",
        {"type": "exit", "id": 7, "status": "done", "exit_code": 0},
    ]
