"""Throughput of a job's output through the core to `aio a`: `cat` of a 64 MiB text file.

Baseline: `cat FILE` in a bare PTY spawned by this process (ptyprocess), its master read with
os.read(64 KiB) until EIO. aio: a job whose step is `echo MARKER; read _ && cat FILE`, attached
with `aio a N` as a subprocess with piped stdin and stdout (without a terminal, `aio a` forwards
piped stdin to the job). Once the marker has arrived (the attach is live) we write a newline to
its stdin and start the clock, read its stdout to EOF, and stop the clock when it exits (it
exits when the job ends). The PTY turns each \\n into \\r\\n, so the expected byte count is the
file's size plus one per line (plus the echoed newline for aio). Runs are interleaved.
Goal: the aio rate is at least 70% of the bare PTY rate.
"""

from __future__ import annotations

import os
import select
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import CLK_TCK, Core, cpu_ticks, goal, header, job, request, submit, summary, wait_for
from ptyprocess import PtyProcess

FILE_BYTES = 64 * 1024 * 1024
LINE_BYTES = 128
RUNS = 3
GOAL_FRACTION = 0.70
MARKER = b"aio-bench-ready"
RUN_DEADLINE = 60.0


def mbps(rate: float) -> str:
    return f"{rate / 1e6:.1f} MB/s"


def make_file(path: str) -> tuple[int, int]:
    """A file of numbered printable lines; (size, lines)."""
    filler = bytes(range(0x41, 0x5B)) * 5  # A..Z, five times
    body = filler[: LINE_BYTES - 12]
    lines = FILE_BYTES // LINE_BYTES
    per_block = 8192
    with open(path, "wb") as out:
        for first in range(0, lines, per_block):
            out.write(b"".join(b"%010d %s\n" % (n, body) for n in range(first, first + per_block)))
    return os.path.getsize(path), lines


def bare_pty(path: str) -> tuple[float, int]:
    """(seconds, bytes) to read all of `cat path` from a bare PTY's master."""
    start = time.perf_counter()
    proc = PtyProcess.spawn(["cat", path])
    total = 0
    while True:
        try:
            data = os.read(proc.fd, 65536)
        except OSError:  # EIO: cat exited and closed the terminal
            break
        if not data:
            break
        total += len(data)
    elapsed = time.perf_counter() - start
    proc.wait()
    proc.delayafterclose = 0  # ptyprocess otherwise sleeps 100 ms in close()
    proc.close()
    return elapsed, total


def read_until(fd: int, buffer: bytearray, marker: bytes, deadline: float) -> None:
    while marker not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {marker!r} from aio a; got {bytes(buffer[-200:])!r}")
        readable, _, _ = select.select([fd], [], [], remaining)
        if readable:
            data = os.read(fd, 65536)
            if not data:
                raise RuntimeError(f"aio a ended before {marker!r}: {bytes(buffer[-200:])!r}")
            buffer += data


def through_aio(core: Core, path: str, content: bytes) -> dict:
    """One attach run; its rate, byte counts and the CPU each side spent."""
    cmd = f"echo {MARKER.decode()}; read _ && cat {shlex.quote(path)}"
    job_id = submit(core.home, "cat64", cmd)
    wait_for(lambda: job(core.home, job_id)["status"] == "running", 30, f"job {job_id} to run")
    err_path = os.path.join(core.home, f"attach-{job_id}.err")
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [core.aio, "a", str(job_id)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err
        )
    try:
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + RUN_DEADLINE
        buffer = bytearray()
        read_until(fd, buffer, MARKER + b"\r\n", deadline)
        del buffer[: buffer.index(MARKER + b"\r\n") + len(MARKER) + 2]
        core_before, attach_before = cpu_ticks(core.pid), cpu_ticks(proc.pid)
        start = time.perf_counter()
        proc.stdin.write(b"\n")
        proc.stdin.close()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"aio a did not finish within {RUN_DEADLINE:.0f} s")
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                break
            buffer += data
        # Wait for its exit without reaping it, so that its CPU time can still be read.
        wait_for(
            lambda: os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG),
            max(1.0, deadline - time.monotonic()),
            "aio a to exit",
            interval=0.001,
        )
        elapsed = time.perf_counter() - start
        core_cpu = (cpu_ticks(core.pid) - core_before) / CLK_TCK
        attach_cpu = (cpu_ticks(proc.pid) - attach_before) / CLK_TCK
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    stderr = Path(err_path).read_text(errors="replace")
    payload = bytes(buffer)
    echoed = payload.startswith(b"\r\n")
    if echoed:
        payload = payload[2:]
    record = job(core.home, job_id)
    request(core.home, "DELETE", f"/jobs/{job_id}")  # its 64 MiB log
    return {
        "seconds": elapsed,
        "bytes": len(buffer),
        "payload": len(payload),
        "intact": payload.replace(b"\r\n", b"\n") == content,
        "skips": stderr.count("output skipped"),
        "exit": proc.returncode,
        "status": record["status"],
        "core_cpu": core_cpu,
        "attach_cpu": attach_cpu,
        "echoed": echoed,
    }


def main() -> int:
    header("bench_attach_throughput: cat of 64 MiB through the core to `aio a`")
    with Core() as core:
        path = os.path.join(core.home, "big.txt")
        size, lines = make_file(path)
        content = Path(path).read_bytes()
        expected = size + lines
        print(
            f"core pid {core.pid}; file {size} bytes, {lines} lines; expected through a PTY: "
            f"{expected} bytes"
        )
        base_runs: list[tuple[float, int]] = []
        aio_runs: list[dict] = []
        for _ in range(RUNS):
            base_runs.append(bare_pty(path))
            aio_runs.append(through_aio(core, path, content))

    base_rates = [n / s for s, n in base_runs]
    aio_rates = [r["bytes"] / r["seconds"] for r in aio_runs]
    print(f"bare PTY: {summary(base_rates, mbps)}")
    for s, n in base_runs:
        print(f"  {s:.3f} s, {n} bytes ({n - expected:+d} vs expected)")
    print(f"aio a   : {summary(aio_rates, mbps)}")
    for r in aio_runs:
        print(
            f"  {r['seconds']:.3f} s, {r['bytes']} bytes received, cat's output "
            f"{r['payload']} bytes ({r['payload'] - expected:+d} vs expected), "
            f"{'intact' if r['intact'] else 'NOT intact'}, skipped notices: {r['skips']}, "
            f"aio a exit {r['exit']}, job {r['status']}; CPU: core {r['core_cpu']:.2f} s, "
            f"aio a {r['attach_cpu']:.2f} s (while the clock ran)"
        )
    skipped = sum(r["skips"] for r in aio_runs)
    lost = sum(1 for r in aio_runs if not r["intact"])
    print(
        f"anything skipped: {'yes' if skipped or lost else 'no'} "
        f"({skipped} skip notices, {lost} of {RUNS} runs not byte-for-byte intact)"
    )
    fraction = statistics.median(aio_rates) / statistics.median(base_rates)
    print(f"ratio aio a / bare PTY (of the medians): {fraction:.2f} ({fraction:.0%})")
    pairs = [a / b for a, b in zip(aio_rates, base_rates, strict=True)]
    print(
        "ratio per interleaved pair: "
        f"{', '.join(f'{p:.0%}' for p in pairs)} (median {statistics.median(pairs):.0%})"
    )
    goal(
        f"aio a rate >= {GOAL_FRACTION:.0%} of the bare PTY rate (measured {fraction:.0%})",
        fraction >= GOAL_FRACTION,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
