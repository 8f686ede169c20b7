"""Throughput of the browser bridge: `cat` of a 64 MiB text file, received over a WebSocket.

Three ways to read the same `cat FILE` in the same run, interleaved, 3 runs each:

* aio: a job whose step is `read _ && cat FILE`; an aiohttp WebSocket client attaches to
  /ws/jobs/N on the bridge (session cookie, Origin), waits for "hello", sends "\\n" as a binary
  frame (input) and starts the clock, then reads as fast as it can, counting binary bytes until
  the "exit" message. A "notice" saying "output skipped" means the client fell behind.
* terminado (the Jupyter terminal backend), in its own process like the core: a tornado app
  with terminado's TermSocket and a UniqueTermManager running `bash -c 'read _; cat FILE'`.
  The same client sends ["stdin", "\\n"], then counts the characters of the ["stdout", text]
  JSON frames until ["disconnect", 1]. Needs `pip install terminado tornado` (a benchmark-only
  dependency, not one of aio's).
* bare PTY: `cat FILE` spawned by ptyprocess in this process, 64 KiB reads until EIO
  (bench_attach_throughput's baseline).

The PTY turns each \\n into \\r\\n and echoes the typed newline, so both WebSocket clients
expect the file's size + one byte per line + 2; a CRC of what arrived is checked against that.
Goals: aio >= 1.3x terminado's rate, and >= 60% of the bare PTY's.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import shlex
import signal
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

from _common import (
    CLK_TCK,
    Core,
    cpu_ticks,
    goal,
    header,
    job,
    ratio,
    request,
    submit,
    summary,
    wait_for,
)
from _web import BRIDGE_CONFIG, HOST, Bridge
from bench_attach_throughput import bare_pty, make_file, mbps

try:
    import aiohttp
except ImportError:  # aio depends on it; only a broken install lacks it
    raise SystemExit("bench_web_relay: needs aiohttp (pip install -e .)") from None

RUNS = 3
RUN_DEADLINE = 60.0
GOAL_VS_TERMINADO = 1.3
GOAL_VS_PTY = 0.60
MAX_MSG = 64 * 1024 * 1024


# terminado, served from a child process (`python bench_web_relay.py --terminado FILE`)


def terminado_server(path: str) -> None:
    """Serve terminado on a free loopback port; print the port; run until SIGTERM."""
    import tornado.httpserver
    import tornado.netutil
    import tornado.web
    from terminado import TermSocket, UniqueTermManager

    async def serve() -> None:
        command = ["bash", "-c", f"read _; cat {shlex.quote(path)}"]
        manager = UniqueTermManager(shell_command=command)
        app = tornado.web.Application([(r"/term", TermSocket, {"term_manager": manager})])
        sockets = tornado.netutil.bind_sockets(0, HOST)
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print(sockets[0].getsockname()[1], flush=True)
        await stop.wait()
        server.stop()
        await manager.shutdown()

    asyncio.run(serve())


class Terminado:
    """The terminado server as a child process; stopped on exit."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> Terminado:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--terminado", self.path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            cwd=os.path.dirname(self.path),
        )
        try:
            readable, _, _ = select.select([self.proc.stdout], [], [], 30)
            line = self.proc.stdout.readline() if readable else ""
            if not line.strip().isdigit():
                raise RuntimeError(f"the terminado server did not print its port: {line!r}")
            self.port = int(line)  # the child prints its port, then nothing more
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.proc.stdout.close()


# The runs


class Reading:
    """What one WebSocket client received."""

    def __init__(self) -> None:
        self.bytes = 0
        self.crc = 0
        self.skips = 0
        self.notices: list[str] = []
        self.end = ""

    def add(self, data: bytes) -> None:
        self.bytes += len(data)
        self.crc = zlib.crc32(data, self.crc)


async def aio_run(core: Core, bridge: Bridge, path: str) -> dict:
    job_id = submit(core.home, "webcat", f"read _ && cat {shlex.quote(path)}")
    wait_for(lambda: job(core.home, job_id)["status"] == "running", 30, f"job {job_id} to run")
    got = Reading()
    async with (
        asyncio.timeout(RUN_DEADLINE),
        aiohttp.ClientSession() as session,
        session.ws_connect(
            bridge.ws_url(job_id), headers=bridge.headers(), max_msg_size=MAX_MSG
        ) as ws,
    ):
        hello = await ws.receive_json()
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        server_before, client_before = cpu_ticks(core.pid), cpu_ticks(os.getpid())
        start = time.perf_counter()
        await ws.send_bytes(b"\n")
        while True:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                got.add(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                message = json.loads(msg.data)
                if message.get("type") == "exit":
                    got.end = f"exit ({message.get('status')})"
                    break
                if message.get("type") == "notice":
                    got.notices.append(message.get("text", ""))
                    got.skips += "output skipped" in message.get("text", "")
            else:
                got.end = f"socket {msg.type.name} before the exit message"
                break
        elapsed = time.perf_counter() - start
    record = job(core.home, job_id)
    request(core.home, "DELETE", f"/jobs/{job_id}")  # its 64 MiB log
    return {
        "seconds": elapsed,
        "got": got,
        "server_cpu": (cpu_ticks(core.pid) - server_before) / CLK_TCK,
        "client_cpu": (cpu_ticks(os.getpid()) - client_before) / CLK_TCK,
        "status": record["status"],
    }


async def terminado_run(server: Terminado) -> dict:
    got = Reading()
    origin = f"http://{HOST}:{server.port}"
    async with (
        asyncio.timeout(RUN_DEADLINE),
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"ws://{HOST}:{server.port}/term", headers={"Origin": origin}, max_msg_size=MAX_MSG
        ) as ws,
    ):
        setup = await ws.receive_json()
        if setup[0] != "setup":
            raise RuntimeError(f"expected setup, got {setup}")
        server_before, client_before = cpu_ticks(server.proc.pid), cpu_ticks(os.getpid())
        start = time.perf_counter()
        await ws.send_str(json.dumps(["stdin", "\n"]))
        while True:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                got.end = f"socket {msg.type.name} before ['disconnect']"
                break
            kind, data = json.loads(msg.data)[:2]
            if kind == "stdout":
                got.add(data.encode("utf-8", "surrogateescape"))
            elif kind == "disconnect":
                got.end = "disconnect"
                break
        elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "got": got,
        "server_cpu": (cpu_ticks(server.proc.pid) - server_before) / CLK_TCK,
        "client_cpu": (cpu_ticks(os.getpid()) - client_before) / CLK_TCK,
        "status": "",
    }


