"""Flow throughput: 1,000 events sent at once to a flow whose one `sh` step prints a FLOW_RESULT.

16 threads, each with its own keep-alive connection to the flows' loopback listener, send the
1,000 signed `POST /events` as fast as they are answered. The time runs from the first request
to the last run's `completedAt`; then every record is checked: 1,000 events, 1,000 runs, one run
per event, each `completed` with its FLOW_RESULT read, no run id twice.

Baseline, in the same run (before it, same core, same `workers`): 1,000 bare jobs of the same
step (`sh` running the flow's own step.sh), each `POST /jobs` (the request `aio run` sends) from
16 threads on the core's socket, timed from the first request to the last job's `finished_at`.
Goal (aio's own bar; the issue asks for the figure): every run recorded exactly once, and
flow throughput >= 0.7x the bare jobs' (runs per second / jobs per second).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from _common import Core, goal, header, jobs, request, submit, wait_for
from _flows import CONFIG, Sender, listener_url, write_flow

EVENTS = 1000
THREADS = 16
GOAL_RATIO = 0.7
STEP = 'echo \'FLOW_RESULT {"status": "completed"}\''


def bare_jobs(core: Core) -> float:
    """Seconds from the first submission to the last of EVENTS jobs finishing."""
    command = f"sh {Path(core.home, 'flows', 'many', 'step.sh')}"
    start = time.time()
    with ThreadPoolExecutor(THREADS) as pool:
        ids = set(pool.map(lambda n: submit(core.home, f"bare-{n}", command), range(EVENTS)))

    def all_done() -> list[dict] | None:
        found = [j for j in jobs(core.home) if j["id"] in ids]
        return found if all(j["status"] not in ("queued", "running") for j in found) else None

    found = wait_for(all_done, 300, "the bare jobs to finish", interval=0.5)
    bad = [j for j in found if j["status"] != "done"]
    if len(found) != EVENTS or bad:
        raise RuntimeError(f"{len(found)} jobs, {len(bad)} not done: {bad[:1]}")
    return max(j["finished_at"] for j in found) - start


def send_all(url: str) -> list[dict]:
    def worker(offset: int) -> list[dict]:
        sender = Sender(url)
        try:
            return [
                sender.send({"id": f"ev-{n}", "type": "bench.many", "payload": {"n": n}})
                for n in range(offset, EVENTS, THREADS)
            ]
        finally:
            sender.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return [a for answers in pool.map(worker, range(THREADS)) for a in answers]


def flows(core: Core) -> tuple[float, list[str]]:
    """Seconds from the first event to the last run completing; the problems found."""
    start = time.time()
    answers = send_all(listener_url(core.home))

    def settled() -> bool:
        for status in ("queued", "running"):
            if request(core.home, "GET", f"/flows/runs?status={status}&limit=1")["runs"]:
                return False
        return True

    wait_for(settled, 300, "every run to finish", interval=0.5)
    runs = request(core.home, "GET", f"/flows/runs?limit={EVENTS * 2}")["runs"]
    events = request(core.home, "GET", f"/flows/events?limit={EVENTS * 2}")["events"]
    problems = []
    if len(runs) != EVENTS or len({r["id"] for r in runs}) != EVENTS:
        problems.append(f"{len(runs)} runs ({len({r['id'] for r in runs})} distinct ids)")
    if len(events) != EVENTS or sorted(r["eventId"] for r in runs) != sorted(
        e["id"] for e in events
    ):
        problems.append(f"{len(events)} events, not one run each")
    if any(a["status"] != "accepted" or a["matched"] != 1 for a in answers):
        problems.append("an event was not accepted with one match")
    wrong = [
        r for r in runs if (r["processStatus"], r["resultStatus"]) != ("completed", "completed")
    ]
    if wrong:
        problems.append(f"{len(wrong)} runs not completed with a result: {wrong[0]['error']}")
    last = max(datetime.fromisoformat(r["completedAt"]).timestamp() for r in runs)
    return last - start, problems


def main() -> int:
    header(f"bench_flow_throughput: {EVENTS} events at once, one run each")
    with Core(CONFIG) as core:
        write_flow(core.home, "many", "bench.many", f"{STEP}\n")
        print(f"core pid {core.pid}; {THREADS} senders; workers = 4 (the default)")
        base = bare_jobs(core)
        took, problems = flows(core)
    base_rate, rate = EVENTS / base, EVENTS / took
    print(f"baseline: {EVENTS} bare jobs (POST /jobs) in {base:.2f} s = {base_rate:.1f} jobs/s")
    print(f"flows: {EVENTS} signed events -> runs in {took:.2f} s = {rate:.1f} runs/s")
    print(f"records: {'all runs recorded exactly once' if not problems else '; '.join(problems)}")
    print(f"ratio flow runs/s / bare jobs/s: {rate / base_rate:.2f}x")
    goal(
        f"{EVENTS} runs recorded exactly once and throughput >= {GOAL_RATIO}x the bare jobs' "
        f"(measured {rate / base_rate:.2f}x)",
        not problems and rate / base_rate >= GOAL_RATIO,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
