"""Bad input to `aio wl add` is a precise one-line error, exit 2, and leaves nothing behind;
a server that exits at once, never answers, or listens on all interfaces ends in `error` with
the reason and its last line."""

from __future__ import annotations

import json

import pytest
from core_harness import AioHome
from worklet_harness import add, make_python_app, port_open, wait_worklet


def assert_nothing_left(home: AioHome) -> None:
    assert json.loads(home.ok("wl", "ls", "--json")) == []
    folder = home.path / "worklets"
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('run = "python3 app.py"\nport = 3\n', "worklet.toml: unknown field 'port'"),
        ('build = "make"\nrun = ["python3"]\n', "worklet.toml: field 'build': expected a list"),
        ("run = []\n", "worklet.toml: field 'run': expected a non-empty list of strings"),
        ('run = ["x"]\nport_env = "9"\n', "worklet.toml: field 'port_env': expected a variable"),
        ('run = ["x"]\nhealth = "up"\n', "worklet.toml: field 'health': expected a path"),
        ('build = ["true"]\n', "worklet.toml: missing field 'run'"),
        ("run = [\n", "worklet.toml: not valid TOML"),
    ],
)
def test_a_bad_worklet_toml_names_the_file_and_the_field(
    core: AioHome, toml: str, said: str
) -> None:
    repo = make_python_app(core.src / "app", toml=toml)
    result = core.aio("wl", "add", str(repo))
    assert result.returncode == 2, result
    assert said in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert_nothing_left(core)


def test_bad_repos_branches_names_and_env_are_refused_with_nothing_left(core: AioHome) -> None:
    repo = make_python_app(core.src / "app")
    (core.src / "plain").mkdir()
    cases = [
        ((str(core.src / "plain"),), f"repo: {core.src / 'plain'} is not a git repository"),
        ((str(core.src / "gone"),), f"repo: {core.src / 'gone'} does not exist"),
        ((str(repo), "--branch", "nope"), f"--branch: no branch 'nope' in {repo}"),
        ((str(repo), "--name", "42"), "name '42': expected 1-40 letters"),
        ((str(repo), "--name", "a b"), "name 'a b': expected 1-40 letters"),
        ((str(repo), "--env", "NOEQUALS"), "--env 'NOEQUALS': expected NAME=VALUE"),
        ((str(repo), "--env", "1X=2"), "--env '1X=2': expected NAME=VALUE"),
        ((str(repo), "--env", "AIO_KV_TOKEN=x"), "--env AIO_KV_TOKEN: aio sets AIO_KV_TOKEN"),
        (("file:///nowhere/at/all.git",), "repo: cannot clone file:///nowhere/at/all.git"),
    ]
    for args, said in cases:
        result = core.aio("wl", "add", *args)
        assert result.returncode == 2 and said in result.stderr, (args, result)
        assert_nothing_left(core)
    add(core, str(repo), "--name", "taken")
    result = core.aio("wl", "add", str(repo), "--name", "taken")
    assert result.returncode == 2
    assert "--name: a worklet named 'taken' exists already" in result.stderr
    assert [w["name"] for w in json.loads(core.ok("wl", "ls", "--json"))] == ["taken"]
    # Without --name, a second worklet of the same repository gets a name of its own.
    assert add(core, str(repo))["name"] == "app"
    result = core.aio("wl", "stop", "nosuch")
    assert result.returncode == 2 and "no worklet named 'nosuch'" in result.stderr


def test_a_server_that_exits_at_once_is_an_error_with_its_reason(core: AioHome) -> None:
    toml = 'run = "echo cannot open the database >&2; exit 3"\n'
    repo = make_python_app(core.src / "broken", toml=toml)
    result = core.aio("wl", "add", str(repo), "--wait")
    assert result.returncode == 1
    failed = wait_worklet(core, "broken", "error")
    assert "the server exited before it answered" in failed["error"]
    assert "(exit 3): cannot open the database" in failed["error"]
    assert failed["error"] in result.stderr.replace("\\n", "\n")
    table = core.ok("wl", "ls")
    assert " error " in table and "(exit 3): cannot open the database" in table


def test_a_server_that_never_answers_times_out_and_is_stopped(home: AioHome) -> None:
    home.write_config("worklet_start_timeout = 1\n")
    home.start()
    toml = 'run = "echo warming up; exec sleep 600"\n'
    repo = make_python_app(home.src / "slow", toml=toml)
    assert home.aio("wl", "add", str(repo), "--wait").returncode == 1
    failed = wait_worklet(home, "slow", "error")
    assert "did not answer within 1 s (worklet_start_timeout)" in failed["error"]
    assert "its last line: warming up" in failed["error"]
    assert home.wait_status(failed["run_job"], "killed")["status"] == "killed"


def test_a_server_listening_on_all_interfaces_is_stopped(core: AioHome) -> None:
    toml = 'run = "exec python3 -m http.server --bind 0.0.0.0 $PORT"\n'
    repo = make_python_app(core.src / "open", toml=toml)
    assert core.aio("wl", "add", str(repo), "--wait").returncode == 1
    failed = wait_worklet(core, "open", "error")
    assert failed["error"] == (
        f"it listens on 0.0.0.0 port {failed['port']}, not only on loopback; a worklet must "
        "bind 127.0.0.1 (aio gives it HOST=127.0.0.1)"
    )
    assert core.wait_status(failed["run_job"], "killed")["status"] == "killed"
    assert not port_open(failed["port"])


def test_bad_requests_to_the_worklet_routes_are_a_4xx(core: AioHome) -> None:
    from aio.client.core_client import CoreError

    add(core, str(make_python_app(core.src / "app")))
    cases = [
        ("POST", "/worklets", {"repo": 5}, "field 'repo': expected a non-empty string"),
        ("POST", "/worklets", {}, "field 'repo': expected a git URL or an absolute path"),
        ("POST", "/worklets", {"repo": "rel/path"}, "is not a URL or an absolute path"),
        ("POST", "/worklets", {"repo": "/x", "env": "A=1"}, "field 'env': expected an object"),
        ("POST", "/worklets", {"repo": "/x", "env": {"A": 1}}, "--env A: expected a text value"),
        ("POST", "/worklets", {"repo": "/x", "branch": "-x"}, "'-x' is not a branch name"),
        (
            "GET",
            "/worklets/app/wait?timeout=nan",
            None,
            "query 'timeout': expected seconds from 0 to",
        ),
        ("POST", "/worklets/app/start", {"build": "yes"}, "field 'build': expected true or"),
        ("POST", "/worklets/app/prompt", {"text": " "}, "field 'text': expected a non-empty"),
        ("POST", "/worklets/app/pr", {"title": "a\nb"}, "--title: expected one line"),
        ("GET", "/worklets/" + "x" * 200, None, "a worklet is named by its number or its name"),
        ("DELETE", "/worklets/99", None, "no worklet 99"),
    ]
    for method, path, body, said in cases:
        with pytest.raises(CoreError) as refused:
            core.request(method, path, body)
        assert 400 <= refused.value.status < 500 and said in str(refused.value), (path, body)
    assert wait_worklet(core, "app", "running")["status"] == "running"
