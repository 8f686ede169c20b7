"""Task files: parsing, validation and `{{variable}}` templates (pure, no I/O but reading).

A task is a JSON object: `name`, `steps` (a list of `{desc, cmd, timeout?}`), optional `repo` and
`branch`, `variables` (name -> default), and an optional `timeout` in seconds for the whole task.
Every error names the file, the field and what was expected.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from aio.core.errors import RequestError

MAX_TASK_BYTES = 1024 * 1024
MAX_VALUE_BYTES = 64 * 1024
MAX_TIMEOUT_SECONDS = 366 * 24 * 3600

_REFERENCE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TASK_FIELDS = ("name", "steps", "repo", "branch", "variables", "timeout")
_STEP_FIELDS = ("desc", "cmd", "timeout")


class TaskError(RequestError, ValueError):
    """A task file or its variables are not acceptable; the message says where and why."""


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step as written in a task."""

    desc: str
    cmd: str
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A parsed task; `resolve_task` fills its templates."""

    name: str
    steps: tuple[StepSpec, ...]
    repo: str | None = None
    branch: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        """The task in its JSON shape (what the API accepts inline)."""
        data: dict = {
            "name": self.name,
            "steps": [_step_dict(s) for s in self.steps],
        }
        if self.repo is not None:
            data["repo"] = self.repo
        if self.branch is not None:
            data["branch"] = self.branch
        if self.variables:
            data["variables"] = dict(self.variables)
        if self.timeout is not None:
            data["timeout"] = self.timeout
        return data


def _step_dict(step: StepSpec) -> dict:
    data: dict = {"desc": step.desc, "cmd": step.cmd}
    if step.timeout is not None:
        data["timeout"] = step.timeout
    return data


def load_task_file(path: str | Path) -> TaskSpec:
    """Read and validate a task file."""
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise TaskError(f"{path}: is a folder, expected a task file (.json)")
        if not stat.S_ISREG(info.st_mode):
            raise TaskError(f"{path}: not a regular file, expected a task file (.json)")
        if info.st_size > MAX_TASK_BYTES:
            raise TaskError(
                f"{path}: file is {info.st_size} bytes; a task file may be at most 1 MiB"
            )
        with path.open("rb") as task_file:
            raw = task_file.read(MAX_TASK_BYTES + 1)
        if len(raw) > MAX_TASK_BYTES:
            raise TaskError(f"{path}: a task file may be at most 1 MiB")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise TaskError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise TaskError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except PermissionError:
        raise TaskError(f"{path}: permission denied") from None
    except OSError as exc:
        raise TaskError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_task_text(text, source=str(path))


def parse_task_text(text: str, source: str) -> TaskSpec:
    """Parse a task from JSON text; `source` names it in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskError(
            f"{source}: bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise TaskError(f"{source}: bad JSON: nested too deeply") from None
    return parse_task(data, source)


def parse_task(data: object, source: str) -> TaskSpec:
    """Validate a decoded task object."""
    if not isinstance(source, str) or not source:
        raise TaskError("field 'source': expected a string naming where the task came from")
    source = _encodable(source, "source", "task")
    if not isinstance(data, dict):
        raise TaskError(f"{source}: expected a JSON object with 'name' and 'steps'")
    unknown = [k for k in data if k not in _TASK_FIELDS]
    if unknown:
        raise TaskError(
            f"{source}: unknown field '{unknown[0]}' (expected: {', '.join(_TASK_FIELDS)})"
        )
    name = _required_text(data, "name", source)
    steps_raw = data.get("steps")
    if steps_raw is None:
        raise TaskError(f"{source}: missing field 'steps' (a list of {{desc, cmd}})")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise TaskError(f"{source}: field 'steps': expected a non-empty list of {{desc, cmd}}")
    steps = tuple(_parse_step(raw, f"steps[{i}]", source) for i, raw in enumerate(steps_raw))
    repo = _optional_text(data, "repo", source)
    branch = _optional_text(data, "branch", source)
    if branch is not None and repo is None:
        raise TaskError(f"{source}: field 'branch' needs a 'repo' to take the branch from")
    variables = _parse_variables(data.get("variables"), source)
    timeout = _parse_timeout(data.get("timeout"), "timeout", source)
    spec = TaskSpec(
        name=name,
        steps=steps,
        repo=repo,
        branch=branch,
        variables=variables,
        timeout=timeout,
        source=source,
    )
    task_variables(spec)  # reject malformed references early
    return spec


def _parse_step(raw: object, where: str, source: str) -> StepSpec:
    if not isinstance(raw, dict):
        raise TaskError(f"{source}: field '{where}': expected an object {{desc, cmd}}")
    unknown = [k for k in raw if k not in _STEP_FIELDS]
    if unknown:
        raise TaskError(
            f"{source}: field '{where}.{unknown[0]}' is unknown "
            f"(expected: {', '.join(_STEP_FIELDS)})"
        )
    if "cmd" not in raw:
        raise TaskError(f"{source}: field '{where}.cmd' is missing (the shell command to run)")
    cmd = raw["cmd"]
    if not isinstance(cmd, str) or not cmd.strip():
        raise TaskError(f"{source}: field '{where}.cmd': expected a non-empty string")
    desc = raw.get("desc", cmd)
    if not isinstance(desc, str):
        raise TaskError(f"{source}: field '{where}.desc': expected a string")
    _encodable(cmd, f"{where}.cmd", source)
    _encodable(desc, f"{where}.desc", source)
    timeout = _parse_timeout(raw.get("timeout"), f"{where}.timeout", source)
    return StepSpec(desc=desc or cmd, cmd=cmd, timeout=timeout)


def _encodable(text: str, where: str, source: str) -> str:
    """`text` if it can be written as UTF-8 (no lone surrogates such as "\\ud800")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TaskError(
            f"{source}: field '{where}': not valid text (a lone surrogate "
            f"\\u{ord(text[exc.start]):04x} at character {exc.start})"
        ) from None
    return text


def _required_text(data: dict, key: str, source: str) -> str:
    if key not in data:
        raise TaskError(f"{source}: missing field '{key}'")
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise TaskError(f"{source}: field '{key}': expected a non-empty string")
    return _encodable(value, key, source)


def _optional_text(data: dict, key: str, source: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TaskError(f"{source}: field '{key}': expected a non-empty string")
    return _encodable(value, key, source)


def _parse_timeout(value: object, where: str, source: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= MAX_TIMEOUT_SECONDS
    ):
        raise TaskError(
            f"{source}: field '{where}': expected a number of seconds above 0 "
            f"and at most {MAX_TIMEOUT_SECONDS} (a year)"
        )
    return float(value)


def _parse_variables(raw: object, source: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TaskError(f"{source}: field 'variables': expected an object of name -> default")
    variables: dict[str, str] = {}
    for name, default in raw.items():
        if not _NAME.fullmatch(name):
            raise TaskError(
                f"{source}: field 'variables': '{name}' is not a valid name "
                "(letters, digits and _, not starting with a digit)"
            )
        if isinstance(default, bool) or not isinstance(default, str | int | float):
            raise TaskError(
                f"{source}: field 'variables.{name}': expected a string or number default"
            )
        variables[name] = _encodable(str(default), f"variables.{name}", source)
    return variables


def _template_fields(spec: TaskSpec) -> list[tuple[str, str]]:
    """Every templated string of a task, with the field it sits in."""
    fields = [("name", spec.name)]
    if spec.repo is not None:
        fields.append(("repo", spec.repo))
    if spec.branch is not None:
        fields.append(("branch", spec.branch))
    for i, step in enumerate(spec.steps):
        fields.append((f"steps[{i}].desc", step.desc))
        fields.append((f"steps[{i}].cmd", step.cmd))
    return fields


def referenced_variables(spec: TaskSpec) -> list[str]:
    """Names used as `{{name}}` in the task, in order of first use."""
    names: list[str] = []
    for where, text in _template_fields(spec):
        for match in _REFERENCE.finditer(text):
            name = match.group(1).strip()
            if not _NAME.fullmatch(name):
                raise TaskError(
                    f"{spec.source}: field '{where}': '{match.group(0)}' is not a valid "
                    "variable reference (expected {{name}} with letters, digits and _)"
                )
            if name not in names:
                names.append(name)
    return names


def task_variables(spec: TaskSpec) -> list[str]:
    """All variables a task knows: declared ones first, then ones only referenced."""
    names = list(spec.variables)
    for name in referenced_variables(spec):
        if name not in names:
            names.append(name)
    return names


def has_variables(spec: TaskSpec) -> bool:
    """Whether the task needs values (declared or referenced variables)."""
    return bool(task_variables(spec))


def resolve_task(spec: TaskSpec, values: dict[str, str] | None = None) -> TaskSpec:
    """Fill every `{{name}}` from `values`, else the defaults.

    An unknown name in `values`, a referenced name with no value, or an oversized value is a
    TaskError naming the variable.
    """
    values = dict(values or {})
    known = task_variables(spec)
    for name, value in values.items():
        if name not in known:
            listed = ", ".join(known) if known else "none"
            raise TaskError(
                f"{spec.source}: unknown variable '{name}' (this task's variables: {listed})"
            )
        if not isinstance(value, str):
            raise TaskError(f"{spec.source}: variable '{name}': expected a string value")
        _encodable(value, f"--var {name}", str(spec.source))
        if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
            raise TaskError(f"{spec.source}: variable '{name}': value is over 64 KiB")
    merged = {**spec.variables, **values}
    for name in referenced_variables(spec):
        if name not in merged:
            raise TaskError(
                f"{spec.source}: missing variable '{name}': it has no default; "
                f"give it with --var {name}=VALUE"
            )

    def fill(text: str) -> str:
        return _REFERENCE.sub(lambda m: merged[m.group(1).strip()], text)

    return replace(
        spec,
        name=fill(spec.name),
        repo=fill(spec.repo) if spec.repo is not None else None,
        branch=fill(spec.branch) if spec.branch is not None else None,
        steps=tuple(
            StepSpec(desc=fill(s.desc), cmd=fill(s.cmd), timeout=s.timeout) for s in spec.steps
        ),
        variables=merged,
    )


def parse_var_assignment(text: str) -> tuple[str, str]:
    """Split a `--var K=V` argument; the name must be a valid variable name."""
    name, sep, value = text.partition("=")
    if not sep or not _NAME.fullmatch(name):
        raise TaskError(f"--var {text!r}: expected NAME=VALUE with NAME of letters, digits and _")
    return name, value
