"""What the browser-bridge tests share: real cores on a private `$AIO_HOME`, deadline waits,
and the lookup of a real browser.

Nothing here is a mock. `ServedCore` runs the real `aio serve` in a subprocess; `ThreadedCore`
runs the real `aio.core.daemon.Core` on an event loop of its own in a thread (for the test that
restarts only the browser bridge while the jobs keep running). Both talk to the core the way the
CLI does, over its unix socket, and to the bridge over TCP on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from aio.client.core_client import CoreClient
from aio.config.settings import Config

DEADLINE = 15.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing(reason: str) -> None:
    """Skip for a missing tool, or fail when AIO_REQUIRE_ALL=1 forbids skipping."""
    if os.environ.get("AIO_REQUIRE_ALL") == "1":
        pytest.fail(f"{reason}; AIO_REQUIRE_ALL=1 forbids skipping")
    pytest.skip(reason)


def require_browser() -> None:
    """Playwright and Debian's chromium, or skip (fail under AIO_REQUIRE_ALL=1)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright (Python) is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} is not installed (Debian's chromium)")


def aio_command() -> list[str]:
    """The real `aio` console script, else the same entry point through `python -m aio`."""
    found = shutil.which("aio")
    return [found] if found else [sys.executable, "-m", "aio"]


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll `predicate` until it is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {value!r}")
        time.sleep(0.02)


def shell_task(name: str, *commands: str) -> dict:
    """An inline task: one step per shell command."""
    steps = [{"desc": f"step {i + 1}", "cmd": cmd} for i, cmd in enumerate(commands)]
    return {"name": name, "steps": steps}


SECRET = "hunter2-do-not-show"


def submit_secret_job(home: Home, command: str) -> int:
    """A running job named "vault" whose variables hold SECRET, running `command`; its number."""
    task = {
        "name": "vault",
        "variables": {"API_KEY": SECRET},
        "steps": [{"desc": "wait", "cmd": command}],
    }
    job = home.request("POST", "/jobs", {"task": task})["job"]["id"]
    home.wait_status(job, "running")
    return job


