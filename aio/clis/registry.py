"""The CLI registry under `$AIO_HOME/cli/`, and resolving a tool id.

    links/<id>.toml              a local source install: id, source_root, manifest_path, ...
    installs/<install_id>/       a remote install: source/, flow-tool.toml (resolved copy),
                                 install.json (id, version, published_at, sha256, url, ...)
    installs/.tmp-<install_id>-*/  an install being built, locked by its process (staging.py)
    index.json                   what is registered, rebuilt after every change, and which
                                 record is active for an id that a forced install shadowed

What aio makes here is private: folders 0700, files 0600 (a bundle's executables 0700).

A tool id resolves in this order: registered links, registered remote installs, then the
development roots (default `~/code/lang/*/cli/*`), unless `index.json` names an active record.
Aliases resolve like ids.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aio.clis.manifest import ManifestError, ToolManifest, load_manifest, manifest_path
from aio.core.private_files import private_dir, write_private

DEFAULT_DEV_ROOTS = ("~/code/lang/*/cli/*",)


def cli_dir(home: Path) -> Path:
    return home / "cli"


def links_dir(home: Path) -> Path:
    return cli_dir(home) / "links"


def installs_dir(home: Path) -> Path:
    return cli_dir(home) / "installs"


def index_path(home: Path) -> Path:
    return cli_dir(home) / "index.json"


@dataclass(slots=True)
class ToolRecord:
    """One way a tool id can be run: a link, a remote install, or a dev-root folder."""

    id: str
    kind: str  # "link" | "install" | "dev"
    source_root: Path
    manifest_path: Path
    record_path: Path | None = None
    install_id: str | None = None
    version: str | None = None
    published_at: str | None = None
    installed_at: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()
    problem: str | None = None  # a record whose manifest no longer loads
    conflicts: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"install:{self.install_id}" if self.kind == "install" else self.kind

    def manifest(self) -> ToolManifest:
        return load_manifest(self.manifest_path)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "path": str(self.source_root),
            "source_root": str(self.source_root),
            "manifest_path": str(self.manifest_path),
            "install_id": self.install_id,
            "version": self.version,
            "published_at": self.published_at,
            "installed_at": self.installed_at,
            "description": self.description,
            "aliases": list(self.aliases),
            "problem": self.problem,
            "conflicts": list(self.conflicts),
        }


class ToolNotFound(LookupError):
    def __str__(self) -> str:
        return f"no CLI '{self.args[0]}' (aio cli list shows what is installed)"


def now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False)


def ensure_cli_dir(home: Path) -> Path:
    """`$AIO_HOME/cli/`, private like the rest of the home (also one an older aio made 0755)."""
    folder = private_dir(cli_dir(home))
    os.chmod(folder, 0o700)
    return folder


def write_link(home: Path, manifest: ToolManifest, install_id: str | None = None) -> Path:
    fields = {
        "id": manifest.id,
        "source_root": str(manifest.source_root),
        "manifest_path": str(manifest.path),
        "installed_at": now_text(),
    }
    if install_id:
        fields["install_id"] = install_id
    if manifest.description:
        fields["description"] = manifest.description
    path = links_dir(home) / f"{manifest.id}.toml"
    write_private(path, "".join(f"{k} = {toml_string(v)}\n" for k, v in fields.items()))
    return path


def _with_manifest(record: ToolRecord) -> ToolRecord:
    try:
        manifest = record.manifest()
    except ManifestError as exc:
        record.problem = str(exc)
        return record
    record.aliases = manifest.aliases
    record.description = record.description or manifest.description
    if manifest.id != record.id:
        record.problem = f"{record.manifest_path}: its id is '{manifest.id}', not '{record.id}'"
    return record


def read_links(home: Path) -> list[ToolRecord]:
    records = []
    for path in sorted(links_dir(home).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            record = ToolRecord(
                id=data["id"],
                kind="link",
                source_root=Path(data["source_root"]),
                manifest_path=Path(data["manifest_path"]),
                record_path=path,
                install_id=data.get("install_id"),
                installed_at=data.get("installed_at"),
                description=data.get("description"),
            )
        except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
            record = ToolRecord(path.stem, "link", path.parent, path, path, problem=str(exc))
        records.append(_with_manifest(record))
    return records


def read_installs(home: Path) -> list[ToolRecord]:
    records = []
    for folder in sorted(p for p in installs_dir(home).glob("cli_*") if p.is_dir()):
        try:
            meta = json.loads((folder / "install.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # not a finished install
        record = ToolRecord(
            id=meta["id"],
            kind="install",
            source_root=folder / meta.get("source_root", "source"),
            manifest_path=folder / "flow-tool.toml",
            record_path=folder,
            install_id=meta["install_id"],
            version=meta.get("version"),
            published_at=meta.get("published_at"),
            installed_at=meta.get("installed_at"),
        )
        records.append(_with_manifest(record))
    return records


def read_dev_roots(patterns: tuple[str, ...] | list[str]) -> list[ToolRecord]:
    import glob

    records = []
    for pattern in patterns:
        for folder in sorted(glob.glob(os.path.expanduser(pattern))):
            candidate = manifest_path(Path(folder))
            if not candidate.is_file():
                continue
            try:
                manifest = load_manifest(candidate)
            except ManifestError:
                continue
            records.append(
                ToolRecord(
                    manifest.id,
                    "dev",
                    Path(folder),
                    candidate,
                    description=manifest.description,
                    aliases=manifest.aliases,
                )
            )
    return records


def read_index(home: Path) -> dict:
    try:
        data = json.loads(index_path(home).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"active": {}}
    return data if isinstance(data.get("active"), dict) else {"active": {}}


def write_index(home: Path, active: dict[str, str] | None = None) -> None:
    """Rebuild index.json from the records; keep (or set) the active choices."""
    keep = read_index(home)["active"] if active is None else active
    tools = read_links(home) + read_installs(home)
    present = {record.key for record in tools}
    keep = {tool_id: key for tool_id, key in keep.items() if key in present}
    write_private(
        index_path(home),
        json.dumps(
            {
                "updated_at": now_text(),
                "active": keep,
                "tools": [record.to_dict() for record in tools],
            },
            indent=2,
        )
        + "\n",
    )


def all_records(home: Path, dev_roots=DEFAULT_DEV_ROOTS) -> list[ToolRecord]:
    """Every record in resolution order: links, installs, dev roots."""
    return read_links(home) + read_installs(home) + read_dev_roots(dev_roots)


def _names(record: ToolRecord) -> set[str]:
    return {record.id, *record.aliases}


def resolve(home: Path, name: str, dev_roots=DEFAULT_DEV_ROOTS) -> ToolRecord:
    """The record that runs for `name` (an id or an alias)."""
    records = [r for r in all_records(home, dev_roots) if name in _names(r)]
    if not records:
        raise ToolNotFound(name)
    by_id = [r for r in records if r.id == name] or records
    active = read_index(home)["active"].get(by_id[0].id)
    chosen = next((r for r in by_id if r.key == active), by_id[0])
    chosen.conflicts = [f"{r.kind} {r.source_root}" for r in by_id if r is not chosen]
    return chosen


def list_tools(home: Path, dev_roots=DEFAULT_DEV_ROOTS) -> list[ToolRecord]:
    """One active record per id, with the records it shadows named as conflicts."""
    records = all_records(home, dev_roots)
    active = read_index(home)["active"]
    shown: list[ToolRecord] = []
    for tool_id in dict.fromkeys(r.id for r in records):
        same = [r for r in records if r.id == tool_id]
        chosen = next((r for r in same if r.key == active.get(tool_id)), same[0])
        chosen.conflicts = [
            f"{r.kind} {r.install_id or r.source_root}" for r in same if r is not chosen
        ]
        shown.append(chosen)
    return shown
