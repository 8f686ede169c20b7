"""Where flows are found and how a flow.toml is checked: shadowing, live pick-up, every manifest
error naming its file, field and what was expected. Real core, real `aio flow ls`."""

from __future__ import annotations

import json
from pathlib import Path

from core_harness import AioHome, atomic_write
from flows_harness import dispatch, flow_names, listing, sh_step, wait_listing, wait_run, write_flow

OK = 'echo \'FLOW_RESULT {"status": "completed"}\'\n'


def one_step_flow(folder: Path, name: str, step: str, event_type: str = "ping") -> Path:
    spec, scripts = sh_step(step, event_type, OK)
    return write_flow(folder, name, [spec], scripts)


def test_installed_flows_shadow_source_ones_and_earlier_workspaces_later_ones(home: AioHome):
    workspace = home.root / "ws"
    one_step_flow(workspace / ".codex" / "flows" / "b-installed", "same", "installed")
    one_step_flow(workspace / "flows" / "a-source", "same", "source")
    one_step_flow(home.path / "flows" / "c-home", "same", "home")
    one_step_flow(home.path / "flows" / "d-solo", "solo", "only")
    (workspace / "flows" / "not-a-flow").mkdir()  # no flow.toml: not a flow, not an error
    home.write_config(f"flow_workspaces = [{json.dumps(str(workspace))}]\n")
    home.start()
    found = listing(home)
    assert flow_names(found) == ["same", "solo"]
    assert found["flows"][0]["root"] == str(workspace / ".codex" / "flows" / "b-installed")
    assert [(s["root"], s["by"]) for s in found["shadowed"]] == [
        (str(workspace / "flows" / "a-source"), found["flows"][0]["root"]),
        (str(home.path / "flows" / "c-home"), found["flows"][0]["root"]),
    ]
    assert found["errors"] == []
    answer = dispatch(home, "ping")
    assert answer["matched"] == 2  # one step of `same` (the installed one) and `solo`'s
    steps = sorted(wait_run(home, r)["stepName"] for r in answer["runIds"])
    assert steps == ["installed", "only"]


def test_new_changed_and_broken_flows_are_picked_up_live(home: AioHome):
    workspace = home.root / "ws"
    workspace.mkdir()
    home.write_config(f"flow_workspaces = [{json.dumps(str(workspace))}]\n")
    home.start()
    assert listing(home)["flows"] == []
    folder = one_step_flow(home.path / "flows" / "live", "live", "first")
    wait_listing(home, lambda f: flow_names(f) == ["live"], "the new flow")
    one_step_flow(folder, "live", "second")
    wait_listing(
        home, lambda f: [s["name"] for s in f["flows"][0]["steps"]] == ["second"], "the change"
    )
    atomic_write(folder / "flow.toml", 'name = "live"\nversion = \n')
    broken = wait_listing(home, lambda f: not f["flows"] and f["errors"], "the broken manifest")
    assert broken["errors"][0]["path"] == str(folder / "flow.toml")
    assert "not valid TOML" in broken["errors"][0]["error"]
    # A flow root that did not exist when the core started (only its workspace did).
    one_step_flow(workspace / ".codex" / "flows" / "late", "late", "step")
    wait_listing(home, lambda f: flow_names(f) == ["late"], "a flow under a new .codex/flows")


SCHEMA = {"type": "object", "required": ["name"]}


def manifest_cases(root: Path) -> dict[str, tuple[str, str]]:
    """Folder name -> (flow.toml text, the error expected after the file's path)."""
    step = '[[steps]]\nname = "s"\nrunner = "sh"\nscript = "run.sh"\n'
    head = 'name = "f"\nversion = 1\n'
    return {
        "no-name": ("version = 1\n" + step, "missing field 'name' (a non-empty string)"),
        "version-text": (
            'name = "f"\nversion = "1"\n' + step,
            "field 'version': expected a number",
        ),
        "no-steps": (head, "missing [[steps]]: a flow needs at least one step"),
        "runner-ruby": (
            head + step.replace('"sh"', '"ruby"'),
            "field 'steps[0].runner': expected one of bun, node, python, sh, got \"ruby\"",
        ),
        "code-mode": (
            head + step.replace('"sh"', '"code-mode"'),
            "field 'steps[0].runner': code-mode is not supported by aio "
            "(expected one of bun, node, python, sh)",
        ),
        "no-script": (
            head + step.replace("run.sh", "gone.sh"),
            f"field 'steps[0].script': no such file {root / 'no-script' / 'gone.sh'}",
        ),
        "escaping-script": (
            head + step.replace("run.sh", "../x.sh"),
            "field 'steps[0].script': '../x.sh' leads out of the flow's folder "
            f"{root / 'escaping-script'}",
        ),
        "timeout-zero": (
            head + step + "timeout_ms = 0\n",
            "field 'steps[0].timeout_ms': expected a whole number from 1 to 31622400000",
        ),
        "retries-negative": (
            head + step + "retries = -1\n",
            "field 'steps[0].retries': expected a whole number from 0 to 100",
        ),
        "unknown-field": (
            head + step + "retry = 2\n",
            "unknown field 'steps[0].retry' (expected: name, runner, script, timeout_ms, cwd, "
            "retries, trigger)",
        ),
        "twin-steps": (
            head + step + step,
            "field 'steps[1].name': 's' is the name of an earlier step; "
            "expected a name unique in the flow",
        ),
        "schema-not-json": (
            head + step + '[steps.trigger]\ntype = "t"\nschema = "bad.json"\n',
            f"field 'steps[0].trigger.schema': {root / 'schema-not-json' / 'bad.json'} is not "
            "valid JSON (line 1 column 1: Expecting value)",
        ),
        "schema-invalid": (
            head + step + '[steps.trigger]\ntype = "t"\nschema = "wrong.json"\n',
            f"field 'steps[0].trigger.schema': {root / 'schema-invalid' / 'wrong.json'} is not a "
            "valid JSON Schema: 12 is not valid under any of the given schemas (at type)",
        ),
        "trigger-no-type": (
            head + step + '[steps.trigger]\nschema = "s.json"\n',
            "missing field 'steps[0].trigger.type' (a non-empty string)",
        ),
    }


def test_every_manifest_error_names_the_file_the_field_and_what_was_expected(home: AioHome):
    root = home.path / "flows"
    cases = manifest_cases(root)
    for folder_name, (text, _expected) in cases.items():
        folder = root / folder_name
        folder.mkdir(parents=True)
        (folder / "run.sh").write_text(OK)
        (folder / "bad.json").write_text("nope")
        (folder / "wrong.json").write_text(json.dumps({"type": 12}))
        (folder / "s.json").write_text(json.dumps(SCHEMA))
        (folder / "flow.toml").write_text(text)
    one_step_flow(root / "zz-good", "good", "fine")
    home.start()
    found = listing(home)
    errors = {Path(e["path"]).parent.name: e["error"] for e in found["errors"]}
    for folder_name, (_text, expected) in cases.items():
        assert errors[folder_name] == f"{root / folder_name / 'flow.toml'}: {expected}"
    assert flow_names(found) == ["good"]
    step = found["flows"][0]["steps"][0]
    assert (step["timeoutMs"], step["retries"], step["cwd"]) == (
        300000, 0, str(root / "zz-good"),
    )  # fmt: skip
    out = home.ok("flow", "ls")
    assert "error: " + errors["code-mode"] in out
    assert "http: off" in out
