"""The core's CLI API, against a real `aio serve` started the way the CLI starts it:
GET /clis, POST /clis/{id}/doctor, POST /clis/{id}/run (a job), DELETE /clis/{id}."""

from __future__ import annotations

from pathlib import Path

import pytest
from clis_harness import CliEnv, make_py_tool, report_of, wait_for

from aio.client.core_client import CoreClient, CoreError


def _wait_finished(client: CoreClient, job_id: int) -> dict:
    def finished() -> dict | None:
        job = client.request("GET", f"/jobs/{job_id}")["job"]
        return job if job["status"] not in ("queued", "running") else None

    return wait_for(finished, 30, f"job {job_id} to finish")


def _log_of(job: dict) -> str:
    return Path(job["log_path"]).read_text(errors="replace").replace("\r\n", "\n")


def test_the_core_lists_runs_doctors_and_uninstalls_clis(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "api", "api-tool", description="API test tool")
    cli_env.link(tool)
    cli_env.link(make_py_tool(cli_env.src / "bad", "api-bad", run=["no-such-command-9a1"]))
    dev = make_py_tool(cli_env.dev_root / "api-dev", "api-dev")
    cli_env.ok("ls")  # starts the core in the background, with this HOME
    client = CoreClient(cli_env.home)

    # GET /clis: every tool, with its quick checks.
    clis = {t["id"]: t for t in client.request("GET", "/clis")["clis"]}
    assert list(clis) == ["api-bad", "api-tool", "api-dev"]
    assert clis["api-tool"]["healthy"] is True
    assert clis["api-tool"]["kind"] == "link"
    assert clis["api-tool"]["source_root"] == str(tool)
    assert clis["api-tool"]["description"] == "API test tool"
    assert [(c["name"], c["ok"]) for c in clis["api-tool"]["checks"]] == [
        ("manifest", True),
        ("source", True),
        ("command", True),
    ]
    assert clis["api-bad"]["healthy"] is False
    assert {"name": "command", "ok": False, "detail": "no-such-command-9a1 is not on PATH"} in (
        clis["api-bad"]["checks"]
    )
    assert (clis["api-dev"]["kind"], clis["api-dev"]["source_root"]) == ("dev", str(dev))

    # POST /clis/{id}/doctor: the full doctor.
    answer = client.request("POST", "/clis/api-bad/doctor")
    assert answer["id"] == "api-bad"
    assert [c["ok"] for c in answer["checks"]] == [True, True, False]

    # POST /clis/{id}/run: a job that runs the tool, args intact, from the given folder.
    caller = cli_env.user / "caller dir"
    caller.mkdir()
    args = ["a b", "c", "", "--", "-x", 'q"uote', "ünï"]
    answer = client.request("POST", "/clis/api-tool/run", {"args": args, "cwd": str(caller)})
    job = answer["job"]
    assert job["name"] == "cli-api-tool"
    assert job["steps"][0]["desc"].startswith("aio cli api-tool -- 'a b' c '' -- -x")
    job = _wait_finished(client, job["id"])
    assert (job["status"], job["exit_code"]) == ("done", 0), _log_of(job)
    report = report_of(_log_of(job))
    assert report["argv"] == args
    assert report["cwd"] == str(tool)
    assert report["caller"] == str(caller)

    # The job's exit code is the tool's.
    job = client.request("POST", "/clis/api-tool/run", {"args": ["exit", "3"]})["job"]
    job = _wait_finished(client, job["id"])
    assert (job["status"], job["exit_code"]) == ("failed", 3)

    # Bad requests.
    with pytest.raises(CoreError) as caught:
        client.request("POST", "/clis/api-tool/run", {"args": "a b"})
    assert caught.value.status == 400
    assert "field 'args': expected a list of strings" in str(caught.value)
    with pytest.raises(CoreError) as caught:
        client.request("POST", "/clis/nothing/run", {"args": []})
    assert caught.value.status == 404
    assert "no CLI 'nothing'" in str(caught.value)

    # DELETE /clis/{id}: uninstalls the registration, not a dev folder.
    assert client.request("DELETE", "/clis/api-tool") == {
        "uninstalled": "api-tool",
        "kind": "link",
    }
    assert not (cli_env.links / "api-tool.toml").exists()
    assert (tool / "main.py").is_file()
    assert [t["id"] for t in client.request("GET", "/clis")["clis"]] == ["api-bad", "api-dev"]
    with pytest.raises(CoreError) as caught:
        client.request("DELETE", "/clis/api-dev")
    assert caught.value.status == 409
    assert "is a development folder" in str(caught.value)
    with pytest.raises(CoreError) as caught:
        client.request("DELETE", "/clis/api-tool")
    assert caught.value.status == 404
