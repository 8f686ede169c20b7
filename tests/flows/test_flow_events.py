"""Events and their runs: the context and variables a step gets, idempotent ids, schema refusals
in the seed's words, FLOW_RESULT parsing and each of its errors, `next` events, and the exit
codes of `dispatch --wait`. Real core, real jobs in PTYs."""

from __future__ import annotations

import json

import pytest
from core_harness import AioHome
from flows_harness import dispatch, first_json, run, sh_step, wait_flow, wait_run, write_flow

from aio.flows.result import FlowResultError, parse_flow_result

DUMP = """\
import json, os, sys
from pathlib import Path
context = json.load(sys.stdin)
rest = sys.stdin.read()
names = [k for k in os.environ if k.startswith(("CODEX_FLOW_", "AIO_FLOW_"))]
seen = {"context": context, "rest": rest, "cwd": os.getcwd(),
        "env": {k: os.environ[k] for k in names}, "job": os.environ.get("AIO_JOB_ID")}
Path(context["flow"]["config"]["out"]).write_text(json.dumps(seen))
print("FLOW_RESULT " + json.dumps({"status": "changed", "artifacts": {"n": 1}}))
"""


def test_a_step_gets_the_seeds_context_on_stdin_and_its_variables(core: AioHome):
    out = core.root / "seen.json"
    write_flow(
        core.path / "flows" / "ctx",
        "ctx",
        [{"name": "dump", "runner": "python", "script": "dump.py", "cwd": "work",
          "trigger": {"type": "ctx.go"}}],
        scripts={"dump.py": DUMP, "work/.keep": ""},
        config={"out": str(out), "mode": "test"},
        version=2,
    )  # fmt: skip
    wait_flow(core, "ctx")
    answer = first_json(
        core.ok(
            "flow", "dispatch", "ctx.go", "--payload", '{"n": 1}', "--id", "e-1",
            "--source", "tests", "--wait",
        )
    )  # fmt: skip
    assert answer["status"] == "accepted" and answer["matched"] == 1
    run_id = answer["runIds"][0]
    assert run_id.startswith("run_") and len(run_id) == 16
    seen = json.loads(out.read_text())
    attempt = f"{run_id}:attempt:1"
    flow = seen["context"]["flow"]
    assert {k: flow[k] for k in ("name", "version", "root", "step", "config")} == {
        "name": "ctx", "version": 2, "root": str(core.path / "flows" / "ctx"), "step": "dump",
        "config": {"out": str(out), "mode": "test"},
    }  # fmt: skip
    event = flow["event"]
    assert {k: event[k] for k in ("id", "type", "source", "payload")} == {
        "id": "e-1", "type": "ctx.go", "source": "tests", "payload": {"n": 1},
    }  # fmt: skip
    assert event["receivedAt"].endswith("Z")
    assert seen["context"]["runtime"] == {
        "eventId": "e-1", "runId": run_id, "attemptId": attempt, "replay": False,
        "launchedBy": "aio",
    }  # fmt: skip
    assert seen["rest"] == ""  # the context, then end-of-file
    assert seen["cwd"] == str(core.path / "flows" / "ctx" / "work")
    for prefix in ("CODEX_FLOW_", "AIO_FLOW_"):
        assert seen["env"][f"{prefix}EVENT_ID"] == "e-1"
        assert seen["env"][f"{prefix}RUN_ID"] == run_id
        assert seen["env"][f"{prefix}ATTEMPT_ID"] == attempt
        assert seen["env"][f"{prefix}REPLAY"] == "0"
    done = run(core, run_id)
    assert (done["processStatus"], done["resultStatus"], done["effectiveStatus"]) == (
        "completed", "changed", "changed",
    )  # fmt: skip
    assert done["resultPayload"] == {"status": "changed", "artifacts": {"n": 1}}
    job = core.job(int(seen["job"]))
    assert job["name"] == "flow:ctx/dump" and job["source"] == f"flow {attempt}"
    assert done["job"] == job["id"]


