"""Core verbs: serve, stop, and the dashboard (no arguments)."""

from __future__ import annotations

import contextlib
import os
import select

from aio.commands.common import fail, parser
from aio.locations import aio_home, lock_path


def cmd_serve(argv: list[str]) -> int:
    p = parser("serve", "Run the core in the foreground (logs to stderr).")
    p.add_argument("--ready-fd", type=int, default=None, help=argparse_hidden())
    args = p.parse_args(argv)
    from aio.config import ConfigError
    from aio.core.daemon import run_core

    try:
        return run_core(aio_home(), args.ready_fd)
    except ConfigError as exc:
        return fail(str(exc))


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def cmd_stop(argv: list[str]) -> int:
    p = parser("stop", "Stop the core; running jobs are killed and recorded as killed.")
    p.parse_args(argv)
    from aio.client import CoreClient, CoreUnavailable

    home = aio_home()
    core = CoreClient(home)
    pid = _core_pid(home)
    try:
        core.request("POST", "/shutdown")
    except CoreUnavailable:
        print("aio: no core is running")
        return 0
    if pid and not _wait_for_exit(pid, timeout=30.0):
        return fail(f"the core (pid {pid}) did not stop within 30 s", 1)
    print("aio: core stopped")
    return 0


def _core_pid(home) -> int | None:
    try:
        return int(lock_path(home).read_text().strip())
    except (OSError, ValueError):
        return None


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait for a process to exit, on its pidfd (no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def cmd_dashboard(argv: list[str]) -> int:
    """Open the dashboard, starting the core first if none is running."""
    from aio.client import CoreUnavailable
    from aio.commands.common import client
    from aio.config import ConfigError, load_config

    home = aio_home()
    try:
        config = load_config(home)
        client()
    except ConfigError as exc:
        return fail(str(exc))
    except CoreUnavailable as exc:
        return fail(str(exc), 1)
    from aio.app import AioApp

    AioApp(home, config).run()
    return 0
