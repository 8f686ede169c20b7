"""Job start latency: from `aio run FILE` returning to the step printing its first byte.

The task's single step is `date +%s.%N`, which prints a nanosecond timestamp. We note time.time()
right when the `aio run` process returns, wait (bounded) for the job to finish, read its log and
take latency = printed timestamp - return time. It can be slightly negative: the core may start
the job before the CLI process has fully exited; it is reported as is.

Baseline, in the same run and interleaved: fork/exec of the same `date` in a bare PTY from this
process (ptyprocess.PtyProcess.spawn, then read its first byte).
Goal: median latency <= 25 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import FINISHED, Core, goal, header, job, ms, ratio, summary, wait_for
from ptyprocess import PtyProcess

ROUNDS = 25
GOAL_SECONDS = 0.025
DATE = ["date", "+%s.%N"]


def parse_timestamp(output: bytes) -> float:
    for token in output.split():
        try:
            return float(token)
        except ValueError:
            continue
    raise ValueError(f"no timestamp in the output {output[:200]!r}")


def bare_pty() -> tuple[float, float]:
    """(spawn -> first byte read, spawn -> timestamp printed) for `date` in a bare PTY."""
    start = time.time()
    proc = PtyProcess.spawn(DATE)
    first = os.read(proc.fd, 4096)
    first_byte = time.time()
    out = bytearray(first)
    while True:
        try:
            data = os.read(proc.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    proc.wait()
    proc.delayafterclose = 0  # ptyprocess otherwise sleeps 100 ms in close()
    proc.close()
    return first_byte - start, parse_timestamp(bytes(out)) - start


def aio_run(core: Core, task_file: str) -> dict:
    """One `aio run`; the job's timings around it."""
    start = time.time()
    done = subprocess.run([core.aio, "run", task_file], capture_output=True, check=True, timeout=60)
    returned = time.time()
    job_id = int(done.stdout.split()[0])

    def finished() -> dict | None:
        record = job(core.home, job_id)
        return record if record["status"] in FINISHED else None

    time.sleep(0.05)  # first look after the job has surely run, so polling does not slow it
    record = wait_for(finished, 30, f"job {job_id} to finish", interval=0.02)
    if record["status"] != "done":
        raise RuntimeError(f"job {job_id} ended {record['status']}: {record.get('error')}")
    printed = parse_timestamp(Path(record["log_path"]).read_bytes())
    return {
        "latency": printed - returned,
        "from_call": printed - start,
        "cli_run": returned - start,
        # inside the core: request received (job created) -> PTY spawned -> step started
        "created_to_spawned": record["started_at"] - record["created_at"],
        "spawned_to_step": record["steps"][0]["started_at"] - record["started_at"],
        "step_to_print": printed - record["steps"][0]["started_at"],
        "created_to_return": returned - record["created_at"],
        "created_to_print": printed - record["created_at"],
    }


def main() -> int:
    header("bench_job_start: `aio run` return -> first output of the step")
    with Core() as core:
        task_file = os.path.join(core.home, "date.json")
        step = {"desc": "print a timestamp", "cmd": " ".join(DATE)}
        Path(task_file).write_text(json.dumps({"name": "date", "steps": [step]}))
        print(f"core pid {core.pid}; step: {step['cmd']!r}")
        bare_pty()  # warm-up of both paths, not counted
        aio_run(core, task_file)
        base_first: list[float] = []
        base_printed: list[float] = []
        runs: list[dict] = []
        for i in range(ROUNDS):
            if i % 2:
                runs.append(aio_run(core, task_file))
                first, printed = bare_pty()
            else:
                first, printed = bare_pty()
                runs.append(aio_run(core, task_file))
            base_first.append(first)
            base_printed.append(printed)

    latency = [r["latency"] for r in runs]
    median = statistics.median(latency)
    base = statistics.median(base_first)
    print(f"baseline, bare PTY spawn -> first byte read : {summary(base_first)}")
    print(f"baseline, bare PTY spawn -> date's timestamp: {summary(base_printed)}")
    print(f"aio run returned -> step's timestamp (latency): {summary(latency)}")
    print("where the time goes (medians):")
    print(f"  aio run process, start to exit      : {ms(_median(runs, 'cli_run'))}")
    print(f"  aio run called -> step's timestamp  : {ms(_median(runs, 'from_call'))}")
    print(f"  job created -> aio run returned     : {ms(_median(runs, 'created_to_return'))}")
    print(f"  job created -> PTY child spawned    : {ms(_median(runs, 'created_to_spawned'))}")
    print(f"  PTY child spawned -> step started   : {ms(_median(runs, 'spawned_to_step'))}")
    print(f"  step started -> date's timestamp    : {ms(_median(runs, 'step_to_print'))}")
    print(f"  job created -> date's timestamp     : {ms(_median(runs, 'created_to_print'))}")
    note = " (negative: the step printed before `aio run` exited)" if median < 0 else ""
    print(f"ratio latency / bare PTY first byte: {ratio(median, base)}{note}")
    print(
        "ratio job created -> timestamp (the core's own start path) / bare PTY spawn -> "
        f"timestamp: {ratio(_median(runs, 'created_to_print'), statistics.median(base_printed))}"
    )
    goal(
        f"median job start latency <= {ms(GOAL_SECONDS)} (measured {ms(median)})",
        median <= GOAL_SECONDS,
    )
    return 0


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


if __name__ == "__main__":
    sys.exit(main())
