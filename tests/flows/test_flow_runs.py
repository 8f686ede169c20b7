"""Runs over time: a timeout (SIGTERM to the step, SIGKILL after the grace period), retries as
attempts, replay, cancel of a running step, and a core that stops or dies mid-run. Real core,
real jobs, real signals."""

from __future__ import annotations

import json
import os
import signal
from datetime import datetime

import pytest
from core_harness import AioHome, pid_alive, wait_for
from flows_harness import dispatch, first_json, run, sh_step, wait_flow, wait_run, write_flow

from aio.core.verbs import wait_for_exit
from aio.jobs.execution import KILL_GRACE_SECONDS

RESULT = 'echo \'FLOW_RESULT {"status": "completed"}\'\n'


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def test_a_timeout_sends_sigterm_then_sigkill_after_the_grace_period(core: AioHome):
    stubborn_pid = core.root / "stubborn.pid"
    stubborn = (
        f"echo $$ > {stubborn_pid}\n"
        "trap 'echo got TERM' TERM\n"
        "echo started\n"
        "while :; do sleep 0.05; done\n"
    )
    polite = "echo started\nexec sleep 30\n"  # sleep ends at SIGTERM
    a, a_files = sh_step("stubborn", "slow", stubborn, timeout_ms=300)
    b, b_files = sh_step("polite", "slow", polite, timeout_ms=300)
    write_flow(core.path / "flows" / "slow", "slow", [a, b], {**a_files, **b_files})
    wait_flow(core, "slow")
    ids = dispatch(core, "slow")["runIds"]
    done = {r["stepName"]: r for r in (wait_run(core, i, timeout=20) for i in ids)}
    hard, soft = done["stubborn"], done["polite"]
    assert hard["processStatus"] == "failed"
    assert hard["error"] == (
        f"timed out after 300 ms (timeout_ms): SIGTERM sent, then SIGKILL after "
        f"{KILL_GRACE_SECONDS:g} s"
    )
    assert seconds_between(hard["startedAt"], hard["completedAt"]) >= KILL_GRACE_SECONDS
    log = core.wait_log(hard["job"], "got TERM")
    assert log.count("started") == 1
    assert not pid_alive(int(stubborn_pid.read_text()))
    assert soft["error"] == "timed out after 300 ms (timeout_ms): SIGTERM sent"
    assert seconds_between(soft["startedAt"], soft["completedAt"]) < KILL_GRACE_SECONDS


def test_retries_are_attempts_and_the_last_one_decides(core: AioHome):
    counter = core.root / "tries"
    flaky = (
        f"n=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $n > {counter}\n"
        f'echo "$CODEX_FLOW_ATTEMPT_ID" >> {core.root / "attempt-ids"}\n'
        '[ "$n" -ge 2 ] || { echo "attempt $n fails"; exit 1; }\n' + RESULT
    )
    always = "echo broken; exit 4\n"
    a, a_files = sh_step("flaky", "try", flaky, retries=2)
    b, b_files = sh_step("always", "try", always, retries=1)
    write_flow(core.path / "flows" / "try", "try", [a, b], {**a_files, **b_files})
    wait_flow(core, "try")
    ids = dispatch(core, "try")["runIds"]
    done = {r["stepName"]: r for r in (wait_run(core, i) for i in ids)}
    good, bad = done["flaky"], done["always"]
    assert (good["processStatus"], good["attemptCount"], good["error"]) == ("completed", 2, None)
    first, second = good["attempts"]
    assert first["id"] == f"{good['id']}:attempt:1" and second["id"] == f"{good['id']}:attempt:2"
    assert first["status"] == "failed"
    assert first["error"] == "flow step try/flaky failed (exit 1): attempt 1 fails"
    assert second["status"] == "completed" and second["job"] != first["job"]
    assert (core.root / "attempt-ids").read_text().split() == [first["id"], second["id"]]
    assert (bad["processStatus"], bad["attemptCount"]) == ("failed", 2)
    assert bad["error"] == "flow step try/always failed (exit 4): broken"


