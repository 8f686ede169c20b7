"""`flow-tool.toml`, the tool-owned contract, validated field by field.

version = 1
id = "codex-session-browser"
language = "go"
binary_name = "codex-session-browser"
description = "Browse Codex sessions"
aliases = ["csb"]                       # optional
min_aio_version = "0.1.0"               # optional
[exec]
run = ["go", "run", "."]
build = ["go", "build", "./..."]        # optional
env = { GOFLAGS = "-mod=mod" }          # optional
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "flow-tool.toml"
TOOL_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_TOP = (
    "version",
    "id",
    "language",
    "binary_name",
    "description",
    "exec",
    "aliases",
    "min_aio_version",
    "install",
)
_EXEC = ("run", "build", "env")


class ManifestError(ValueError):
    """A manifest that does not hold: names the file, the field and what was expected."""


@dataclass(frozen=True, slots=True)
class ToolManifest:
    id: str
    language: str
    binary_name: str
    description: str
    run: tuple[str, ...]
    build: tuple[str, ...] | None = None
    env: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    min_aio_version: str | None = None
    path: str | None = None

    @property
    def source_root(self) -> Path:
        return Path(self.path).parent if self.path else Path.cwd()

    def to_dict(self) -> dict:
        data: dict = {
            "version": 1,
            "id": self.id,
            "language": self.language,
            "binary_name": self.binary_name,
            "description": self.description,
            "exec": {"run": list(self.run)},
        }
        if self.build:
            data["exec"]["build"] = list(self.build)
        if self.env:
            data["exec"]["env"] = dict(self.env)
        if self.aliases:
            data["aliases"] = list(self.aliases)
        if self.min_aio_version:
            data["min_aio_version"] = self.min_aio_version
        return data


def manifest_path(path: Path) -> Path:
    """The manifest a path names: the file itself, or `flow-tool.toml` in the folder."""
    return path / MANIFEST_NAME if path.is_dir() else path


def load_manifest(path: Path) -> ToolManifest:
    """Read and validate a manifest file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file (expected a {MANIFEST_NAME})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    return parse_manifest(data, str(path))


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def parse_manifest(data: object, source: str, aio_version: str | None = None) -> ToolManifest:
    """Validate a decoded manifest; `source` names it in errors."""
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: expected a table of fields")
    unknown = [k for k in data if k not in _TOP]
    if unknown:
        raise ManifestError(f"{source}: unknown field '{unknown[0]}' (expected: {', '.join(_TOP)})")
    if data.get("version") != 1:
        raise ManifestError(f"{source}: field 'version': expected 1, got {data.get('version')!r}")
    tool_id = _text(data, "id", source)
    if not TOOL_ID.fullmatch(tool_id):
        raise ManifestError(
            f"{source}: field 'id': {tool_id!r} is not a tool id "
            "(lowercase letters, digits, '.', '_' and '-', at most 64)"
        )
    exec_table = data.get("exec")
    if not isinstance(exec_table, dict):
        raise ManifestError(f'{source}: missing table [exec] with run = ["command", ...]')
    unknown = [k for k in exec_table if k not in _EXEC]
    if unknown:
        raise ManifestError(
            f"{source}: unknown field 'exec.{unknown[0]}' (expected: {', '.join(_EXEC)})"
        )
    run = _argv(exec_table.get("run"), "exec.run", source, required=True)
    build = _argv(exec_table.get("build"), "exec.build", source, required=False)
    env = exec_table.get("env", {})
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ManifestError(f"{source}: field 'exec.env': expected a table of strings")
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(
        isinstance(a, str) and TOOL_ID.fullmatch(a) for a in aliases
    ):
        raise ManifestError(f"{source}: field 'aliases': expected a list of tool ids")
    minimum = data.get("min_aio_version")
    if minimum is not None:
        if not isinstance(minimum, str) or not re.fullmatch(r"\d+(\.\d+)*", minimum):
            raise ManifestError(f"{source}: field 'min_aio_version': expected a version like 0.1.0")
        from aio import __version__

        current = aio_version or __version__
        if _version_tuple(minimum) > _version_tuple(current):
            raise ManifestError(
                f"{source}: field 'min_aio_version': needs aio {minimum}, this is {current}"
            )
    return ToolManifest(
        id=tool_id,
        language=_text(data, "language", source),
        binary_name=_text(data, "binary_name", source),
        description=_text(data, "description", source, required=False) or "",
        run=run,
        build=build,
        env=dict(env),
        aliases=tuple(aliases),
        min_aio_version=minimum,
        path=source,
    )


def _text(data: dict, key: str, source: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{source}: field '{key}': expected a non-empty string")
    return value


def _argv(value: object, key: str, source: str, required: bool) -> tuple[str, ...] | None:
    if value is None and not required:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ManifestError(
            f"{source}: field '{key}': expected a non-empty list of strings, "
            'like ["go", "run", "."]'
        )
    if not value[0]:
        raise ManifestError(f"{source}: field '{key}': the command (first item) is empty")
    return tuple(value)