class Home:
    """A private `$AIO_HOME` under /tmp (unix socket paths are short) and its CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "h"
        self.path.mkdir(mode=0o700)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
        self.env["AIO_HOME"] = str(self.path)
        self.env["PYTHONUNBUFFERED"] = "1"
        self.env.pop("BROWSER", None)
        self.env.pop("DISPLAY", None)
        self.cores: list[ServedCore] = []  # stopped by the fixture that made this home
        self.port = 0  # the bridge's port, once a core serves it

    def write_config(self, text: str) -> None:
        (self.path / "config.toml").write_text(text)

    def aio(
        self, *args: str, input: str | None = None, timeout: float = 30.0
    ) -> subprocess.CompletedProcess:
        """Run the real `aio` CLI on this home (stdin: `input`, else nothing); never raises for
        its exit code."""
        return subprocess.run(
            [*aio_command(), *args],
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            cwd=self.root,
        )

    def client(self) -> CoreClient:
        return CoreClient(self.path)

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        return self.client().request(method, path, body)

    def submit(self, task: dict) -> int:
        """Queue an inline task through the core's API; the job's number."""
        return self.request("POST", "/jobs", {"task": task})["job"]["id"]

    def job(self, job_id: int) -> dict:
        return self.request("GET", f"/jobs/{job_id}")["job"]

    def wait_status(self, job_id: int, *statuses: str, timeout: float = DEADLINE) -> dict:
        def reached() -> dict | None:
            job = self.job(job_id)
            return job if job["status"] in statuses else None

        return wait_for(reached, f"job {job_id} to be {' or '.join(statuses)}", timeout)

    def log(self, job_id: int) -> str:
        try:
            return Path(self.job(job_id)["log_path"]).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, job_id: int, text: str, timeout: float = DEADLINE) -> str:
        return wait_for(
            lambda: (log := self.log(job_id)) and text in log and log,
            f"{text!r} in the log of job {job_id}",
            timeout,
        )

    def link(self, job_id: int | None = None, readonly: bool = False) -> str:
        """A one-time link, from POST /web/links."""
        return self.request("POST", "/web/links", {"job": job_id, "readonly": readonly})["url"]

    def serve(self, *args: str) -> ServedCore:
        """Start `aio serve ARGS` on this home (stopped by the fixture that made the home)."""
        core = ServedCore(self, *args)
        self.cores.append(core)
        return core.start()

    def web_port(self) -> int:
        web = self.request("GET", "/health")["web"]
        assert web["running"], f"the browser bridge is off: {web['error']}"
        return web["port"]


class ServedCore:
    """`aio serve` in a subprocess, ready when it says so on its ready pipe."""

    def __init__(self, home: Home, *args: str) -> None:
        self.home = home
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.log_path = home.root / "serve.log"

    def start(self, timeout: float = DEADLINE) -> ServedCore:
        ready_r, ready_w = os.pipe()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*aio_command(), "serve", *self.args, "--ready-fd", str(ready_w)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(ready_w,),
                env=self.home.env,
                cwd=self.home.root,
                start_new_session=True,
            )
        os.close(ready_w)
        try:
            readable, _, _ = select.select([ready_r], [], [], timeout)
            said = os.read(ready_r, 64) if readable else b""
        finally:
            os.close(ready_r)
        if not said.startswith(b"ready"):
            self.stop()
            raise AssertionError(f"aio serve did not start: {self.log_text()}")
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (as `aio stop` would end it), then SIGKILL at the deadline; the exit code."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        return proc.wait(timeout)


class ShiftedClock:
    """The wall clock, moved forward on demand: a core given it sees time pass at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class ThreadedCore:
    """The real in-process `Core` on its own event loop in a thread (with `clock`, if given)."""

    def __init__(self, home: Home, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.home = home
        self.config = config
        self.clock = clock
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="core", daemon=True)
        self.thread.start()
        self.core: Any = None
        self.started = False

    def call(self, coro: Coroutine, timeout: float = 30.0) -> Any:
        """Run a coroutine on the core's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> ThreadedCore:
        from aio.core.daemon import Core

        async def start() -> Core:
            core = Core(
                self.home.path, self.config, self.clock
            )  # made on its loop, as `aio serve` does
            await core.start()
            return core

        self.core = self.call(start())
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            self.started = False
            self.call(self.core.stop())
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
        if not self.thread.is_alive():
            self.loop.close()


# aiohttp clients of the bridge (always to 127.0.0.1; cookies are sent by hand, since aiohttp's
# cookie jar keeps no cookies of IP addresses)

COOKIE = "aio_session"


def base_url(home: Home) -> str:
    return f"http://127.0.0.1:{home.port}"


def with_cookie(session_id: str | None, **headers: str) -> dict[str, str]:
    """Request headers carrying the session cookie (if any) and `headers`."""
    if session_id is not None:
        headers["Cookie"] = f"{COOKIE}={session_id}"
    return headers


async def login(http, url: str) -> str:
    """Redeem a link (or the static token) with an aiohttp session; the session id it set."""
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 303, f"login refused: {response.status} {await response.text()}"
        cookie = response.cookies.get(COOKIE)
        assert cookie is not None and cookie.value, "the login set no session cookie"
        return cookie.value


async def status_of(http: aiohttp.ClientSession, method: str, url: str, **kwargs) -> int:
    async with http.request(method, url, allow_redirects=False, **kwargs) as response:
        await response.read()
        return response.status


async def refused_upgrade(http: aiohttp.ClientSession, url: str, headers: dict) -> int:
    """The HTTP status a WebSocket upgrade is refused with (fails if it is accepted)."""
    try:
        ws = await http.ws_connect(url, headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    raise AssertionError(f"the upgrade to {url} with {headers} was accepted")


async def next_text(ws: aiohttp.ClientWebSocketResponse, timeout: float = DEADLINE) -> dict:
    """The next text frame (binary output frames are skipped), decoded."""
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if msg.type == aiohttp.WSMsgType.TEXT:
            return json.loads(msg.data)
        assert msg.type == aiohttp.WSMsgType.BINARY, f"the stream ended: {msg}"


async def until_output(
    ws: aiohttp.ClientWebSocketResponse, text: bytes, timeout: float = DEADLINE
) -> list[dict]:
    """Read until the output seen contains `text`; the text frames seen on the way."""
    deadline = time.monotonic() + timeout
    seen = b""
    texts = []
    while text not in seen:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type == aiohttp.WSMsgType.TEXT:
            texts.append(json.loads(msg.data))
        else:
            raise AssertionError(f"the stream ended before {text!r}: {msg}; output: {seen!r}")
    return texts


def assert_security_headers(headers, what: str) -> None:
    """The bridge's security headers are all on a response (`what` names it in a failure)."""
    csp = {d.strip() for d in headers.get("Content-Security-Policy", "").split(";")}
    assert {
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    } <= csp, (what, csp)
    assert not any("unsafe-eval" in d for d in csp), (what, csp)
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "no-referrer", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Cache-Control") == "no-store", what
