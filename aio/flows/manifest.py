"""`flow.toml` manifests: reading and validating one flow (pure, no I/O but reading its files).

    name = "release-notes"        # required, a non-empty string
    version = 1                   # required, a number
    description = "..."           # optional
    [config]                      # optional, handed to every step in its context
    [[steps]]                     # one or more
    name = "draft"                # required, unique in the flow
    runner = "python"             # bun, node, python or sh (the seed's code-mode is refused)
    script = "steps/draft.py"     # required, relative to the flow's folder, a file
    timeout_ms = 300000           # optional (default 300000)
    cwd = "work"                  # optional, a folder relative to the flow's folder
    retries = 0                   # optional (aio's addition): more attempts after a failure
    [steps.trigger]               # optional: a step without one never runs
    type = "release.published"    # required: the event type it runs for, exactly
    schema = "schemas/x.json"     # optional: a JSON Schema file the payload must validate against

Every error is a FlowManifestError naming the file, the field and what was expected.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import FormatChecker
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

RUNNERS = ("bun", "node", "python", "sh")
DEFAULT_TIMEOUT_MS = 300_000
MAX_TIMEOUT_MS = 366 * 24 * 3600 * 1000
MAX_RETRIES = 100
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_NAME_CHARS = 100
_FLOW_FIELDS = ("name", "version", "description", "config", "guidance", "steps")
_STEP_FIELDS = ("name", "runner", "script", "timeout_ms", "cwd", "retries", "trigger")
_TRIGGER_FIELDS = ("type", "schema")


class FlowManifestError(ValueError):
    """A flow.toml (or a schema it names) is not acceptable; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """What a step runs for: an event type, and the JSON Schema its payload must meet."""

    type: str
    schema_file: str | None = None  # as written, relative to the flow's folder
    schema: dict | None = None
    # The schema's validator, built once when the manifest is read, not for every event.
    validator: object | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of a flow, with its paths resolved."""

    name: str
    runner: str
    script: str  # absolute
    timeout_ms: int
    cwd: str  # absolute: the flow's folder or its `cwd`
    retries: int = 0
    trigger: Trigger | None = None

    def summary(self, root: str) -> dict:
        trigger = self.trigger
        return {
            "name": self.name,
            "runner": self.runner,
            "script": str(Path(self.script).relative_to(root)),
            "timeoutMs": self.timeout_ms,
            "cwd": self.cwd,
            "retries": self.retries,
            "trigger": {"type": trigger.type, "schema": trigger.schema_file} if trigger else None,
        }


@dataclass(frozen=True, slots=True)
class Flow:
    """A loaded flow: its manifest and where it was found."""

    name: str
    version: float
    root: str
    manifest_path: str
    steps: tuple[FlowStep, ...]
    description: str | None = None
    config: dict | None = None

    def summary(self) -> dict:
        """What `aio flow ls` and the API show of a flow."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "root": self.root,
            "manifest": self.manifest_path,
            "steps": [s.summary(self.root) for s in self.steps],
        }


