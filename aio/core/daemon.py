"""The core process: one per `$AIO_HOME`, guarded by a lock, serving on a private unix socket.

`Core` is where the domains are put together: it builds each domain's service and hands each
domain's routes what they need, so no route reaches back up into the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from aio import __version__
from aio.claude.routes import add_claude_routes
from aio.claude.service import ClaudeService
from aio.clis.routes import ClisContext, add_cli_routes
from aio.clis.staging import remove_install_leftovers
from aio.config.locations import database_path, ensure_home, lock_path, socket_path, tasks_dir
from aio.config.settings import Config, load_config
from aio.core.events import EventBus
from aio.core.server import build_app
from aio.core.store import Store
from aio.flows.listener import FlowListener
from aio.flows.routes import add_flow_routes
from aio.flows.service import FlowService
from aio.jobs.manager import JobManager
from aio.jobs.routes import add_job_routes
from aio.jobs.watch import TaskWatcher
from aio.kv.listener import KvListener
from aio.kv.routes import add_kv_routes
from aio.kv.service import KvService
from aio.todos.routes import add_todo_routes
from aio.todos.service import TodoService
from aio.web.bridge import WebBridge
from aio.web.routes import add_web_routes
from aio.worklets.routes import add_worklet_routes
from aio.worklets.service import WorkletService

log = logging.getLogger("aio.core")


class CoreAlreadyRunning(RuntimeError):
    """Another core holds this home's lock."""


class Core:
    """Everything the core owns, started and stopped together."""

    def __init__(
        self, home: Path, config: Config | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.home = home
        self.config = config if config is not None else load_config(home)
        self.clock = clock
        self.pid = os.getpid()
        self.events = EventBus()
        self.store = Store(database_path(home))
        self.jobs = JobManager(home, self.config, self.store, self.events, clock)
        self.todos = TodoService(database_path(home), self.events, clock)
        self.claude = ClaudeService(home, self.jobs, self.store, self.events, clock)
        self.kv = KvService(home, self.config)
        self.kv_listener = KvListener(self.kv, self.config.kv_port)
        self.worklets = WorkletService(
            home, self.config, self.jobs, self.store, self.events, self.claude, self.kv, clock
        )
        self.flows = FlowService(home, self.config, self.jobs, self.store, self.events, clock)
        self.flow_listener = FlowListener(self.flows, self.config)
        folders = [tasks_dir(home), *(Path(f) for f in self.config.watch_folders)]
        self.watcher = TaskWatcher(folders, self.jobs, self.store, self.events)
        self.web = WebBridge(
            self.jobs,
            self.events,
            self.store,
            clock,
            host=self.config.web_host,
            port=self.config.web_port,
            token=self.config.web_token,
        )
        self._lock_fd = -1
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()

    def acquire_lock(self) -> None:
        """Take this home's core lock, or raise CoreAlreadyRunning."""
        fd = os.open(lock_path(self.home), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise CoreAlreadyRunning(
                f"a core is already running for {self.home} (pid {other or 'unknown'})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.pid}\n".encode())
        self._lock_fd = fd

    async def start(self) -> None:
        """Open the store, recover jobs, watch task folders, then listen on the socket."""
        os.umask(0o077)
        ensure_home(self.home)
        self.acquire_lock()
        await asyncio.to_thread(remove_install_leftovers, self.home)
        await self.store.open()
        await self.todos.start()
        await self.jobs.start()
        await self.flows.start()  # at once: the restart re-queued its jobs, it kills them
        await self.claude.start()
        await self.kv.start()
        await self.kv_listener.start()
        await self.worklets.start()
        await self.watcher.start()
        await self.flow_listener.start()
        path = socket_path(self.home)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # stale: we hold the lock, so no core is serving it
        self._runner = web.AppRunner(
            self.build_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.UnixSite(self._runner, str(path))
        await site.start()
        os.chmod(path, 0o600)
        await self.web.start()
        log.info("core %s serving %s", self.pid, path)

    def build_app(self) -> web.Application:
        """The socket API: the core's own routes, then each domain's."""
        app = build_app(self.health, self.request_stop)
        add_job_routes(app, self.jobs, self.watcher, self.events)
        add_todo_routes(app, self.todos)
        add_cli_routes(
            app, ClisContext(self.home, self.config.cli_dev_roots, self.events, self.jobs)
        )
        add_web_routes(app, self.web, self.jobs)
        add_claude_routes(app, self.claude)
        add_kv_routes(app, self.kv, self.worklets.resolve)
        add_worklet_routes(app, self.worklets)
        add_flow_routes(app, self.flows)
        return app

    def health(self) -> dict:
        """Who is serving: pid, version, home, and the browser bridge's state."""
        bridge = self.web
        return {
            "ok": True,
            "pid": self.pid,
            "version": __version__,
            "home": str(self.home),
            "web": {"running": bridge.running, "port": bridge.port, "error": bridge.error},
        }

    def request_stop(self) -> None:
        self._stop.set()

    async def wait_stopped(self) -> None:
        await self._stop.wait()

    async def stop(self) -> None:
        """Stop serving, kill running jobs (recorded as killed), close the store."""
        await self.watcher.stop()
        await self.web.stop()
        await self.flow_listener.stop()
        await self.flows.stop()  # before the jobs: their kills are the shutdown's, not failures
        await self.worklets.stop()  # first: the servers the shutdown kills are not failures
        await self.claude.stop()
        await self.jobs.shutdown()
        await self.kv_listener.stop()
        await self.kv.stop()
        await self.todos.stop()
        self.events.close()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.store.close()
        with contextlib.suppress(FileNotFoundError):
            socket_path(self.home).unlink()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
        log.info("core %s stopped", self.pid)


async def serve(home: Path, ready_fd: int | None = None, config: Config | None = None) -> int:
    """Run a core until SIGTERM, SIGINT or `aio stop`; returns the exit code."""
    core = Core(home, config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, core.request_stop)
    try:
        await core.start()
    except CoreAlreadyRunning as exc:
        print(f"aio serve: {exc}", file=sys.stderr)
        return 3
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"ready\n")
            os.close(ready_fd)
    try:
        await core.wait_stopped()
    finally:
        await core.stop()
    return 0


def run_core(home: Path, ready_fd: int | None = None, config: Config | None = None) -> int:
    """The entry point of `aio serve`."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return asyncio.run(serve(home, ready_fd, config))
