"""What the external-CLI tests share: real tool folders, real tarballs (honest and malicious),
a catalog of real records, and a private `$AIO_HOME` + `$HOME` driven by the real `aio` CLI.

Nothing here is a mock. `CliEnv` runs the installed `aio` console script in subprocesses with
`AIO_HOME` and `HOME` pointing into a short temporary folder under /tmp, so the development
roots (`~/code/lang/*/cli/*`) are the test's own. Catalogs are JSON files read either from a
local path or from a real HTTP server on 127.0.0.1 (see the `catalog_server` fixture).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core_harness import processes_with_home, reap_home, wait_for_exit

CLI_TIMEOUT = 60.0
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def aio_command() -> list[str]:
    """The real `aio` console script next to this Python (no pyenv shim), else `python -m aio`."""
    beside = Path(sys.executable).parent / "aio"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("aio")
    return [found] if found else [sys.executable, "-m", "aio"]


def new_install_id() -> str:
    """A fresh catalog id in the canonical form, `cli_` and a 26-character ULID."""
    return "cli_0" + "".join(secrets.choice(CROCKFORD) for _ in range(25))


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    """Poll `predicate` until it is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {value!r}")
        time.sleep(0.02)


# Tool folders


PY_TOOL = """\
import json
import os
import sys

args = sys.argv[1:]
if args[:1] == ["exit"]:
    sys.exit(int(args[1]))
report = {
    "tool": TOOL,
    "version": VERSION,
    "argv": args,
    "cwd": os.getcwd(),
    "caller": os.environ.get("AIO_CALLER_CWD"),
    "env": os.environ.get("TOOL_ENV"),
}
if args[:1] == ["stdin"]:
    report["stdin"] = sys.stdin.read()
print("REPORT " + json.dumps(report), flush=True)
"""


def manifest_text(
    tool_id: str,
    run: list[str],
    *,
    language: str = "python",
    build: list[str] | None = None,
    env: dict[str, str] | None = None,
    aliases: list[str] | None = None,
    description: str = "",
) -> str:
    lines = [
        "version = 1",
        f"id = {json.dumps(tool_id)}",
        f'language = "{language}"',
        f"binary_name = {json.dumps(tool_id)}",
    ]
    if description:
        lines.append(f"description = {json.dumps(description)}")
    if aliases:
        lines.append(f"aliases = {json.dumps(aliases)}")
    lines += ["[exec]", f"run = {json.dumps(run)}"]
    if build:
        lines.append(f"build = {json.dumps(build)}")
    if env:
        pairs = ", ".join(f"{k} = {json.dumps(v)}" for k, v in env.items())
        lines.append(f"env = {{ {pairs} }}")
    return "\n".join(lines) + "\n"


def make_py_tool(
    folder: Path,
    tool_id: str,
    *,
    version: str = "1",
    build: list[str] | None = None,
    aliases: list[str] | None = None,
    run: list[str] | None = None,
    description: str = "",
) -> Path:
    """A Python tool: prints `REPORT {json}` with its argv, cwd, AIO_CALLER_CWD and version;
    `exit N` exits N; `stdin` also reports what it read from stdin."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(
        f"TOOL = {tool_id!r}\nVERSION = {version!r}\n" + PY_TOOL, encoding="utf-8"
    )
    (folder / "flow-tool.toml").write_text(
        manifest_text(
            tool_id,
            run or [sys.executable, "main.py"],
            build=build,
            env={"TOOL_ENV": "from-manifest"},
            aliases=aliases,
            description=description,
        ),
        encoding="utf-8",
    )
    return folder


TRAP_TOOL = """\
#!/bin/bash
sleep 60 &
child=$!
trap 'kill $child; echo "handled TERM"; exit 42' TERM
echo ready
wait $child
echo "not reached"
"""


def make_shell_tool(folder: Path, tool_id: str, script: str = TRAP_TOOL) -> Path:
    """A shell tool run as `./run.sh` from its folder (by default: traps SIGTERM, exits 42)."""
    folder.mkdir(parents=True, exist_ok=True)
    run = folder / "run.sh"
    run.write_text(script)
    run.chmod(0o755)
    (folder / "flow-tool.toml").write_text(manifest_text(tool_id, ["./run.sh"], language="bash"))
    return folder


def report_of(output: str) -> dict:
    """The tool's `REPORT {json}` line."""
    for line in output.splitlines():
        if line.startswith("REPORT "):
            return json.loads(line[len("REPORT ") :])
    raise AssertionError(f"no REPORT line in the tool's output: {output!r}")


# Tarballs