def describe(run: dict, expected: int, expected_crc: int, server: str) -> str:
    got: Reading = run["got"]
    intact = "intact" if got.bytes == expected and got.crc == expected_crc else "NOT intact"
    status = f", job {run['status']}" if run["status"] else ""
    notices = f", notices {got.notices}" if got.notices else ""
    return (
        f"  {run['seconds']:.3f} s, {got.bytes} bytes ({got.bytes - expected:+d} vs expected), "
        f"{intact}, 'output skipped' notices: {got.skips}, ended by {got.end}{status}{notices}; "
        f"CPU while the clock ran: {server} {run['server_cpu']:.2f} s, "
        f"client {run['client_cpu']:.2f} s"
    )


def main() -> int:
    try:
        import terminado
    except ImportError:
        print(
            "bench_web_relay: the terminado baseline needs `pip install terminado tornado` "
            "(benchmark only; not a dependency of aio)"
        )
        goal("aio bridge relay vs terminado and a bare PTY (not measured: no terminado)", False)
        return 0
    header("bench_web_relay: cat of 64 MiB to a WebSocket client (aio bridge, terminado, PTY)")
    with Core(BRIDGE_CONFIG) as core:
        bridge = Bridge(core.home)
        path = os.path.join(core.home, "big.txt")
        size, lines = make_file(path)
        content = Path(path).read_bytes()
        expected = size + lines + 2
        expected_crc = zlib.crc32(content.replace(b"\n", b"\r\n"), zlib.crc32(b"\r\n"))
        del content
        print(
            f"core pid {core.pid}, bridge on {HOST}:{bridge.port}; file {size} bytes, "
            f"{lines} lines; expected per WebSocket client: {expected} bytes"
        )
        pty_runs: list[tuple[float, int]] = []
        term_runs: list[dict] = []
        aio_runs: list[dict] = []
        with Terminado(path) as server:
            print(
                f"terminado {terminado.__version__} (pid {server.proc.pid}) on port {server.port}"
            )
            for _ in range(RUNS):
                pty_runs.append(bare_pty(path))
                term_runs.append(asyncio.run(terminado_run(server)))
                aio_runs.append(asyncio.run(aio_run(core, bridge, path)))

    pty_rates = [n / s for s, n in pty_runs]
    term_rates = [r["got"].bytes / r["seconds"] for r in term_runs]
    aio_rates = [r["got"].bytes / r["seconds"] for r in aio_runs]
    pty_expected = size + lines
    print(f"bare PTY : {summary(pty_rates, mbps)}")
    for s, n in pty_runs:
        print(f"  {s:.3f} s, {n} bytes ({n - pty_expected:+d} vs expected)")
    print(f"terminado: {summary(term_rates, mbps)}")
    for r in term_runs:
        print(describe(r, expected, expected_crc, "terminado server"))
    print(f"aio web  : {summary(aio_rates, mbps)}")
    for r in aio_runs:
        print(describe(r, expected, expected_crc, "core"))
    skipped = sum(r["got"].skips for r in aio_runs)
    broken = sum(1 for r in aio_runs if r["got"].crc != expected_crc)
    print(
        f"aio skipped output: {'yes' if skipped else 'no'} ({skipped} 'output skipped' notices; "
        f"{broken} of {RUNS} runs not byte-for-byte intact)"
    )
    core_cpu = statistics.median(r["server_cpu"] for r in aio_runs)
    term_cpu = statistics.median(r["server_cpu"] for r in term_runs)
    print(
        f"server CPU per 64 MiB (median): core {core_cpu:.2f} s, terminado {term_cpu:.2f} s; "
        f"core / terminado: {ratio(core_cpu, term_cpu)}"
    )
    aio_rate = statistics.median(aio_rates)
    vs_term = aio_rate / statistics.median(term_rates)
    vs_pty = aio_rate / statistics.median(pty_rates)
    print(f"ratio aio / terminado: {vs_term:.2f}x;  aio / bare PTY: {vs_pty:.2f} ({vs_pty:.0%})")
    goal(
        f"aio bridge rate >= {GOAL_VS_TERMINADO}x terminado's (measured {vs_term:.2f}x) and "
        f">= {GOAL_VS_PTY:.0%} of the bare PTY's (measured {vs_pty:.0%})",
        vs_term >= GOAL_VS_TERMINADO and vs_pty >= GOAL_VS_PTY,
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--terminado":
        terminado_server(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
