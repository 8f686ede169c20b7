"""Unit tests of task files: parsing, validation messages, `{{variable}}` templates, timeouts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aio.jobs.tasks import (
    MAX_VALUE_BYTES,
    StepSpec,
    TaskError,
    has_variables,
    load_task_file,
    parse_task,
    parse_task_text,
    parse_var_assignment,
    resolve_task,
    task_variables,
)

SOURCE = "/tasks/build.json"


def task(**fields) -> dict:
    """A valid task object with `fields` replacing or adding to it."""
    data = {"name": "build", "steps": [{"desc": "Say", "cmd": "echo hi"}]}
    data.update(fields)
    return data


def error_of(data: object) -> str:
    with pytest.raises(TaskError) as caught:
        parse_task(data, SOURCE)
    return str(caught.value)


def test_minimal_task_parses_with_defaults() -> None:
    spec = parse_task({"name": "x", "steps": [{"cmd": "make"}]}, SOURCE)
    assert spec.name == "x"
    assert spec.steps == (StepSpec(desc="make", cmd="make", timeout=None),)
    assert (spec.repo, spec.branch, spec.variables, spec.timeout) == (None, None, {}, None)
    assert spec.source == SOURCE
    assert not has_variables(spec)


def test_full_task_round_trips_through_to_dict() -> None:
    data = task(
        repo="~/src/p",
        branch="main",
        variables={"n": 3},
        timeout=60,
        steps=[{"desc": "a", "cmd": "echo {{n}}", "timeout": 5}],
    )
    spec = parse_task(data, SOURCE)
    assert spec.variables == {"n": "3"}
    assert spec.steps[0].timeout == 5.0
    assert parse_task(spec.to_dict(), SOURCE) == spec


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "expected a JSON object with 'name' and 'steps'"),
        ({"steps": [{"cmd": "x"}]}, "missing field 'name'"),
        (task(name="  "), "field 'name': expected a non-empty string"),
        (task(name=7), "field 'name': expected a non-empty string"),
        ({"name": "x"}, "missing field 'steps'"),
        (task(steps=[]), "field 'steps': expected a non-empty list"),
        (task(steps="echo"), "field 'steps': expected a non-empty list"),
        (task(steps=["echo"]), "field 'steps[0]': expected an object"),
        (task(steps=[{"desc": "d"}]), "field 'steps[0].cmd' is missing"),
        (task(steps=[{"cmd": "a"}, {"desc": "d"}]), "field 'steps[1].cmd' is missing"),
        (task(steps=[{"cmd": " "}]), "field 'steps[0].cmd': expected a non-empty string"),
        (task(steps=[{"cmd": "a", "desc": 3}]), "field 'steps[0].desc': expected a string"),
        (task(steps=[{"cmd": "a", "run": 1}]), "field 'steps[0].run' is unknown"),
        (task(extra=1), "unknown field 'extra'"),
        (task(repo=""), "field 'repo': expected a non-empty string"),
        (task(branch="main"), "field 'branch' needs a 'repo'"),
        (task(variables=["a"]), "field 'variables': expected an object"),
        (task(variables={"bad-name": "1"}), "field 'variables': 'bad-name' is not a valid name"),
        (task(variables={"1st": "1"}), "'1st' is not a valid name"),
        (task(variables={"v": [1]}), "field 'variables.v': expected a string or number"),
        (task(variables={"v": True}), "field 'variables.v': expected a string or number"),
        (task(timeout=0), "field 'timeout': expected a number of seconds above 0"),
        (task(timeout=-5), "field 'timeout': expected a number of seconds above 0"),
        (task(timeout="60"), "field 'timeout': expected a number of seconds above 0"),
        (task(timeout=True), "field 'timeout': expected a number of seconds above 0"),
        (
            task(steps=[{"cmd": "a"}, {"cmd": "b", "timeout": 0}]),
            "field 'steps[1].timeout': expected a number of seconds above 0",
        ),
        (
            task(steps=[{"desc": "d", "cmd": "echo {{bad-name}}"}]),
            "field 'steps[0].cmd': '{{bad-name}}' is not a valid variable reference",
        ),
        (task(name="job {{}}"), "field 'name': '{{}}' is not a valid variable reference"),
    ],
)
def test_every_validation_error_names_the_file_and_field(data: object, expected: str) -> None:
    message = error_of(data)
    assert message.startswith(f"{SOURCE}: "), message
    assert expected in message


def test_bad_json_names_file_line_and_column() -> None:
    with pytest.raises(TaskError, match=r"^/tasks/build\.json: bad JSON at line 2 column 1"):
        parse_task_text('{"name": "x",\n}', SOURCE)


def test_task_file_errors_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(TaskError, match=r"missing\.json: no such file"):
        load_task_file(missing)
    with pytest.raises(TaskError, match="is a folder"):
        load_task_file(tmp_path)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(TaskError, match=r"binary\.json: not UTF-8 text"):
        load_task_file(binary)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    with pytest.raises(TaskError, match=r"big\.json: file is 1048577 bytes"):
        load_task_file(big)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(TaskError, match=r"fifo\.json: not a regular file"):
        load_task_file(fifo)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(task()))
    assert load_task_file(good).source == str(good)


def test_variables_defaults_and_override() -> None:
    spec = parse_task(
        task(variables={"who": "world", "n": 2}, steps=[{"cmd": "echo {{who}} {{ n }}"}]),
        SOURCE,
    )
    assert task_variables(spec) == ["who", "n"]
    assert resolve_task(spec).steps[0].cmd == "echo world 2"
    resolved = resolve_task(spec, {"who": "aio"})
    assert resolved.steps[0].cmd == "echo aio 2"
    assert resolved.variables == {"who": "aio", "n": "2"}


def test_templates_fill_name_repo_branch_desc_and_cmd() -> None:
    spec = parse_task(
        {
            "name": "build-{{target}}",
            "repo": "/src/{{project}}",
            "branch": "release/{{target}}",
            "variables": {"project": "aio"},
            "steps": [{"desc": "Build {{target}}", "cmd": "make {{target}} P={{project}}"}],
        },
        SOURCE,
    )
    assert task_variables(spec) == ["project", "target"]
    resolved = resolve_task(spec, {"target": "prod"})
    assert resolved.name == "build-prod"
    assert resolved.repo == "/src/aio"
    assert resolved.branch == "release/prod"
    assert resolved.steps[0].desc == "Build prod"
    assert resolved.steps[0].cmd == "make prod P=aio"


def test_values_are_inserted_as_text_not_reexpanded() -> None:
    spec = parse_task(task(steps=[{"cmd": "echo {{a}}"}]), SOURCE)
    assert resolve_task(spec, {"a": "{{b}} $(x)"}).steps[0].cmd == "echo {{b}} $(x)"


def test_unknown_variable_is_named() -> None:
    spec = parse_task(task(variables={"known": "1"}), SOURCE)
    with pytest.raises(TaskError) as caught:
        resolve_task(spec, {"typo": "x"})
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: unknown variable 'typo'")
    assert "known" in message
    plain = parse_task(task(), SOURCE)
    with pytest.raises(TaskError, match="unknown variable 'x' \\(this task's variables: none\\)"):
        resolve_task(plain, {"x": "1"})


def test_missing_variable_is_named_with_the_flag_to_give_it() -> None:
    spec = parse_task(task(steps=[{"cmd": "deploy {{target}}"}]), SOURCE)
    assert has_variables(spec)
    with pytest.raises(TaskError) as caught:
        resolve_task(spec)
    assert str(caught.value) == (
        f"{SOURCE}: missing variable 'target': it has no default; give it with --var target=VALUE"
    )


def test_oversized_value_is_refused() -> None:
    spec = parse_task(task(steps=[{"cmd": "echo {{v}}"}]), SOURCE)
    exact = "x" * MAX_VALUE_BYTES
    assert resolve_task(spec, {"v": exact}).steps[0].cmd == f"echo {exact}"
    with pytest.raises(TaskError, match=f"^{SOURCE}: variable 'v': value is over 64 KiB"):
        resolve_task(spec, {"v": exact + "x"})
    with pytest.raises(TaskError, match="variable 'v': value is over 64 KiB"):
        resolve_task(spec, {"v": "é" * (MAX_VALUE_BYTES // 2 + 1)})


def test_non_string_value_is_refused() -> None:
    spec = parse_task(task(steps=[{"cmd": "echo {{v}}"}]), SOURCE)
    with pytest.raises(TaskError, match="variable 'v': expected a string value"):
        resolve_task(spec, {"v": 3})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a=1", ("a", "1")), ("a=", ("a", "")), ("_x2=a=b", ("_x2", "a=b"))],
)
def test_var_assignment_splits_at_the_first_equals(text: str, expected: tuple) -> None:
    assert parse_var_assignment(text) == expected


@pytest.mark.parametrize("text", ["a", "=1", "bad-name=1", "1a=2", ""])
def test_bad_var_assignment_names_the_argument(text: str) -> None:
    with pytest.raises(TaskError) as caught:
        parse_var_assignment(text)
    assert str(caught.value).startswith(f"--var {text!r}: expected NAME=VALUE")


def test_timeouts_accept_positive_numbers() -> None:
    spec = parse_task(task(timeout=0.5, steps=[{"cmd": "a", "timeout": 2}]), SOURCE)
    assert spec.timeout == 0.5
    assert spec.steps[0].timeout == 2.0
