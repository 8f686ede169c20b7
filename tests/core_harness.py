"""What the core tests share: a private `$AIO_HOME` driven by the real `aio` CLI, deadline
waits, real git repositories, raw socket requests and process bookkeeping.

Nothing here is a mock: `AioHome` runs the real `aio` console script in subprocesses against a
real core on a temporary home under /tmp (unix socket paths are limited to about 107 bytes).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from aio.client.core_client import CoreClient
from aio.core.verbs import wait_for_exit

CLI_TIMEOUT = 60.0


def aio_command() -> list[str]:
    """The real `aio` console script, else the same entry point through `python -m aio`."""
    found = shutil.which("aio")
    return [found] if found else [sys.executable, "-m", "aio"]


HEAVY = ("textual", "aiohttp", "aiosqlite")  # what the CLI's fast paths must not import


def run_reporting_heavy_imports(
    env: dict[str, str], *args: str, packages: tuple[str, ...] = HEAVY
) -> subprocess.CompletedProcess:
    """Run `aio ARGS` in a Python that reports which of `packages` it imported (exit 99)."""
    code = (
        "import sys\n"
        "from aio.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"named = {packages!r}\n"
        "heavy = sorted(m for m in sys.modules if m in named or m.split('.')[0] in named)\n"
        "print('heavy:', heavy, file=sys.stderr)\n"
        "raise SystemExit(99 if heavy else code)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def require_tool(name: str) -> str:
    """The path of a tool a test needs; skip without it, or fail when AIO_REQUIRE_ALL=1."""
    found = shutil.which(name)
    if found:
        return found
    message = f"'{name}' is not installed (it is needed by this test)"
    if os.environ.get("AIO_REQUIRE_ALL") == "1":
        pytest.fail(f"{message}; AIO_REQUIRE_ALL=1 forbids skipping")
    pytest.skip(message)


def wait_for(
    predicate: Callable[[], Any], timeout: float = 30.0, what: str = "", interval: float = 0.02
) -> Any:
    """Poll `predicate` until it returns something truthy, and return that; fail at the deadline.

    The failure names what was awaited and the last value seen, so a timeout explains itself.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what or predicate!r}; "
                f"last value: {value!r}"
            )
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_gone(home: Path, grace: float = 5.0) -> dict[int, str]:
    """Wait (bounded) for the home's processes to end; return those still running."""
    deadline = time.monotonic() + grace
    strays = processes_with_home(home)
    while strays and time.monotonic() < deadline:
        time.sleep(0.05)
        strays = processes_with_home(home)
    return strays


def reap_home(home: Path, grace: float = 5.0) -> dict[int, str]:
    """Wait (bounded) for the home's processes to end, kill the rest; return those."""
    strays = wait_until_gone(home, grace)
    for pid in strays:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return strays


