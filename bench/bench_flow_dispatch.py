"""Flow dispatch latency: a signed `POST /events` sent -> the step's first output.

The flow's one `sh` step prints `date +%s.%N` first (then its FLOW_RESULT); the latency is that
timestamp minus time.time() just before the request was written (one keep-alive connection to
the flows' loopback listener, each request signed afresh).

Baselines, in the same run and interleaved with it:
  (a) the job-start path of `aio run`: its request, `POST /jobs` with the same `date` step, sent
      on the core's socket by aio's own client -> the timestamp (the like-for-like figure: a
      request in, a step out; what a flow adds is the signature check, the matching, the event
      and run written in one transaction, and the context file);
  (b) the `aio run FILE` process, returned -> the timestamp (bench_job_start's figure, often
      negative: the core starts the job before the CLI has exited).
Goal: median flow latency <= median of (a) + 10 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import Core, goal, header, job, ms, ratio, submit, summary, wait_for
from _flows import CONFIG, Sender, listener_url, wait_run, write_flow

ROUNDS = 25
GOAL_SECONDS = 0.010
DATE = "date +%s.%N"


def timestamp(log_path: str) -> float:
    for token in Path(log_path).read_bytes().split():
        try:
            return float(token)
        except ValueError:
            continue
    raise ValueError(f"no timestamp in {log_path}")


def finished_job(home: str, job_id: int) -> dict:
    def done() -> dict | None:
        record = job(home, job_id)
        return record if record["status"] not in ("queued", "running") else None

    record = wait_for(done, 30, f"job {job_id} to finish", interval=0.01)
    if record["status"] != "done":
        raise RuntimeError(f"job {job_id} ended {record['status']}: {record.get('error')}")
    return record


def flow_once(core: Core, sender: Sender, n: int) -> float:
    sent = time.time()
    answer = sender.send({"id": f"bench-{n}", "type": "bench.ping", "payload": {"n": n}})
    time.sleep(0.03)  # the first look after the step has surely run, so polling does not slow it
    run = wait_run(core.home, answer["runIds"][0])
    if run["processStatus"] != "completed":
        raise RuntimeError(f"run {run['id']} ended {run['processStatus']}: {run['error']}")
    return timestamp(job(core.home, run["job"])["log_path"]) - sent


def request_once(core: Core) -> float:
    sent = time.time()
    job_id = submit(core.home, "date", DATE)
    time.sleep(0.03)
    return timestamp(finished_job(core.home, job_id)["log_path"]) - sent


def aio_run_once(core: Core, task_file: str) -> float:
    done = subprocess.run([core.aio, "run", task_file], capture_output=True, check=True, timeout=60)
    returned = time.time()
    return timestamp(finished_job(core.home, int(done.stdout.split()[0]))["log_path"]) - returned


def main() -> int:
    header("bench_flow_dispatch: signed POST /events -> the step's first output")
    with Core(CONFIG) as core:
        write_flow(
            core.home,
            "bench",
            "bench.ping",
            f'{DATE}\necho \'FLOW_RESULT {{"status": "completed"}}\'\n',
        )
        task_file = os.path.join(core.home, "date.json")
        Path(task_file).write_text(json.dumps({"name": "date", "steps": [{"cmd": DATE}]}))
        sender = Sender(listener_url(core.home))
        print(f"core pid {core.pid}; listener {listener_url(core.home)}")
        flow_once(core, sender, -1)  # warm-up of every path, not counted
        request_once(core)
        aio_run_once(core, task_file)
        flows, requests, runs = [], [], []
        order = [
            lambda i: flows.append(flow_once(core, sender, i)),
            lambda i: requests.append(request_once(core)),
            lambda i: runs.append(aio_run_once(core, task_file)),
        ]
        for i in range(ROUNDS):
            shift = i % len(order)
            for measure in order[shift:] + order[:shift]:
                measure(i)
        sender.close()

    flow, base = statistics.median(flows), statistics.median(requests)
    print(f"signed POST /events sent -> step's timestamp : {summary(flows)}")
    print(f"(a) POST /jobs sent (aio run's request) -> ts : {summary(requests)}")
    print(f"(b) aio run returned -> step's timestamp      : {summary(runs)}")
    print(f"ratio flow / (a): {ratio(flow, base)}; difference flow - (a): {ms(flow - base)}")
    print(f"difference flow - (b): {ms(flow - statistics.median(runs))}")
    goal(
        f"median flow dispatch latency <= job start + {ms(GOAL_SECONDS)} "
        f"(measured {ms(flow - base)} above)",
        flow - base <= GOAL_SECONDS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
