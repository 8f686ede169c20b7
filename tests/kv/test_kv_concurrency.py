"""`increment` and `append` from 8 separate processes at once (each an `aio.kv` client, like
8 worklet processes sharing one token) give the exact total, on both backends."""

from __future__ import annotations

import subprocess
import sys

from kv_harness import Worklet

PROCESSES = 8
ROUNDS = 100
WORKER = """
import sys, aio.kv
store = aio.kv.from_env()
index, rounds = int(sys.argv[1]), int(sys.argv[2])
for i in range(rounds):
    store.increment("race", "count")
    store.increment("race", "float", 0.5)
    store.append("race", "log", f"{index}:{i}")
    store.append("race", "text", "x")
print("done")
"""


def run_workers(worklet: Worklet) -> None:
    env = {"AIO_KV_URL": worklet.core.url, "AIO_KV_TOKEN": worklet.token, "PATH": "/usr/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(i), str(ROUNDS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "done", err


def test_increment_and_append_from_8_processes_lose_nothing(worklet: Worklet) -> None:
    store = worklet.store
    store.set("race", "log", [])
    run_workers(worklet)
    assert store.get("race", "count") == PROCESSES * ROUNDS
    assert store.get("race", "float") == PROCESSES * ROUNDS * 0.5
    log = store.get("race", "log")
    assert sorted(log) == sorted(f"{p}:{i}" for p in range(PROCESSES) for i in range(ROUNDS))
    for p in range(PROCESSES):  # each process's own appends stay in its order
        mine = [int(e.split(":")[1]) for e in log if e.startswith(f"{p}:")]
        assert mine == list(range(ROUNDS))
    assert store.get("race", "text") == "x" * (PROCESSES * ROUNDS)
