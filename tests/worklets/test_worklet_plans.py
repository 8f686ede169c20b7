"""Worklets without a worklet.toml are run as their files say: a Node app by `npm install` and
`npm start`, a Python one (requirements.txt) in a venv of its own; the KV store reaches the
app when aio.kv has its client."""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import sqlite3

import pytest
from core_harness import AioHome, git, require_tool
from worklet_harness import (
    PYTHON_APP,
    add,
    commit_all,
    get_json,
    make_node_app,
    make_python_app,
    worklet,
)


def test_a_node_app_is_installed_and_started_with_npm(core: AioHome) -> None:
    repo = make_node_app(core.src / "tiny")
    added = add(core, str(repo))
    assert added["plan"] == "npm"
    assert get_json(added["url"]) == {"greeting": "hello from node", "port": str(added["port"])}
    build = core.job(added["build_job"])
    assert build["name"] == "wl-tiny-build" and build["status"] == "done"
    assert [s["desc"] for s in build["steps"]] == ["npm install"]
    assert core.job(added["run_job"])["steps"][0]["desc"] == "npm start"
    assert f"node listening on {added['port']}" in core.ok("wl", "logs", "tiny")
    assert "npm install" not in core.ok("wl", "logs", "tiny")
    assert core.ok("wl", "logs", "tiny", "--build")  # the build's own log


def test_a_python_app_with_requirements_runs_in_a_venv_of_its_own(core: AioHome) -> None:
    repo = core.src / "pyapp"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text(PYTHON_APP)
    (repo / "greeting.txt").write_text("hello from a venv\n")
    (repo / "requirements.txt").write_text("# nothing to install\n")
    commit_all(repo, "first")
    added = add(core, str(repo))
    assert added["plan"] == "python"
    assert get_json(added["url"]) == {"greeting": "hello from a venv"}
    venv_python = f"{added['folder']}/venv/bin/python"
    assert core.job(added["run_job"])["steps"][0]["desc"] == f"{venv_python} app.py"


def test_a_repo_with_nothing_to_run_is_refused(core: AioHome) -> None:
    repo = make_python_app(core.src / "bare")
    git(repo, "rm", "-q", "worklet.toml", "app.py")
    commit_all(repo, "nothing to run")
    result = core.aio("wl", "add", str(repo))
    assert result.returncode == 2 and "aio cannot tell how to run it" in result.stderr
    assert json.loads(core.ok("wl", "ls", "--json")) == []


def test_the_app_reaches_its_kv_store(core: AioHome) -> None:
    kv = importlib.util.find_spec("aio.kv") and importlib.import_module("aio.kv")
    if not kv or not hasattr(kv, "from_env"):
        pytest.skip("aio.kv.from_env is not there yet (the KV client is being written)")
    require_tool("git")
    added = add(core, str(make_python_app(core.src / "counter")))
    env = get_json(added["url"] + "env")
    assert env["AIO_KV_URL"].startswith("http://127.0.0.1:") and env["AIO_KV_TOKEN"]
    assert get_json(added["url"] + "kv") == {"available": True, "count": 3}
    store = kv.from_env(env)
    assert store.get("visits", "count") == 3
    core.ok("wl", "restart", "counter", "--wait")
    with pytest.raises(kv.KVError):  # a new start, a new token: the old one is dead
        store.get("visits", "count")
    env = get_json(worklet(core, "counter")["url"] + "env")
    assert kv.from_env(env).get("visits", "count") == 3
    core.ok("wl", "rm", "counter")
    with pytest.raises(kv.KVError):  # removed: its token is revoked
        kv.from_env(env).get("visits", "count")
    assert kv_rows(core, added["id"]) == 1  # kept without --data
    again = add(core, str(core.src / "counter"), "--name", "again")
    assert get_json(again["url"] + "kv") == {"available": True, "count": 3}
    assert "its KV data deleted" in core.ok("wl", "rm", "again", "--data")
    assert kv_rows(core, again["id"]) == 0 and kv_rows(core, added["id"]) == 1


def kv_rows(home: AioHome, worklet: int) -> int:
    """How many keys the KV store (its SQLite backend) keeps for `worklet`."""
    with contextlib.closing(sqlite3.connect(home.path / "kv.sqlite3")) as db:
        query = "SELECT count(*) FROM kv_store WHERE worklet_id = ?"
        return db.execute(query, (worklet,)).fetchone()[0]


def test_a_plan_whose_tool_is_missing_is_refused_naming_it(core: AioHome) -> None:
    from aio.worklets.plan import docker_answers

    checks = []
    if shutil.which("go") is None:
        checks.append(("go.mod", "module tiny\n", "go.mod asks for `go`, which is not installed"))
    if not docker_answers():
        said = (
            "Dockerfile asks for `docker`, which is not installed"
            if shutil.which("docker") is None
            else "Dockerfile: `docker` is installed but no Docker daemon answers"
        )
        checks.append(("Dockerfile", "FROM scratch\n", said))
    if not checks:
        pytest.skip("go and a Docker daemon are both here: nothing is missing")
    for file, text, said in checks:
        repo = make_python_app(core.src / file.lower().replace(".", ""))
        git(repo, "rm", "-q", "worklet.toml", "app.py")
        (repo / file).write_text(text)
        commit_all(repo, file)
        result = core.aio("wl", "add", str(repo))
        assert result.returncode == 2 and said in result.stderr, result
    assert json.loads(core.ok("wl", "ls", "--json")) == []
