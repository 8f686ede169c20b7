"""What every benchmark shares: a core in a temporary AIO_HOME, requests, /proc readings, output.

The benchmarks talk to the core with the `aio` console script where the thing measured is the
CLI, and otherwise with `request` below (aio's own stdlib client on the unix socket), so that
waiting for a job costs no process start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
# An installed program starts from bytecode (pip compiles it at install); with this set (as it
# is in some sandboxes) every measured `aio` would compile aio's modules from source instead.
BYTECODE_WAS_OFF = os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None
FINISHED = ("done", "failed", "killed", "timeout", "lost")


def aio_exe() -> str:
    """The `aio` console script of this interpreter (not a version manager's shim, which adds a
    shell start of its own to every call), else whatever `aio` is on PATH."""
    beside = Path(sys.executable).parent / "aio"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("aio")
    if found is None:
        raise SystemExit("bench: no `aio` console script found (pip install -e .)")
    return found


def header(title: str) -> None:
    print(f"== {title} ==", flush=True)
    print(f"python {sys.version.split()[0]} ({sys.executable}); aio: {aio_exe()}", flush=True)
    print(f"load average at start: {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    if BYTECODE_WAS_OFF:
        print("PYTHONDONTWRITEBYTECODE was set: unset for the measured processes", flush=True)


def goal(description: str, met: bool) -> None:
    """The verdict line run_all.py collects; never an exit code."""
    print(f"GOAL {description}: {'goal met' if met else 'goal missed'}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def summary(values: list[float], fmt: Callable[[float], str] = ms) -> str:
    """Median, then min / max and the count."""
    return (
        f"median {fmt(statistics.median(values))} "
        f"(min {fmt(min(values))}, max {fmt(max(values))}, n={len(values)})"
    )


def ratio(value: float, base: float) -> str:
    if base <= 0:
        return "n/a (baseline is 0)"
    return f"{value / base:.2f}x"


def wait_for(
    condition: Callable[[], object], timeout: float, what: str, interval: float = 0.02
) -> object:
    """Poll `condition` until it returns something truthy; raise TimeoutError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# Talking to the core


class CoreRequestError(RuntimeError):
    pass


def request(home: str, method: str, path: str, body: dict | None = None) -> dict:
    """One request to the core of `home` (aio's own stdlib client); the decoded JSON answer."""
    from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

    try:
        return CoreClient(Path(home)).request(method, path, body)
    except CoreError as exc:
        raise CoreRequestError(f"{method} {path}: HTTP {exc.status}: {exc}") from None
    except CoreUnavailable as exc:  # callers wait for a core with `except OSError`
        raise ConnectionError(str(exc)) from None


def submit(home: str, name: str, cmd: str) -> int:
    """Queue a one-step task; its job number."""
    task = {"name": name, "steps": [{"cmd": cmd}]}
    return request(home, "POST", "/jobs", {"task": task, "cwd": home})["job"]["id"]


def job(home: str, job_id: int) -> dict:
    return request(home, "GET", f"/jobs/{job_id}")["job"]


def jobs(home: str) -> list[dict]:
    return request(home, "GET", "/jobs")["jobs"]


def wait_jobs(
    home: str, ids: list[int], statuses: tuple[str, ...], timeout: float, interval: float = 0.1
) -> list[dict]:
    """Wait (bounded) until every job in `ids` has one of `statuses`."""
    wanted = set(ids)

    def check() -> list[dict] | None:
        found = [j for j in jobs(home) if j["id"] in wanted]
        if len(found) == len(wanted) and all(j["status"] in statuses for j in found):
            return found
        return None

    return wait_for(check, timeout, f"jobs {sorted(wanted)} to be {'/'.join(statuses)}", interval)


# /proc readings


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def status_kb(pid: int, key: str) -> int:
    """A `kB` figure from /proc/PID/status (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every thread: how often it woke up."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


# The core


class Core:
    """`aio serve` in the background in a fresh, short temporary AIO_HOME; stopped and removed
    on exit, whatever happened."""

    def __init__(self, config: str = "") -> None:
        self.config = config
        self.home = ""
        self.proc: subprocess.Popen | None = None
        self.pid = 0
        self.aio = aio_exe()

    def __enter__(self) -> Core:
        self.home = tempfile.mkdtemp(prefix="aiob")
        os.environ["AIO_HOME"] = self.home  # every `aio` verb we run inherits it
        if self.config:
            Path(self.home, "config.toml").write_text(self.config, encoding="utf-8")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        log = open(os.path.join(self.home, "bench-core.log"), "ab")  # noqa: SIM115
        with log:
            self.proc = subprocess.Popen(
                [self.aio, "serve"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd="/",
            )

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"aio serve exited with {self.proc.returncode}; {self.log()}")
            try:
                return bool(request(self.home, "GET", "/health").get("ok"))
            except (OSError, ValueError, IndexError):
                return False

        wait_for(up, 30, "the core to answer on its socket")
        self.pid = int(Path(self.home, "core.lock").read_text().strip())
        if self.pid != self.proc.pid:
            raise RuntimeError(f"core.lock names pid {self.pid}, we started {self.proc.pid}")

    def log(self) -> str:
        path = Path(self.home, "bench-core.log")
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"core log: {text[-2000:]!r}"

    def run(self, *args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        """An `aio` verb as its own process."""
        kwargs.setdefault("check", False)
        return subprocess.run([self.aio, *args], timeout=timeout, **kwargs)

    def __exit__(self, *exc_info) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.run("stop", "--force", timeout=60, stdout=subprocess.DEVNULL)
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    print("bench: the core did not stop; killing it", file=sys.stderr)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
        finally:
            if self.home:
                shutil.rmtree(self.home, ignore_errors=True)
                if os.environ.get("AIO_HOME") == self.home:
                    del os.environ["AIO_HOME"]
