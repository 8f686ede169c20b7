"""A worklet's life through the real `aio wl` CLI and a real core: added from a local git repo
(a stdlib Python server with a worklet.toml), reached on its loopback port, listed, stopped,
restarted, its log read, pulled after a new upstream commit, and removed."""

from __future__ import annotations

import json
from pathlib import Path

from core_harness import AioHome, git, wait_for
from worklet_harness import (
    add,
    commit_all,
    get_json,
    make_python_app,
    port_open,
    wait_new_run,
    wait_worklet,
    worklet,
)

LS_FIELDS = {"id", "name", "repo", "branch", "status", "port", "url", "error"}


def test_add_runs_the_app_on_a_loopback_port_with_its_environment(core: AioHome) -> None:
    repo = make_python_app(core.src / "shop")
    added = add(core, str(repo), "--env", "GREET=hi there")
    assert added["name"] == "shop" and added["status"] == "running" and added["plan"] == "toml"
    assert added["url"] == f"http://127.0.0.1:{added['port']}/"
    assert get_json(added["url"]) == {"greeting": "hello from python"}
    env = get_json(added["url"] + "env")
    assert env["PORT"] == str(added["port"]) and env["HOST"] == "127.0.0.1"
    assert env["AIO_WORKLET_ID"] == str(added["id"]) and env["GREET"] == "hi there"
    clone = Path(added["folder"]) / "repo"
    assert added["folder"] == str(core.path / "worklets" / f"{added['id']}-shop")
    assert (clone / "app.py").is_file() and git(clone, "rev-parse", "HEAD") == added["commit"]
    # Its server is a job on the Jobs screen, tagged with the worklet.
    job = core.job(added["run_job"])
    assert job["name"] == "wl-shop" and job["source"] == "aio wl" and job["status"] == "running"
    listed = json.loads(core.ok("wl", "ls", "--json"))
    assert len(listed) == 1 and set(listed[0]) >= LS_FIELDS
    assert {k: listed[0][k] for k in LS_FIELDS} == {
        "id": added["id"], "name": "shop", "repo": str(repo), "branch": "main",
        "status": "running", "port": added["port"], "url": added["url"], "error": None,
    }  # fmt: skip
    table = core.ok("wl", "ls")
    assert "shop" in table and "running" in table and added["url"] in table
    assert core.ok("wl", "open", "shop").strip() == added["url"]


def test_stop_closes_the_port_restart_opens_it_and_logs_show_the_server(core: AioHome) -> None:
    added = add(core, str(make_python_app(core.src / "app")), "--name", "blog")
    port = added["port"]
    assert "blog: stopped" in core.ok("wl", "stop", "blog")
    stopped = worklet(core, "blog")
    assert stopped["status"] == "stopped" and stopped["url"] is None and stopped["error"] is None
    assert not port_open(port)
    assert core.job(added["run_job"])["status"] == "killed"
    refused = core.aio("wl", "stop", "blog")
    assert refused.returncode == 2 and "worklet 1 is stopped" in refused.stderr
    assert core.aio("wl", "open", "blog").returncode == 1

    out = core.ok("wl", "restart", str(added["id"]), "--wait")
    again = worklet(core, added["id"])
    assert "running at" in out and again["run_job"] != added["run_job"]
    assert get_json(again["url"]) == {"greeting": "hello from python"}
    assert f"app listening on {again['port']}" in core.ok("wl", "logs", "blog")
    refused = core.aio("wl", "start", "blog")
    assert refused.returncode == 2 and "is running already" in refused.stderr


def test_pull_takes_a_new_upstream_commit_and_rm_removes_the_clone(core: AioHome) -> None:
    repo = make_python_app(core.src / "app", greeting="first version")
    added = add(core, str(repo))
    assert get_json(added["url"])["greeting"] == "first version"
    (repo / "greeting.txt").write_text("second version\n")
    newer = commit_all(repo, "second")
    core.ok("wl", "pull", "app", "--wait")
    pulled = worklet(core, "app")
    assert pulled["commit"] == newer and pulled["run_job"] != added["run_job"]
    assert get_json(pulled["url"])["greeting"] == "second version"

    folder = Path(pulled["folder"])
    out = core.ok("wl", "rm", "app")
    assert "removed (its KV data kept)" in out
    assert not folder.exists() and json.loads(core.ok("wl", "ls", "--json")) == []
    wait_for(lambda: not port_open(pulled["port"]), 10, "the removed worklet's port to close")
    # Numbers are never given twice: the next worklet is number 2.
    assert add(core, str(repo))["id"] == added["id"] + 1


def test_a_core_restart_starts_a_running_worklet_again(home: AioHome) -> None:
    home.start()
    added = add(home, str(make_python_app(home.src / "app")))
    home.stop()
    assert not port_open(added["port"])
    home.start()
    shown = worklet(home, "app")
    assert shown["status"] != "running" or shown["run_job"] != added["run_job"]
    again = wait_new_run(home, "app", added["run_job"])
    assert get_json(again["url"]) == {"greeting": "hello from python"}


def test_servers_run_outside_the_workers_limit_builds_do_not(home: AioHome) -> None:
    home.write_config("workers = 1\n")
    home.start()
    first = add(home, str(make_python_app(home.src / "one")))
    second = add(home, str(make_python_app(home.src / "two")))
    assert first["status"] == second["status"] == "running"
    # Both servers run, and the one worker is still free for a task.
    job = home.submit({"name": "task", "steps": [{"cmd": "echo task ran"}]})
    assert home.wait_status(job, "done")["status"] == "done"
    # A build is a job like any: it waits while a task holds the worker.
    blocker = home.submit({"name": "blocker", "steps": [{"cmd": "sleep 600"}]})
    home.wait_status(blocker, "running")
    toml = 'build = ["echo built"]\nrun = ["python3", "app.py"]\n'
    out = home.ok("wl", "add", str(make_python_app(home.src / "three", toml=toml)))
    assert "building" in out
    build = worklet(home, "three")["build_job"]
    assert home.job(build)["status"] == "queued"
    home.ok("kill", str(blocker))
    assert wait_worklet(home, "three", "running")["build_job"] == build


def test_the_event_stream_follows_a_worklet(core: AioHome) -> None:
    from test_claude_headless import BusEvents

    bus = BusEvents(core)
    try:
        added = add(core, str(make_python_app(core.src / "app")))
        core.ok("wl", "rm", "app")
        removed = wait_for(
            lambda: [e for e in bus.events if e.get("type") == "worklet_removed"], 10, "removal"
        )
    finally:
        bus.close()
    statuses = [
        e["worklet"]["status"]
        for e in bus.events
        if e.get("type") == "worklet" and e["worklet"]["id"] == added["id"]
    ]
    assert statuses == ["creating", "starting", "running"]
    assert removed == [{"type": "worklet_removed", "id": added["id"]}]
