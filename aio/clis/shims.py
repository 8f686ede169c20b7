"""Shims: a tool's `binary_name` as a small `/bin/sh` script in a bin folder on PATH, so the
tool runs by its own name with no Python start (`aio install --shim`, `aio cli shim ID`).

The script does what `aio cli ID` does, fixed at the time it is written: set the manifest's
`env` and `AIO_CALLER_CWD`, change to the tool's source folder, and `exec` the manifest's
`run` with the arguments unchanged ("$@"). Its second line is a signature naming the tool; aio
never overwrites or removes a file without it (a file it did not write). Which shims exist is
kept in `$AIO_HOME/cli/shims.json` ({tool id: path}), so `uninstall` removes them and `doctor`
reports one that is missing or stale (written for another folder or command: rewrite it with
`aio cli shim ID`). The bin folder is `--bin DIR`, else `cli_bin_dir` in config.toml, else
`~/.local/bin`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from aio.clis.manifest import ToolManifest
from aio.clis.registry import ToolRecord, cli_dir
from aio.core.private_files import private_dir, write_private

DEFAULT_BIN_DIR = "~/.local/bin"
SIGNATURE = "# aio shim for "  # + the tool id; the second line of every shim aio writes


class ShimError(RuntimeError):
    """A shim that cannot be written or removed; nothing was changed."""


def _quote(text: str) -> str:
    """`text` as one /bin/sh word: single quotes, each `'` written as `'\\''`."""
    return "'" + text.replace("'", "'\\''") + "'"


def _is_name(key: str) -> bool:
    """A variable name /bin/sh accepts: letters, digits, `_`, not starting with a digit."""
    return bool(key) and key.isascii() and not key[0].isdigit() and key.replace("_", "a").isalnum()


def shim_text(record: ToolRecord, manifest: ToolManifest) -> str:
    """The script for `record`, as `aio cli ID` would run it now. ShimError if the manifest's
    env has a name a shell cannot set."""
    bad = [key for key in manifest.env if not _is_name(key)]
    if bad:
        raise ShimError(
            f"{record.id}: exec.env name {bad[0]!r} cannot be set by a shell script; "
            "no shim written (aio cli ID runs it)"
        )
    lines = [
        "#!/bin/sh",
        f"{SIGNATURE}{record.id} (written by aio; `aio cli uninstall {record.id}` removes it)",
        "# runs: aio cli " + record.id + ' -- "$@", without starting Python',
        # Inside an aio job the caller is whoever queued the job, as with `aio cli`.
        'if [ -z "${AIO_JOB_ID:-}" ] || [ -z "${AIO_CALLER_CWD:-}" ]; then',
        "  AIO_CALLER_CWD=$PWD",
        "fi",
        "export AIO_CALLER_CWD",
    ]
    for key, value in manifest.env.items():
        lines.append(f"{key}={_quote(value)}; export {key}")
    lines.append(f"cd {_quote(str(record.source_root))} || exit 127")
    lines.append("exec " + " ".join(_quote(word) for word in manifest.run) + ' "$@"')
    return "\n".join(lines) + "\n"


def bin_dir(configured: str | None, given: str | None) -> Path:
    """The folder shims go to: `--bin DIR`, else the config's `cli_bin_dir`, else ~/.local/bin."""
    return Path(os.path.expanduser(given or configured or DEFAULT_BIN_DIR)).absolute()


def written_by_aio(path: Path) -> str | None:
    """The tool id in the signature of the shim at `path`; None if it is not aio's."""
    try:
        with path.open("rb") as file:
            head = file.read(512).split(b"\n")
    except OSError:
        return None
    if len(head) < 2 or head[0] != b"#!/bin/sh":
        return None
    second = head[1].decode("utf-8", errors="replace")
    if not second.startswith(SIGNATURE):
        return None
    return second[len(SIGNATURE) :].split(" ", 1)[0]


def _index_path(home: Path) -> Path:
    return cli_dir(home) / "shims.json"


def recorded(home: Path) -> dict[str, str]:
    """{tool id: shim path} of the shims aio wrote for this home."""
    try:
        data = json.loads(_index_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _save(home: Path, shims: dict[str, str]) -> None:
    private_dir(cli_dir(home))
    write_private(_index_path(home), json.dumps(shims, indent=2, sort_keys=True) + "\n")


def write_shim(home: Path, record: ToolRecord, manifest: ToolManifest, folder: Path) -> Path:
    """Write (or refresh) the shim of `record` in `folder`; its path. ShimError if a file of
    that name is there and aio did not write it (or wrote it for another tool)."""
    name = manifest.binary_name
    if "/" in name or name in (".", ".."):
        raise ShimError(f"{record.id}: binary_name {name!r} is not a file name")
    path = folder / name
    if path.exists() or path.is_symlink():
        owner = written_by_aio(path) if path.is_file() and not path.is_symlink() else None
        if owner is None:
            raise ShimError(f"{path} exists and was not written by aio; it was left alone")
        if owner != record.id:
            raise ShimError(f"{path} is the shim of {owner}; it was left alone")
    text = shim_text(record, manifest)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".{name}.aio-{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o755)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except OSError as exc:
        raise ShimError(f"cannot write the shim {path}: {exc.strerror}") from None
    shims = recorded(home)
    shims[record.id] = str(path)
    _save(home, shims)
    return path


def remove_shim(home: Path, tool_id: str) -> Path | None:
    """Remove the recorded shim of `tool_id` if it is still aio's; its path, or None."""
    shims = recorded(home)
    where = shims.pop(tool_id, None)
    if where is None:
        return None
    path = Path(where)
    removed = None
    if written_by_aio(path) == tool_id:
        path.unlink()
        removed = path
    _save(home, shims)
    return removed


def shim_problem(home: Path, record: ToolRecord, manifest: ToolManifest) -> tuple[str, bool] | None:
    """What `doctor` says of the tool's shim: (detail, ok); None if aio wrote none for it."""
    where = recorded(home).get(record.id)
    if where is None:
        return None
    path = Path(where)
    if written_by_aio(path) != record.id:
        return f"{path} is missing (aio cli shim {record.id} writes it again)", False
    try:
        expected = shim_text(record, manifest)
    except ShimError as exc:
        return str(exc), False
    if path.read_text(encoding="utf-8", errors="replace") != expected:
        return (
            f"{path} is stale: it runs an older folder or command "
            f"(aio cli shim {record.id} rewrites it)",
            False,
        )
    return str(path), True


def on_path(folder: Path) -> bool:
    entries = os.environ.get("PATH", "").split(os.pathsep)
    return any(entry and Path(entry).absolute() == folder for entry in entries)
