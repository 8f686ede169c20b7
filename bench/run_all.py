"""Run every benchmark of the core in sequence and sum up their verdicts.

    python bench/run_all.py            # all of them
    python bench/run_all.py ls idle    # only those whose name contains one of the words

Timings are figures, not tests: a missed goal never fails this script. It exits non-zero only
when a benchmark could not run to the end (an error, not a slow result).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_ls.py",
    "bench_job_start.py",
    "bench_attach_throughput.py",
    "bench_idle.py",
    "bench_memory.py",
    "bench_web_relay.py",
    "bench_web_memory.py",
    "bench_dashboard_start.py",
    "bench_dashboard_keys.py",
    "bench_dashboard_idle.py",
    "bench_todo_add.py",
    "bench_todo_list.py",
    "bench_cli_overhead.py",
    "bench_claude_index.py",
    "bench_claude_ls.py",
    "bench_claude_hook.py",
    "bench_claude_screen.py",
    "bench_claude_idle.py",
    "bench_worklet_add.py",
    "bench_kv.py",
    "bench_flow_dispatch.py",
    "bench_flow_throughput.py",
]
TIMEOUT = 600  # seconds; each benchmark is meant to take under two minutes


def _interrupt(proc: subprocess.Popen) -> None:
    """End a benchmark that hangs: ctrl-c first, so that it still stops its core."""
    print(f"run_all: no end after {TIMEOUT} s; interrupting", flush=True)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def main(argv: list[str]) -> int:
    chosen = [b for b in BENCHMARKS if not argv or any(word in b for word in argv)]
    if not chosen:
        print(f"run_all: nothing matches {argv}; benchmarks: {', '.join(BENCHMARKS)}")
        return 2
    verdicts: list[tuple[str, str]] = []
    broken: list[str] = []
    for name in chosen:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(HERE / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=HERE,
        )
        watchdog = threading.Timer(TIMEOUT, _interrupt, (proc,))
        watchdog.start()
        found = False
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("GOAL "):
                verdicts.append((name, line[5:].strip()))
                found = True
        code = proc.wait()
        watchdog.cancel()
        took = time.monotonic() - start
        print(f"-- {name}: exit {code} in {took:.1f} s\n", flush=True)
        if code != 0 or not found:
            broken.append(f"{name} (exit {code}{'' if found else ', no verdict'})")

    print("== summary ==")
    for name, verdict in verdicts:
        print(f"{name:28} {verdict}")
    for name in broken:
        print(f"{name:28} DID NOT RUN TO THE END")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
