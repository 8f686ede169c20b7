"""Running, checking, upgrading and removing registered CLIs."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from aio.clis.install import InstallError, InstallResult, install_remote, load_catalog, run_build
from aio.clis.manifest import ManifestError
from aio.clis.registry import (
    DEFAULT_DEV_ROOTS,
    ToolRecord,
    read_index,
    resolve,
    write_index,
)


@dataclass(slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def doctor(record: ToolRecord, build: bool = True) -> list[Check]:
    """Manifest valid, source present, the toolchain command on PATH, the build step runs."""
    checks: list[Check] = []
    try:
        manifest = record.manifest()
        checks.append(Check("manifest", True, str(record.manifest_path)))
    except ManifestError as exc:
        return [Check("manifest", False, str(exc))]
    present = record.source_root.is_dir()
    checks.append(Check("source", present, str(record.source_root)))
    command = manifest.run[0]
    if "/" in command:
        found = (record.source_root / command).is_file() and os.access(
            record.source_root / command, os.X_OK
        )
        where = str(record.source_root / command)
    else:
        located = shutil.which(command, path=os.environ.get("PATH"))
        found, where = located is not None, located or f"{command} is not on PATH"
    checks.append(Check("command", found, where))
    if manifest.build and build and present:
        code, output = run_build(manifest, record.source_root)
        last = output.strip().splitlines()[-1] if output.strip() else ""
        checks.append(Check("build", code == 0, f"exit {code}" + (f": {last}" if last else "")))
    elif manifest.build and not present:
        checks.append(Check("build", False, "not run: the source folder is missing"))
    return checks


def uninstall(home: Path, tool_id: str, dev_roots=DEFAULT_DEV_ROOTS) -> ToolRecord:
    """Remove the active registered record of a tool (a link file or an install folder)."""
    record = resolve(home, tool_id, dev_roots)
    if record.kind == "dev":
        raise InstallError(
            f"{record.id} is a development folder ({record.source_root}), not installed; "
            "there is nothing to uninstall"
        )
    if record.kind == "link":
        record.record_path.unlink()
    else:
        shutil.rmtree(record.record_path)
    active = read_index(home)["active"]
    active.pop(record.id, None)
    write_index(home, active)
    return record


def _version_key(text: str | None) -> tuple:
    parts = []
    for part in (text or "0").split("."):
        parts.append((0, int(part)) if part.isdigit() else (1, part))
    return tuple(parts)


def upgrade(home: Path, tool_id: str, catalog: str, dev_roots=DEFAULT_DEV_ROOTS) -> InstallResult:
    """Install the catalog's newest version of a remotely installed tool, replacing the old."""
    record = resolve(home, tool_id, dev_roots)
    if record.kind != "install":
        raise InstallError(
            f"{record.id} is a {record.kind} ({record.source_root}), not a catalog install; "
            "only catalog installs upgrade"
        )
    candidates = [r for r in load_catalog(catalog) if r.get("id") == record.id]
    newest = max(candidates, key=lambda r: _version_key(r.get("version")), default=None)
    if newest is None or _version_key(newest.get("version")) <= _version_key(record.version):
        return InstallResult(record, f"{record.id} {record.version} is the newest", False)
    from aio.clis.install import normalise_install_id

    new_id = normalise_install_id(str(newest.get("install_id", "")))
    if new_id is None:
        raise InstallError(
            f"catalog record for {record.id} {newest.get('version')}: bad install_id"
        )
    result = install_remote(
        home, new_id, catalog, force=True, dev_roots=dev_roots, replaces=record.install_id
    )
    shutil.rmtree(record.record_path, ignore_errors=True)
    write_index(home)
    old = record.version or "?"
    return InstallResult(
        result.record, f"upgraded {record.id} {old} -> {newest.get('version')}", True
    )