def test_an_event_id_runs_once(core: AioHome):
    spec, scripts = sh_step("once", "dup", 'echo \'FLOW_RESULT {"status": "completed"}\'\n')
    write_flow(core.path / "flows" / "dup", "dup", [spec], scripts)
    wait_flow(core, "dup")
    first = dispatch(core, "dup", {"a": 1}, "--id", "same-id")
    wait_run(core, first["runIds"][0])
    again = dispatch(core, "dup", {"a": 2}, "--id", "same-id")
    assert again == {
        "status": "duplicate", "eventId": "same-id", "idempotent": True, "matched": 0,
        "runIds": first["runIds"],
    }  # fmt: skip
    assert len(core.jobs()) == 1
    stored = core.request("GET", "/flows/events/same-id")
    assert stored["event"]["payload"] == {"a": 1} and len(stored["runs"]) == 1


SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 3},
        "kind": {"enum": ["demo"]},
        "meta": {
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
        },
        "count": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}


REFUSALS = [
    ({}, "$.name is required"),
    ({"name": "abc", "kind": "other"}, "$.kind must be one of demo"),
    ([], "$ must be object"),
    ({"name": 5}, "$.name must be string"),
    ({"name": "ab"}, "$.name must be at least 3 characters long"),
    ({"name": "abc", "meta": {"tags": ["a", 2]}}, "$.meta.tags[1] must be string"),
    ({"name": "abc", "count": 0}, "$.count must be >= 1"),
    ({"name": "abc", "extra": 1}, "$.extra is not allowed"),
    ({"kind": "x"}, "$.name is required; $.kind must be one of demo"),
]


def test_a_payload_its_schema_refuses_runs_nothing_and_says_why(core: AioHome):
    write_flow(
        core.path / "flows" / "typed",
        "typed",
        [{"name": "check", "runner": "sh", "script": "s.sh",
          "trigger": {"type": "typed", "schema": "schema.json"}}],
        scripts={"s.sh": "echo 'FLOW_RESULT {\"status\": \"completed\"}'\n"},
        schemas={"schema.json": SCHEMA},
    )  # fmt: skip
    wait_flow(core, "typed")
    for payload, reason in REFUSALS:
        answer = dispatch(core, "typed", payload)
        assert answer["matched"] == 0 and answer["runIds"] == [], payload
        assert answer["unmatched"] == [{"flow": "typed", "step": "check", "reason": reason}]
    assert core.jobs() == []
    good = dispatch(core, "typed", {"name": "abc", "kind": "demo"})
    assert good["matched"] == 1 and good["unmatched"] == []


RESULT_STEPS = {
    # type: (script, process status, result status, error)
    "ok": (
        "echo 'FLOW_RESULT {\"status\": \"skipped\"}'\necho 'after the result'\n",
        "completed", "skipped", None,
    ),
    "last-wins": (
        "echo 'FLOW_RESULT {\"status\": \"failed\"}'\n"
        "echo 'FLOW_RESULT {\"status\": \"changed\"}'\n",
        "completed", "changed", None,
    ),
    "interleaved": (
        "printf 'warning: ' >&2\n"
        "printf '\\033[32mFLOW_RESULT {\"status\": \"completed\"}\\033[0m\\n'\n",
        "completed", "completed", None,
    ),
    "blocked": ("echo 'FLOW_RESULT {\"status\": \"blocked\"}'\n", "completed", "blocked", None),
    "missing": ("echo 'all done'\n", "failed", None, "Step did not emit FLOW_RESULT"),
    "array": ("echo 'FLOW_RESULT [1, 2]'\n", "failed", None, "FLOW_RESULT must be a JSON object"),
    "status": (
        "echo 'FLOW_RESULT {\"status\": \"great\"}'\n",
        "failed", None, "FLOW_RESULT status is invalid",
    ),
    "bad-json": (
        "echo 'FLOW_RESULT {nope'\n", "failed", None,
        "FLOW_RESULT is not valid JSON: Expecting property name enclosed in double quotes",
    ),
    "exit": (
        "echo 'FLOW_RESULT {\"status\": \"completed\"}'\necho 'giving up' >&2\nexit 3\n",
        "failed", None, "flow step results/exit failed (exit 3): giving up",
    ),
}  # fmt: skip


