"""Bad input: a one-line error naming what was wrong, exit code 2, and nothing left behind.

"Nothing left behind" is checked three ways: no job in the core, an empty jobs folder, no extra
git worktree, and the next good job still gets number 1 (ids are never reused, so a record that
was written and deleted would show as a gap).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from core_harness import AioHome, aio_command, git, make_repo, raw_http


def one_line_error(result) -> str:
    """The error line of a refused command (exit code 2, exactly one line on stderr)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line error, got {result.stderr!r}"
    return lines[0]


def assert_one_line_error(result, *expected: str) -> str:
    line = one_line_error(result)
    for text in expected:
        assert text in line, f"{text!r} not in {line!r}"
    return line


def assert_nothing_left(home: AioHome) -> None:
    assert home.jobs() == []
    jobs_dir = home.path / "jobs"
    assert not jobs_dir.exists() or list(jobs_dir.iterdir()) == []
    assert home.submit({"name": "good", "steps": [{"cmd": "true"}]}) == 1


BAD_TASKS = {
    "bad JSON": ('{"name": "x",\n  "steps": [}', ["bad JSON at line 2 column 13"]),
    "missing steps": ({"name": "x"}, ["missing field 'steps'"]),
    "step without cmd": (
        {"name": "x", "steps": [{"cmd": "true"}, {"desc": "no command"}]},
        ["field 'steps[1].cmd' is missing"],
    ),
    "unknown field": (
        {"name": "x", "steps": [{"cmd": "true"}], "stpes": []},
        ["unknown field 'stpes'"],
    ),
    "bad reference": (
        {"name": "x", "steps": [{"desc": "d", "cmd": "echo {{bad-name}}"}]},
        ["field 'steps[0].cmd'", "'{{bad-name}}' is not a valid variable reference"],
    ),
    "missing variable": (
        {"name": "x", "steps": [{"cmd": "echo {{target}}"}]},
        ["missing variable 'target'", "--var target=VALUE"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TASKS))
def test_bad_task_file(core: AioHome, case: str) -> None:
    data, expected = BAD_TASKS[case]
    path = core.task(data, name="bad.json")
    line = assert_one_line_error(core.aio("run", str(path)), *expected)
    assert str(path) in line
    assert_nothing_left(core)


def test_missing_file(core: AioHome) -> None:
    line = one_line_error(core.aio("run", "nowhere.json"))
    assert "nowhere.json: no such file" in line
    assert_nothing_left(core)


def test_unknown_var(core: AioHome) -> None:
    path = core.task({"name": "x", "variables": {"a": "1"}, "steps": [{"cmd": "echo {{a}}"}]})
    line = one_line_error(core.aio("run", str(path), "--var", "b=2"))
    assert "unknown variable 'b'" in line and "variables: a" in line
    assert_nothing_left(core)


def test_oversized_var_value(core: AioHome) -> None:
    path = core.task({"name": "x", "steps": [{"cmd": "echo {{v}}"}]})
    big = "v=" + "x" * (64 * 1024 + 1)
    line = one_line_error(core.aio("run", str(path), "--var", big))
    assert "variable 'v'" in line and "over 64 KiB" in line
    assert_nothing_left(core)


def test_malformed_var_argument(core: AioHome) -> None:
    path = core.task({"name": "x", "steps": [{"cmd": "true"}]})
    line = one_line_error(core.aio("run", str(path), "--var", "no-equals"))
    assert "--var 'no-equals'" in line
    assert_nothing_left(core)


def test_repo_that_is_not_a_git_repository(core: AioHome) -> None:
    plain = core.root / "plain"
    plain.mkdir()
    path = core.task({"name": "x", "repo": str(plain), "steps": [{"cmd": "true"}]})
    line = one_line_error(core.aio("run", str(path)))
    assert str(path) in line and "field 'repo'" in line
    assert f"{plain} is not a git repository" in line
    absent = core.task({"name": "y", "repo": "absent", "steps": [{"cmd": "true"}]})
    line = one_line_error(core.aio("run", absent))
    assert "field 'repo'" in line and "absent does not exist" in line
    assert_nothing_left(core)


def test_branch_that_does_not_exist(core: AioHome) -> None:
    repo = core.root / "repo"
    make_repo(repo)
    path = core.task(
        {"name": "x", "repo": str(repo), "branch": "no-such-branch", "steps": [{"cmd": "true"}]}
    )
    assert_one_line_error(
        core.aio("run", str(path)), str(path), "field 'branch'", "'no-such-branch' does not exist"
    )
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    assert_nothing_left(core)


def test_repo_without_commits(core: AioHome) -> None:
    empty = core.root / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    path = core.task({"name": "x", "repo": str(empty), "steps": [{"cmd": "true"}]})
    line = one_line_error(core.aio("run", str(path)))
    assert "field 'repo'" in line and "has no commits yet" in line
    assert_nothing_left(core)


@pytest.mark.parametrize("verb", ["log", "kill", "rm", "a"])
def test_unknown_job(core: AioHome, verb: str) -> None:
    assert one_line_error(core.aio(verb, "42")) == "aio: no job 42"
    assert one_line_error(core.aio(verb, "nosuch")) == "aio: no job named 'nosuch'"


def test_kill_of_several_jobs_reports_each_unknown_one(core: AioHome) -> None:
    job_id = core.submit({"name": "target", "steps": [{"cmd": "read x"}]})
    core.wait_step_running(job_id, 0)
    result = core.aio("kill", "98", str(job_id), "99")
    assert result.returncode == 2
    assert result.stdout.strip() == f"kill: job {job_id}"
    assert result.stderr.strip().splitlines() == ["aio: no job 98", "aio: no job 99"]
    assert core.wait_status(job_id, "killed")["status"] == "killed"


def test_bad_arguments_exit_2(home: AioHome) -> None:
    result = home.aio("run")
    assert result.returncode == 2
    assert "aio run: the following arguments are required: file" in result.stderr
    result = home.aio("ls", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_garbage_on_the_socket_gets_an_error_and_the_core_keeps_serving(core: AioHome) -> None:
    reply = raw_http(core, b"\x00\xff\xfe\x16\x03 not http at all\r\n\r\n")
    assert reply == b"" or (reply.startswith(b"HTTP/1.") and b" 400 " in reply.split(b"\r\n")[0])
    reply = raw_http(core, bytes(range(256)) * 64)
    assert reply == b"" or b" 400 " in reply.split(b"\r\n")[0]
    assert core.ok("ls").startswith("#")
    assert core.submit({"name": "after", "steps": [{"cmd": "true"}]}) == 1


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\xfd", b"[1, 2]", b""])
def test_post_jobs_with_a_bad_body_gets_a_json_400(core: AioHome, body: bytes) -> None:
    head = (
        "POST /jobs HTTP/1.1\r\nHost: aio\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    reply = raw_http(core, head + body)
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), reply
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert b"application/json" in headers.lower()
    assert json.loads(payload) == {"error": "request body: expected a JSON object"}
    assert core.jobs() == []


def test_post_jobs_with_neither_path_nor_task(core: AioHome) -> None:
    from aio.client.core_client import CoreError

    with pytest.raises(CoreError) as caught:
        core.request("POST", "/jobs", {"vars": {}})
    assert caught.value.status == 400
    assert "expected 'path' (a task file) or 'task'" in str(caught.value)
    with pytest.raises(CoreError) as caught:
        core.request("POST", "/jobs", {"task": {"name": "x", "steps": []}, "vars": {}})
    assert caught.value.status == 400
    assert "field 'steps'" in str(caught.value)
    with pytest.raises(CoreError) as caught:
        core.request("POST", "/jobs", {"task": {"name": "x", "steps": [{"cmd": "1"}]}, "vars": 3})
    assert "field 'vars'" in str(caught.value)
    assert core.jobs() == []


def test_unknown_route_is_a_json_404(core: AioHome) -> None:
    from aio.client.core_client import CoreError

    with pytest.raises(CoreError) as caught:
        core.request("GET", "/nothing/here")
    assert caught.value.status == 404
    assert "GET /nothing/here" in str(caught.value)


def test_bad_config_is_named_and_no_core_starts(home: AioHome) -> None:
    home.write_config("workers = 0\n")
    result = home.aio("ls")
    assert result.returncode == 2
    assert not home.client().is_running()
    assert "'workers' must be a whole number from 1 to 256" in result.stderr
    assert str(Path(home.path / "config.toml")) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("when", [float("inf"), float("nan"), -1.0, 1e300])
def test_a_todo_deadline_out_of_range_is_refused(core: AioHome, when: float) -> None:
    from aio.client.core_client import CoreError

    for field in ("deadline", "virtual_deadline"):
        with pytest.raises(CoreError) as caught:
            core.request("POST", "/todos", {"title": "Far", field: when})
        assert caught.value.status == 400
        assert f"field '{field}': expected a timestamp from 0 to the year 9999" in str(caught.value)
    todo = core.request("POST", "/todos", {"title": "Near", "deadline": 2_000_000_000.0})["todo"]
    with pytest.raises(CoreError) as caught:
        core.request("PUT", f"/todos/{todo['id']}", {"title": "Near", "deadline": when})
    assert caught.value.status == 400
    listed = json.loads(core.ok("t", "--json"))  # still JSON, the todo as it was
    assert [(t["title"], t["deadline"]) for t in listed] == [("Near", 2_000_000_000.0)]


@pytest.mark.parametrize("args", [("t", "--json"), ("t",), ("ls",)])
def test_a_full_disk_under_stdout_is_said_not_a_traceback(core: AioHome, args) -> None:
    core.ok("t", "+Fix", "bug", "2h")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*aio_command(), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=core.env,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr == f"aio {args[0]}: could not write the output: No space left on device\n"
