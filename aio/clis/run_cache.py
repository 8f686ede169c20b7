"""What `aio cli ID` last resolved ID to, so that the next run can exec the tool at once.

Resolving an id reads every link file and manifest (TOML), and the registry's modules need
`tomllib`, `dataclasses` and `pathlib`: together several Python starts' worth of imports. After a
successful resolve, `aio cli` records the answer in `$AIO_HOME/cli/run-cache.json` with the
stat of everything that could change it: the links and installs folders (a tool added, replaced
or removed renames a file there), `index.json` (which record is active), `config.toml`, and the
tool's manifest. A run whose stats all match execs the recorded command; any difference, or a
name that is an alias rather than an id, or a development-root tool (a new folder could shadow
it), takes the full resolve. Stdlib only, and no `json` (see `aio.text.c_json`).
"""

from __future__ import annotations

import os

from aio.core.private_files import write_private
from aio.text.c_json import dumps, loads

CACHE_VERSION = 1


def cache_path(home: str) -> str:
    return os.path.join(home, "cli", "run-cache.json")


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _inputs(home: str, manifest_path: str) -> dict[str, list[int] | None]:
    cli = os.path.join(home, "cli")
    return {
        "links": _stat(os.path.join(cli, "links")),
        "installs": _stat(os.path.join(cli, "installs")),
        "index": _stat(os.path.join(cli, "index.json")),
        "config": _stat(os.path.join(home, "config.toml")),
        "manifest": _stat(manifest_path),
    }


def cached_command(home: str, name: str) -> dict | None:
    """The recorded {"id", "source_root", "run", "env"} for `name` if nothing it depends on
    changed since; None otherwise (then resolve in full)."""
    try:
        with open(cache_path(home), "rb") as file:
            data = loads(file.read())
        entry = data["tools"][name]
        if data["version"] != CACHE_VERSION or entry["inputs"] != _inputs(
            home, entry["manifest_path"]
        ):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry


def remember(home: str, name: str, record, manifest) -> None:
    """Record a resolve of `name` (a registered link or install, by its id); best effort."""
    if record.kind not in ("link", "install") or name != record.id or record.problem:
        return
    path = cache_path(home)
    try:
        with open(path, "rb") as file:
            data = loads(file.read())
        tools = data["tools"] if data.get("version") == CACHE_VERSION else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        tools = {}
    manifest_path = str(record.manifest_path)
    tools[name] = {
        "id": record.id,
        "source_root": str(record.source_root),
        "manifest_path": manifest_path,
        "run": list(manifest.run),
        "env": dict(manifest.env),
        "inputs": _inputs(home, manifest_path),
    }
    try:
        write_private(path, dumps({"version": CACHE_VERSION, "tools": tools}))
    except OSError:  # a cache that cannot be written is only slower next time
        return