def tar_folder(folder: Path, top: str | None = None) -> bytes:
    """A gzipped tarball of a folder: its files at the top, or under one folder `top`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            archive.add(path, arcname=f"{top}/{relative}" if top else relative, recursive=False)
    return buffer.getvalue()


@dataclass(frozen=True)
class Member:
    """A hand-made tarball member; `{root}` in its name or link target is filled in later."""

    name: str
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    data: bytes = b""
    pax: tuple[tuple[str, str], ...] = ()  # pax header records

    def tarinfo(self, root: Path) -> tuple[tarfile.TarInfo, io.BytesIO | None]:
        info = tarfile.TarInfo(self.name.format(root=root))
        info.pax_headers = dict(self.pax)
        info.type = self.type
        info.linkname = self.linkname.format(root=root)
        info.mode = 0o755 if self.type == tarfile.DIRTYPE else 0o644
        if self.type in (tarfile.CHRTYPE, tarfile.BLKTYPE):
            info.devmajor, info.devminor = 1, 3  # /dev/null's numbers
        if self.type == tarfile.REGTYPE:
            info.size = len(self.data)
            return info, io.BytesIO(self.data)
        return info, None


def tar_members(folder: Path | None, extra: list[Member], root: Path = Path("/")) -> bytes:
    """A tarball of a (valid) tool folder plus hand-made members, such as malicious ones."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        if folder is not None:
            for path in sorted(folder.rglob("*")):
                archive.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
        for member in extra:
            archive.addfile(*member.tarinfo(root))
    return buffer.getvalue()


def file_member(name: str, data: bytes = b"evil\n") -> Member:
    return Member(name, data=data)