def test_flow_result_parsing_and_each_of_its_errors(core: AioHome):
    steps, scripts = [], {}
    for kind, (script, *_rest) in RESULT_STEPS.items():
        spec, files = sh_step(kind, kind, script)
        steps.append(spec)
        scripts.update(files)
    write_flow(core.path / "flows" / "results", "results", steps, scripts)
    wait_flow(core, "results")
    runs = {kind: dispatch(core, kind)["runIds"][0] for kind in RESULT_STEPS}
    for kind, (_script, process, result, error) in RESULT_STEPS.items():
        found = wait_run(core, runs[kind])
        assert (found["processStatus"], found["resultStatus"], found["error"]) == (
            process, result, error,
        ), kind  # fmt: skip
        assert found["needsAttention"] is (kind == "blocked")
        assert found["effectiveStatus"] == (result or process)


def test_dispatch_wait_exits_non_zero_for_a_failure_or_a_run_that_needs_attention(
    core: AioHome,
):
    codes = {"completed": 0, "failed": 1, "needs_intervention": 3}
    steps, scripts = [], {}
    for status in codes:
        spec, files = sh_step(status, status, f'echo \'FLOW_RESULT {{"status": "{status}"}}\'\n')
        steps.append(spec)
        scripts.update(files)
    write_flow(core.path / "flows" / "w", "w", steps, scripts)
    wait_flow(core, "w")
    for status, code in codes.items():
        done = core.aio("flow", "dispatch", status, "--wait")
        assert done.returncode == code, (status, done.stderr)
        assert f"w/{status}: completed, result {status}" in done.stdout


def test_next_events_are_dispatched_as_new_events(core: AioHome):
    out = core.root / "second.json"
    first = (
        'echo \'FLOW_RESULT {"status": "changed", "next": '
        '[{"type": "second", "payload": {"from": "first"}}]}\'\n'
    )
    second = f'cat > {out}\necho \'FLOW_RESULT {{"status": "completed"}}\'\n'
    a, a_files = sh_step("first", "first", first)
    b, b_files = sh_step("second", "second", second)
    write_flow(core.path / "flows" / "chain", "chain", [a, b], {**a_files, **b_files})
    wait_flow(core, "chain")
    run_a = dispatch(core, "first")["runIds"][0]
    done = wait_run(core, run_a)
    assert done["processStatus"] == "completed"
    follow = f"{run_a}:next:0"
    assert [id for id in run(core, run_a)["nextEventIds"]] == [follow]
    event = core.request("GET", f"/flows/events/{follow}")
    assert event["event"]["source"] == "flow:chain" and event["event"]["type"] == "second"
    run_b = wait_run(core, event["runs"][0]["id"])
    assert run_b["processStatus"] == "completed"
    context = json.loads(out.read_text())
    assert context["flow"]["event"]["payload"] == {"from": "first"}


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ('noise\r\nFLOW_RESULT {"status": "changed"}\r\n', {"status": "changed"}),
        ('FLOW_RESULT {"status": "completed", "message": "a"}\rtrailing\r\n', None),
        ('err outFLOW_RESULT {"status": "skipped"}  more err\n', {"status": "skipped"}),
    ],
)
def test_flow_result_lines_as_a_pty_writes_them(output: str, expected):
    if expected is None:  # a bare \r ends a line too: the later line has no marker
        assert parse_flow_result(output) == {"status": "completed", "message": "a"}
    else:
        assert parse_flow_result(output) == expected
    with pytest.raises(FlowResultError, match=r"^Step did not emit FLOW_RESULT$"):
        parse_flow_result("FLOW_RESULT_NOT {}\r\n")


def test_a_runs_ids_and_error_reach_the_terminal_printable(core: AioHome):
    """An event id is whatever the sender chose and a run's error may quote the step's output:
    `aio flow show` and `dispatch --wait` print them with their controls escaped."""
    spec, scripts = sh_step("bad", "esc", "printf '\\033]0;owned\\007'; exit 3\n")
    write_flow(core.path / "flows" / "esc", "esc", [spec], scripts)
    wait_flow(core, "esc")
    hostile = "ev\x1b[31m-\u202e1"
    answer = dispatch(core, "esc", {}, "--id", hostile)
    finished = wait_run(core, answer["runIds"][0])
    assert finished["eventId"] == hostile
    shown = core.aio("flow", "show", finished["id"]).stdout
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "ev\\x1b[31m-\\u202e1" in shown, shown
