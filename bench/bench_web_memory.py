"""The core's memory while a browser-bridge viewer stalls, and whether another viewer keeps up.

A job prints 200 MB (`head -c 200000000 /dev/zero | tr '\\0' x | fold -w 100`, after a
`read _` so that both viewers are attached before the first byte). Two viewers on the bridge:

* stalled: a plain TCP socket that does the WebSocket handshake by hand (session cookie,
  Origin) and then reads nothing while the job runs;
* reading: an aiohttp WebSocket client that sends the "\\n" which starts the job's output and
  reads as fast as it can, counting binary bytes and "output skipped" notices until "exit".

The core's VmRSS is sampled every 50 ms from /proc/PID/status; VmHWM is its peak. Baseline: the
core's RSS right after start (bridge up, no job). The reading viewer's finish is timed against
the job's end as the core recorded it (`finished_at`, wall clock). Afterwards the stalled socket
starts reading, to show what it gets (a skip notice, the tail, the exit message). A second,
control run of the same job with the reading viewer alone gives the job's output time without a
stalled viewer, and the same pipeline in a bare PTY read by this process its time without aio;
both as ratios.
Goals: the core's RSS and peak < 200 MB; the reading viewer finishes <= 3 s after the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import socket
import sys
import time

import aiohttp
from _common import (
    CLK_TCK,
    Core,
    cpu_ticks,
    goal,
    header,
    job,
    ratio,
    request,
    status_kb,
    submit,
    wait_for,
)
from _web import BRIDGE_CONFIG, Bridge, FrameCounter
from ptyprocess import PtyProcess

PRINT = "head -c 200000000 /dev/zero | tr '\\0' x | fold -w 100"
# fold adds a \n after each 100 bytes but the last (no \n at the very end); the PTY makes each
# \r\n; plus the echoed newline that starts the output.
EXPECTED = 200_000_000 + 2 * (200_000_000 // 100 - 1) + 2
GOAL_MB = 200
GOAL_LAG = 3.0
DEADLINE = 120.0
SAMPLE_SECONDS = 0.05


def mb(kb: int) -> str:
    return f"{kb * 1024 / 1e6:.1f} MB"


async def sample_rss(pid: int, samples: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(status_kb(pid, "VmRSS"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)


async def read_viewer(bridge: Bridge, job_id: int) -> dict:
    """Attach, start the output, read it all; bytes, notices and times."""
    got = {"bytes": 0, "skips": 0, "notices": [], "end": "", "start": 0.0, "finish": 0.0}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            bridge.ws_url(job_id), headers=bridge.headers(), max_msg_size=64 * 1024 * 1024
        ) as ws,
    ):
        hello = await ws.receive_json()
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        got["start"] = time.time()
        await ws.send_bytes(b"\n")
        while True:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                got["bytes"] += len(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                message = json.loads(msg.data)
                if message.get("type") == "exit":
                    got["end"] = f"exit ({message.get('status')})"
                    break
                if message.get("type") == "notice":
                    got["notices"].append(message.get("text", ""))
                    got["skips"] += "output skipped" in message.get("text", "")
            else:
                got["end"] = f"socket {msg.type.name} before the exit message"
                break
        got["finish"] = time.time()
    return got


async def measure(core: Core, bridge: Bridge, job_id: int) -> dict:
    samples: list[int] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(core.pid, samples, stop))
    ticks = cpu_ticks(core.pid)
    try:
        async with asyncio.timeout(DEADLINE):
            got = await read_viewer(bridge, job_id)
    finally:
        stop.set()
        await sampler
    got["core_cpu"] = (cpu_ticks(core.pid) - ticks) / CLK_TCK
    got["samples"] = samples
    return got


def drain_stalled(sock: socket.socket, frames: FrameCounter, timeout: float) -> float:
    """Read the stalled socket until the exit message (or close); seconds it took."""
    start = time.monotonic()
    deadline = start + timeout
    sock.setblocking(False)
    while "exit" not in frames.types() and not frames.closed:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        readable, _, _ = select.select([sock], [], [], remaining)
        if not readable:
            continue
        try:
            data = sock.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            break
        frames.feed(data)
    return time.monotonic() - start


def one_run(core: Core, bridge: Bridge, *, stalled: bool) -> dict:
    """One 200 MB job watched by the reading viewer, with or without a stalled one."""
    job_id = submit(core.home, "print200", f"read _ && {PRINT}")
    wait_for(lambda: job(core.home, job_id)["status"] == "running", 30, "the job to run")
    with contextlib.ExitStack() as stack:
        frames = FrameCounter()
        if stalled:
            sock, early = bridge.raw_attach(job_id)
            stack.enter_context(sock)
            frames.feed(early)
        got = asyncio.run(measure(core, bridge, job_id))
        got["record"] = job(core.home, job_id)
        got["rss"], got["hwm"] = status_kb(core.pid, "VmRSS"), status_kb(core.pid, "VmHWM")
        if stalled:
            got["drain_seconds"] = drain_stalled(sock, frames, 20.0)
            got["frames"] = frames
    log_path = got["record"]["log_path"]
    got["log_bytes"] = os.path.getsize(log_path) if os.path.exists(log_path) else 0
    request(core.home, "DELETE", f"/jobs/{job_id}")  # its 200 MB log
    got["job_seconds"] = got["record"]["finished_at"] - got["start"]
    got["lag"] = got["finish"] - got["record"]["finished_at"]
    return got


def report(label: str, got: dict) -> None:
    record, seconds = got["record"], got["job_seconds"]
    print(
        f"{label}: job {record['status']}, {got['log_bytes']} bytes logged, output ran "
        f"{seconds:.2f} s (\\n sent -> the core's finished_at) = "
        f"{got['log_bytes'] / seconds / 1e6:.1f} MB/s; core CPU meanwhile {got['core_cpu']:.2f} s"
    )
    print(
        f"  reading viewer: {got['bytes']} bytes of {EXPECTED} expected "
        f"({got['bytes'] / EXPECTED:.1%}), 'output skipped' notices: {got['skips']}, ended by "
        f"{got['end']}; finished {got['lag']:+.2f} s after the job's end "
        f"({got['lag'] / seconds:+.1%} of the job's output time)"
    )
    if got["notices"]:
        print(f"  notices: {got['notices'][:3]}{' ...' if len(got['notices']) > 3 else ''}")
    if "frames" in got:
        frames = got["frames"]
        print(
            f"  stalled viewer, once it read (after {got['drain_seconds']:.2f} s): "
            f"{frames.binary_bytes} binary bytes, messages {frames.types()}, "
            f"closed: {frames.closed}"
        )


def bare_pty_seconds() -> tuple[float, int]:
    """The same pipeline in a bare PTY read by this process (64 KiB reads until EIO): the
    job's own speed with nothing of aio's in the way; (seconds, bytes)."""
    start = time.perf_counter()
    proc = PtyProcess.spawn(["bash", "-c", PRINT])
    total = 0
    while True:
        try:
            data = os.read(proc.fd, 65536)
        except OSError:  # EIO: the pipeline exited and closed the terminal
            break
        if not data:
            break
        total += len(data)
    elapsed = time.perf_counter() - start
    proc.wait()
    proc.delayafterclose = 0
    proc.close()
    return elapsed, total


def main() -> int:
    header("bench_web_memory: core RSS with a stalled bridge viewer while a job prints 200 MB")
    with Core(BRIDGE_CONFIG) as core:
        bridge = Bridge(core.home)
        base_rss, base_hwm = status_kb(core.pid, "VmRSS"), status_kb(core.pid, "VmHWM")
        with socket.socket() as probe:
            rcvbuf = probe.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        print(
            f"core pid {core.pid}, bridge on port {bridge.port}; step: read _ && {PRINT!r}; "
            f"the stalled viewer keeps the default SO_RCVBUF ({rcvbuf} bytes, autotuned)"
        )
        # The stalled run first, so that VmHWM is its peak; then the control, for the job's rate.
        with_stall = one_run(core, bridge, stalled=True)
        control = one_run(core, bridge, stalled=False)
        bare_seconds, bare_bytes = bare_pty_seconds()

    report("with a stalled viewer", with_stall)
    report("control, reading viewer only", control)
    print(
        f"bare PTY, same pipeline: {bare_bytes} bytes in {bare_seconds:.2f} s = "
        f"{bare_bytes / bare_seconds / 1e6:.1f} MB/s"
    )
    samples = with_stall["samples"]
    rss, hwm = with_stall["rss"], with_stall["hwm"]
    print(
        f"job output time with the stalled viewer / without: "
        f"{ratio(with_stall['job_seconds'], control['job_seconds'])}; "
        f"with the stalled viewer / bare PTY: {ratio(with_stall['job_seconds'], bare_seconds)}; "
        f"control / bare PTY: {ratio(control['job_seconds'], bare_seconds)}"
    )
    print(f"baseline, right after start: VmRSS {mb(base_rss)}, VmHWM {mb(base_hwm)}")
    print(
        f"while the job ran (stalled viewer): VmRSS max sampled {mb(max(samples))}, "
        f"{ratio(max(samples), base_rss)} the baseline ({len(samples)} samples)"
    )
    print(
        f"after that job: VmRSS {mb(rss)} ({ratio(rss, base_rss)}), "
        f"VmHWM (peak) {mb(hwm)} ({ratio(hwm, base_rss)} the baseline RSS)"
    )
    print(
        f"control run: VmRSS max sampled {mb(max(control['samples']))}, "
        f"{ratio(max(control['samples']), base_rss)} the baseline"
    )
    peak = max(rss, hwm, max(samples))
    lag = with_stall["lag"]
    goal(
        f"core RSS < {GOAL_MB} MB with a stalled viewer (peak {mb(peak)}) and the reading viewer "
        f"done <= {GOAL_LAG:.0f} s after the job (measured {lag:+.2f} s)",
        peak * 1024 < GOAL_MB * 1e6 and lag <= GOAL_LAG and with_stall["end"].startswith("exit"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