def link_member(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> Member:
    return Member(name, kind, linkname=target)


def dir_member(name: str) -> Member:
    return Member(name, tarfile.DIRTYPE)


def device_member(name: str, kind: bytes = tarfile.CHRTYPE) -> Member:
    return Member(name, kind)


# Catalogs


def catalog_manifest(tool_id: str, run: list[str] | None = None) -> dict:
    """The resolved manifest a catalog record carries (the seed's shape)."""
    return {
        "version": 1,
        "id": tool_id,
        "language": "python",
        "binary_name": tool_id,
        "exec": {"run": run or [sys.executable, "main.py"]},
    }


class Catalog:
    """A catalog JSON file and its tarballs in one folder, read from `base` (a URL or None for
    the local path of the file)."""

    def __init__(self, folder: Path, base_url: str | None = None, wrap: bool = False) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url
        self.wrap = wrap  # {"clis": [...]} instead of a bare list
        self.records: list[dict] = []
        self.save()

    @property
    def location(self) -> str:
        if self.base_url:
            return f"{self.base_url}/catalog.json"
        return str(self.folder / "catalog.json")

    def url_of(self, name: str, relative: bool = False) -> str:
        if self.base_url:
            return f"{self.base_url}/{name}"
        return name if relative else str(self.folder / name)

    def save(self) -> None:
        data: Any = {"clis": self.records} if self.wrap else self.records
        temp = self.folder / ".catalog.json.tmp"
        temp.write_text(json.dumps(data, indent=1))
        os.replace(temp, self.folder / "catalog.json")

    def publish(
        self,
        tarball: bytes,
        tool_id: str,
        *,
        version: str = "1.0.0",
        manifest: dict | None = None,
        sha256: str | None = None,
        relative_url: bool = False,
        install_id: str | None = None,
    ) -> str:
        """Add a record for a tarball; returns its install id."""
        install_id = install_id or new_install_id()
        name = f"{tool_id}-{version}-{install_id[-6:]}.tgz"
        (self.folder / name).write_bytes(tarball)
        self.records.append(
            {
                "install_id": install_id,
                "id": tool_id,
                "version": version,
                "published_at": f"2026-04-0{len(self.records) % 9 + 1}T12:00:00Z",
                "source": {
                    "kind": "tarball",
                    "url": self.url_of(name, relative_url),
                    "sha256": sha256 or hashlib.sha256(tarball).hexdigest(),
                },
                "manifest": manifest or catalog_manifest(tool_id),
            }
        )
        self.save()
        return install_id


# The environment


def _state_of(path: Path) -> bytes | str | None:
    """What is at `path`: a file's bytes, "folder", or None (nothing; never followed)."""
    if path.is_symlink():
        return f"link to {os.readlink(path)}"
    if path.is_dir():
        return "folder"
    return path.read_bytes() if path.exists() else None


class CliEnv:
    """A temporary `$AIO_HOME` and `$HOME`, and the real `aio` CLI run against them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "h"  # AIO_HOME
        self.user = root / "u"  # HOME
        self.src = root / "src"  # tool folders and callers' folders
        self.user.mkdir()
        self.src.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIO_", "TMUX", "GIT_")) and "proxy" not in k.lower()
        }
        self.env.update(AIO_HOME=str(self.home), HOME=str(self.user), PYTHONUNBUFFERED="1")

    @property
    def dev_root(self) -> Path:
        """Where the default development root `~/code/lang/*/cli/*` looks (Python tools)."""
        return self.user / "code" / "lang" / "python" / "cli"

    def set_catalog(self, location: str) -> None:
        self.env["AIO_CLI_CATALOG"] = location

    def aio(
        self,
        *args: str,
        input: str | None = None,
        cwd: Path | None = None,
        timeout: float = CLI_TIMEOUT,
        prefix: tuple[str, ...] = (),
        **popen: Any,
    ) -> subprocess.CompletedProcess:
        """Run the real `aio` with this home (after `prefix`, a command that runs the rest);
        the finished process (never raises)."""
        return subprocess.run(
            [*prefix, *aio_command(), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            cwd=cwd or self.src,
            stdin=None if input is not None else subprocess.DEVNULL,
            **popen,
        )

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(
            [*aio_command(), *args], env=self.env, cwd=kwargs.pop("cwd", self.src), **kwargs
        )

    def ok(self, *args: str, **kwargs: Any) -> str:
        """Run `aio ARGS`, assert exit 0; its stdout."""
        result = self.aio(*args, **kwargs)
        assert result.returncode == 0, (
            f"aio {' '.join(args)} exited {result.returncode}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
        )
        return result.stdout

    def refused(self, *args: str, code: int = 2, **kwargs: Any) -> str:
        """Run `aio ARGS`, assert it exits `code` with one `aio: ...` line; its stderr."""
        result = self.aio(*args, **kwargs)
        assert result.returncode == code, (
            f"aio {' '.join(args)} exited {result.returncode}, expected {code}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
        )
        assert result.stderr.startswith("aio: "), result.stderr
        return result.stderr

    def refused_install(
        self, install_id: str, expected: list[str], outside: list[Path] | None = None, **kwargs: Any
    ) -> str:
        """`aio install ID` exits 2 with an error holding each of `expected`, and leaves nothing:
        no install or staging folder, the home as it was, no path of `outside` made or changed
        (each is compared before and after). Its stderr."""
        before = self.snapshot()
        outside_before = {path: _state_of(path) for path in outside or []}
        error = self.refused("install", install_id, **kwargs)
        for part in expected:
            assert part in error, f"{part!r} not in {error!r}"
        assert self.install_entries() == []  # no install, no .tmp- folder
        assert self.snapshot() == before  # the index and every record are unchanged
        for path, state in outside_before.items():
            assert _state_of(path) == state, f"{path} was written by a refused install"
        return error

    def run_tool(self, tool: str, *args: str, **kwargs: Any) -> dict:
        """`aio cli TOOL -- ARGS`, which must exit 0; the tool's report."""
        return report_of(self.ok("cli", tool, "--", *args, **kwargs))

    def link(self, folder: Path) -> None:
        """Register a tool folder in-process (setup only: what `aio install PATH` does)."""
        from aio.clis.install import install_link

        install_link(self.home, folder, force=False, dev_roots=())

    def list_json(self) -> list[dict]:
        return json.loads(self.ok("cli", "list", "--json"))

    # The registry on disk

    @property
    def cli(self) -> Path:
        return self.home / "cli"

    @property
    def links(self) -> Path:
        return self.cli / "links"

    @property
    def installs(self) -> Path:
        return self.cli / "installs"

    def index(self) -> dict:
        return json.loads((self.cli / "index.json").read_text())

    def install_entries(self) -> list[str]:
        """Names in installs/ (finished installs and any temporary folder)."""
        return sorted(p.name for p in self.installs.iterdir()) if self.installs.is_dir() else []

    def snapshot(self) -> dict[str, bytes | None]:
        """Every path under the home and the root (files with their bytes), to compare a
        refused install's before and after. An empty installs/ folder is not an entry."""
        state: dict[str, bytes | None] = {}
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if relative == "h/cli/installs" or relative.startswith(("catalog", "src/", "u/")):
                continue
            state[relative] = path.read_bytes() if path.is_file() else None
        return state

    # Processes

    def stop_core(self) -> None:
        """SIGTERM every core of this home (what `aio stop` amounts to) and wait for it."""
        for pid, command in processes_with_home(self.home).items():
            if " serve" not in command:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not wait_for_exit(pid, 20):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def reap_strays(self) -> dict[int, str]:
        """Kill what still runs with this home after a grace period; return it."""
        return reap_home(self.home)