def load_flow(folder: Path) -> Flow:
    """Read and validate `folder/flow.toml`."""
    path = folder / "flow.toml"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FlowManifestError(f"{path}: no such file") from None
    except OSError as exc:
        raise FlowManifestError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise FlowManifestError(f"{path}: a flow.toml may be at most 1 MiB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FlowManifestError(f"{path}: not UTF-8 text (at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise FlowManifestError(f"{path}: not valid TOML: {exc}") from None
    return parse_manifest(data, folder.resolve(), str(path))


def parse_manifest(data: dict, root: Path, source: str) -> Flow:
    """Validate a decoded flow.toml whose folder is `root`; `source` names it in errors."""
    _no_unknown(data, _FLOW_FIELDS, "", source)
    name = _name(data, "name", source)
    version = data.get("version")
    if version is None:
        raise FlowManifestError(f"{source}: missing field 'version' (a number)")
    if isinstance(version, bool) or not isinstance(version, int | float) or math.isnan(version):
        raise FlowManifestError(f"{source}: field 'version': expected a number")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise FlowManifestError(f"{source}: field 'description': expected a string")
    config = data.get("config")
    if config is not None and not isinstance(config, dict):
        raise FlowManifestError(f"{source}: field 'config': expected a table ([config])")
    steps_raw = data.get("steps")
    if steps_raw is None:
        raise FlowManifestError(f"{source}: missing [[steps]]: a flow needs at least one step")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise FlowManifestError(f"{source}: field 'steps': expected one or more [[steps]] tables")
    steps = tuple(_step(raw, f"steps[{i}]", root, source) for i, raw in enumerate(steps_raw))
    seen: set[str] = set()
    for i, step in enumerate(steps):
        if step.name in seen:
            raise FlowManifestError(
                f"{source}: field 'steps[{i}].name': '{step.name}' is the name of an earlier "
                "step; expected a name unique in the flow"
            )
        seen.add(step.name)
    return Flow(
        name=name,
        version=version,
        root=str(root),
        manifest_path=source,
        steps=steps,
        description=description,
        config=config,
    )


def _no_unknown(data: dict, known: tuple[str, ...], where: str, source: str) -> None:
    unknown = [k for k in data if k not in known]
    if unknown:
        raise FlowManifestError(
            f"{source}: unknown field '{where}{unknown[0]}' (expected: {', '.join(known)})"
        )


def _name(data: dict, key: str, source: str, where: str = "") -> str:
    if key not in data:
        raise FlowManifestError(f"{source}: missing field '{where}{key}' (a non-empty string)")
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise FlowManifestError(f"{source}: field '{where}{key}': expected a non-empty string")
    if len(value) > MAX_NAME_CHARS or not value.isprintable() or value != value.strip():
        raise FlowManifestError(
            f"{source}: field '{where}{key}': expected at most {MAX_NAME_CHARS} printable "
            "characters, without spaces around them"
        )
    return value


def _inside(root: Path, text: object, where: str, source: str, what: str) -> Path:
    """`text` as a path relative to the flow's folder, staying inside it."""
    if not isinstance(text, str) or not text.strip():
        raise FlowManifestError(f"{source}: field '{where}': expected a path relative to the flow")
    if Path(text).is_absolute():
        raise FlowManifestError(
            f"{source}: field '{where}': '{text}' is absolute; expected a path relative to "
            f"the flow's folder {root}"
        )
    path = (root / text).resolve()
    if not path.is_relative_to(root):
        raise FlowManifestError(
            f"{source}: field '{where}': '{text}' leads out of the flow's folder {root}"
        )
    if what == "file" and not path.is_file():
        raise FlowManifestError(f"{source}: field '{where}': no such file {path}")
    if what == "folder" and not path.is_dir():
        raise FlowManifestError(f"{source}: field '{where}': no such folder {path}")
    return path


def _whole(raw: dict, key: str, where: str, source: str, low: int, high: int, default: int):
    value = raw.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high
        or value != int(value)
    ):
        raise FlowManifestError(
            f"{source}: field '{where}.{key}': expected a whole number from {low} to {high}"
        )
    return int(value)


def _step(raw: object, where: str, root: Path, source: str) -> FlowStep:
    if not isinstance(raw, dict):
        raise FlowManifestError(f"{source}: field '{where}': expected a [[steps]] table")
    _no_unknown(raw, _STEP_FIELDS, f"{where}.", source)
    name = _name(raw, "name", source, f"{where}.")
    runner = raw.get("runner")
    if runner is None:
        raise FlowManifestError(
            f"{source}: missing field '{where}.runner' (one of {', '.join(RUNNERS)})"
        )
    if runner == "code-mode":
        raise FlowManifestError(
            f"{source}: field '{where}.runner': code-mode is not supported by aio "
            f"(expected one of {', '.join(RUNNERS)})"
        )
    if runner not in RUNNERS:
        raise FlowManifestError(
            f"{source}: field '{where}.runner': expected one of {', '.join(RUNNERS)}, "
            f"got {json.dumps(runner)}"
        )
    if "script" not in raw:
        raise FlowManifestError(
            f"{source}: missing field '{where}.script' (a file relative to the flow's folder)"
        )
    script = _inside(root, raw["script"], f"{where}.script", source, "file")
    cwd = _inside(root, raw["cwd"], f"{where}.cwd", source, "folder") if "cwd" in raw else root
    timeout = _whole(raw, "timeout_ms", where, source, 1, MAX_TIMEOUT_MS, DEFAULT_TIMEOUT_MS)
    retries = _whole(raw, "retries", where, source, 0, MAX_RETRIES, 0)
    trigger = (
        _trigger(raw["trigger"], f"{where}.trigger", root, source) if "trigger" in raw else None
    )
    return FlowStep(name, runner, str(script), timeout, str(cwd), retries, trigger)


def _trigger(raw: object, where: str, root: Path, source: str) -> Trigger:
    if not isinstance(raw, dict):
        raise FlowManifestError(f"{source}: field '{where}': expected a table ([steps.trigger])")
    _no_unknown(raw, _TRIGGER_FIELDS, f"{where}.", source)
    kind = _name(raw, "type", source, f"{where}.")
    if "schema" not in raw:
        return Trigger(kind)
    path = _inside(root, raw["schema"], f"{where}.schema", source, "file")
    schema = read_schema(path, f"{source}: field '{where}.schema'")
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    return Trigger(kind, raw["schema"], schema, validator)


def read_schema(path: Path, where: str) -> dict:
    """A JSON Schema file, checked against its own metaschema (draft 2020-12 unless it says)."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowManifestError(f"{where}: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FlowManifestError(
            f"{where}: {path} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise FlowManifestError(f"{where}: {path}: JSON nested too deeply") from None
    if not isinstance(schema, dict):
        raise FlowManifestError(f"{where}: {path} must hold a JSON object (a JSON Schema)")
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        at = "/".join(str(p) for p in exc.path)
        raise FlowManifestError(
            f"{where}: {path} is not a valid JSON Schema: {exc.message}"
            + (f" (at {at})" if at else "")
        ) from None
    return schema