def test_replay_makes_new_runs_that_know_they_are_replays(core: AioHome):
    seen = core.root / "seen"
    script = f'echo "$CODEX_FLOW_RUN_ID $CODEX_FLOW_REPLAY $(tr -d "\\n")" >> {seen}\n' + RESULT
    spec, scripts = sh_step("again", "again", script)
    write_flow(core.path / "flows" / "again", "again", [spec], scripts)
    wait_flow(core, "again")
    original = dispatch(core, "again", {"v": 1}, "--id", "ev-1", "--wait")["runIds"][0]
    replays = []
    for _ in range(2):
        out = core.ok("flow", "replay", "ev-1", "--wait")
        answer = first_json(out)
        assert answer["replay"] is True and answer["matched"] == 1
        replays.append(answer["runIds"][0])
        assert f"{answer['runIds'][0]} again/again: completed" in out
    assert len(set(replays)) == 2 and all(r.endswith("_replay") for r in replays)
    assert original not in replays
    lines = [line.split(" ", 2) for line in seen.read_text().splitlines()]
    assert [(line[0], line[1]) for line in lines] == [
        (original, "0"), (replays[0], "1"), (replays[1], "1"),
    ]  # fmt: skip
    contexts = [json.loads(line[2]) for line in lines]
    assert [c["runtime"]["replay"] for c in contexts] == [False, True, True]
    assert {c["flow"]["event"]["id"] for c in contexts} == {"ev-1"}
    event = core.request("GET", "/flows/events/ev-1")
    assert event["event"]["runIds"] == [original]  # the first dispatch's
    assert {r["id"] for r in event["runs"]} == {original, *replays}
    missing = core.aio("flow", "replay", "no-such-event")
    assert missing.returncode == 2 and missing.stderr == "aio: no event 'no-such-event'\n"


def test_cancel_kills_the_running_step_and_the_run_is_canceled(core: AioHome):
    pid_file = core.root / "step.pid"
    spec, scripts = sh_step("long", "long", f"echo $$ > {pid_file}\necho started\nexec sleep 60\n")
    write_flow(core.path / "flows" / "long", "long", [spec], scripts)
    wait_flow(core, "long")
    run_id = dispatch(core, "long")["runIds"][0]
    running = wait_run(core, run_id, "running")
    core.wait_log(running["job"], "started")
    out = core.ok("flow", "cancel", run_id)
    assert out == f"{run_id} long/long: canceled (attempt 1, job {running['job']}): canceled\n"
    assert run(core, run_id)["processStatus"] == "canceled"
    assert core.job(running["job"])["status"] == "killed"
    assert wait_for(lambda: not pid_alive(int(pid_file.read_text())), 10, "the step to be gone")
    again = core.aio("flow", "cancel", run_id)
    assert again.returncode == 2
    assert again.stderr == f"aio: run {run_id} is already canceled\n"


@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_a_run_under_way_when_the_core_ends_is_failed_with_the_reason(home: AioHome, how: str):
    spec, scripts = sh_step("long", "long", "echo started\nexec sleep 60\n")
    queued, q_files = sh_step("later", "long", RESULT)
    write_flow(home.path / "flows" / "long", "long", [spec, queued], {**scripts, **q_files})
    home.write_config("workers = 1\n")  # the second run waits behind the first
    home.start()
    ids = dispatch(home, "long")["runIds"]
    running = wait_run(home, ids[0], "running")
    home.wait_log(running["job"], "started")
    assert run(home, ids[1])["processStatus"] == "queued"
    pid = home.core_pid()
    if how == "killed":
        os.kill(pid, signal.SIGKILL)
    else:
        home.ok("stop", "--force")  # a job is running: without a terminal, stop needs --force
    assert wait_for_exit(pid, 20)
    home.start()
    first, second = run(home, ids[0]), run(home, ids[1])
    assert first["processStatus"] == "failed"
    assert first["error"] == (
        f"the core stopped while this run was running (attempt 1, job {running['job']}); "
        "it did not finish"
    )
    assert first["attempts"][0]["status"] == "failed"
    assert second["processStatus"] == "failed"
    assert second["error"] == (
        "the core stopped before this run's step started; replay its event to run it"
    )
    job = home.job(second["job"])
    assert job["status"] == "killed" and job["started_at"] is None  # never ran again


def test_results_are_read_even_when_old_job_folders_are_pruned_at_once(home: AioHome):
    """With keep_jobs = 1 each finished job's folder (its log) is pruned as soon as a newer job
    has finished; twelve steps ending together must still have their FLOW_RESULTs read."""
    go = home.root / "go"
    spec, scripts = sh_step(
        "burst", "burst", f"while [ ! -e {go} ]; do sleep 0.01; done\n" + RESULT
    )
    write_flow(home.path / "flows" / "burst", "burst", [spec], scripts)
    home.write_config("keep_jobs = 1\nworkers = 12\n")
    home.start()
    ids = [dispatch(home, "burst")["runIds"][0] for _ in range(12)]
    for run_id in ids:
        wait_run(home, run_id, "running")
    go.touch()
    done = [wait_run(home, r) for r in ids]
    assert [(r["processStatus"], r["resultStatus"]) for r in done] == [("completed",) * 2] * 12
    wait_for(lambda: sum(not j["folder_removed"] for j in home.jobs()) == 1, 10, "the pruning")