def processes_with_home(home: Path) -> dict[int, str]:
    """Live processes whose environment has AIO_HOME=`home`, as pid -> command line."""
    marker = f"AIO_HOME={home}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in environ and pid_alive(int(entry.name)):
            found[int(entry.name)] = cmdline.strip()
    return found


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with a fixed identity; return its stripped stdout."""
    result = subprocess.run(
        ["git", "-c", "user.email=test@aio.invalid", "-c", "user.name=aio test", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def make_repo(folder: Path) -> dict[str, str]:
    """A real git repo with a commit on `main` and a newer one on `feature`; returns the SHAs."""
    require_tool("git")
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "readme.txt").write_text("main\n")
    git(folder, "add", "readme.txt")
    git(folder, "commit", "-q", "-m", "first")
    main = git(folder, "rev-parse", "HEAD")
    git(folder, "checkout", "-q", "-b", "feature")
    (folder / "readme.txt").write_text("feature\n")
    git(folder, "commit", "-q", "-am", "feature work")
    feature = git(folder, "rev-parse", "HEAD")
    git(folder, "checkout", "-q", "main")
    return {"main": main, "feature": feature}


class AioHome:
    """A temporary `$AIO_HOME` and the means to drive its core through the real CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "h"
        self.src = root / "src"
        self.src.mkdir()
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX", "GIT_"))
        }
        self.env["AIO_HOME"] = str(self.path)
        self.env["PYTHONUNBUFFERED"] = "1"

    # Files

    def write_config(self, text: str) -> None:
        """Write `config.toml` (before the core starts, so it takes effect)."""
        self.path.mkdir(mode=0o700, exist_ok=True)
        (self.path / "config.toml").write_text(text)

    def task(self, data: dict | str, name: str = "task.json", folder: Path | None = None) -> Path:
        """Write a task file (a dict as JSON, or raw text) outside the watch folder."""
        path = (folder or self.src) / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    # The CLI

    def aio(
        self,
        *args: str,
        input: bytes | str | None = None,
        timeout: float = CLI_TIMEOUT,
        cwd: Path | None = None,
        text: bool = True,
        **popen: Any,
    ) -> subprocess.CompletedProcess:
        """Run the real `aio` with this home; returns the finished process (never raises)."""
        if text and isinstance(input, bytes):
            input = input.decode()
        return subprocess.run(
            [*aio_command(), *args],
            input=input,
            capture_output=True,
            text=text,
            timeout=timeout,
            env=self.env,
            cwd=cwd or self.src,
            **popen,
        )

    def ok(self, *args: str, **kwargs: Any) -> str:
        """Run `aio ARGS` and assert it exits 0; return its stdout."""
        result = self.aio(*args, **kwargs)
        assert result.returncode == 0, (
            f"aio {' '.join(args)} exited {result.returncode}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
        )
        return result.stdout

    def submit(self, task: dict | Path, *args: str) -> int:
        """Queue a task (a dict is written to a file first) with `aio run`; return the job id."""
        path = task if isinstance(task, Path) else self.task(task, name=f"{task['name']}.json")
        out = self.ok("run", str(path), *args)
        assert out.strip().isdigit(), f"aio run printed {out!r}, expected a job number"
        return int(out)

    # The core

    def start(self) -> None:
        """Start the core the way users do: any verb that needs it."""
        self.ok("ls")
        assert self.client().is_running()

    def client(self) -> CoreClient:
        return CoreClient(self.path)

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        return self.client().request(method, path, body)

    def jobs(self) -> list[dict]:
        return self.request("GET", "/jobs")["jobs"]

    def job(self, ref: int | str) -> dict:
        return self.request("GET", f"/jobs/{quote(str(ref), safe='')}")["job"]

    def wait_status(self, ref: int | str, *statuses: str, timeout: float = 30.0) -> dict:
        """Wait until job `ref` has one of `statuses`; return the job."""

        def reached() -> dict | None:
            job = self.job(ref)
            return job if job["status"] in statuses else None

        return wait_for(reached, timeout, f"job {ref} to be {' or '.join(statuses)}")

    def wait_step_running(self, ref: int | str, index: int, timeout: float = 30.0) -> dict:
        """Wait until step `index` (0-based) of job `ref` is running; return the job."""

        def reached() -> dict | None:
            job = self.job(ref)
            step = job["steps"][index]
            return job if step["status"] == "running" and job["status"] == "running" else None

        return wait_for(reached, timeout, f"step {index + 1} of job {ref} to run")

    def wait_log(self, ref: int | str, text: str, timeout: float = 30.0) -> str:
        """Wait until job `ref`'s log file contains `text`; return the log."""
        path = Path(self.job(ref)["log_path"])

        def has_text() -> str | None:
            with contextlib.suppress(FileNotFoundError):
                log = path.read_text(errors="replace")
                return log if text in log else None
            return None

        return wait_for(has_text, timeout, f"{text!r} in the log of job {ref}")

    def feed(self, ref: int | str, data: str) -> subprocess.CompletedProcess:
        """Type `data` into a job through `aio a` with stdin from a pipe (ends with the job)."""
        return self.aio("a", str(ref), input=data)

    def core_pid(self) -> int | None:
        """The pid written in the lock file, if that process is alive."""
        try:
            pid = int((self.path / "core.lock").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def core_processes(self) -> dict[int, str]:
        """Live `aio serve` processes of this home."""
        return {pid: cmd for pid, cmd in processes_with_home(self.path).items() if " serve" in cmd}

    def stop(self) -> None:
        """Stop every core of this home: SIGTERM (what `aio stop` amounts to), then wait on its
        pidfd; SIGKILL one that does not stop within 20 s."""
        for pid in self.core_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not wait_for_exit(pid, 20):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                wait_for_exit(pid, 5)

    def reap_strays(self) -> dict[int, str]:
        """Kill what is still running with this home after the core stopped; return it."""
        return reap_home(self.path)


def raw_http(home: AioHome, payload: bytes, timeout: float = 30.0) -> bytes:
    """Send raw bytes to the core's socket and read until it closes the connection."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(home.path / "core.sock"))
        return exchange(sock, payload)


def exchange(sock: socket.socket, payload: bytes) -> bytes:
    """Send raw bytes on a connected socket and read until the other side closes it."""
    sock.sendall(payload)
    chunks = []
    with contextlib.suppress(ConnectionResetError):
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def atomic_write(path: Path, text: str) -> None:
    """Write a file so a watcher never sees it half-written: a dot-named temp file, then rename."""
    temp = path.parent / f".{path.name}.tmp"
    temp.write_text(text)
    os.rename(temp, path)
