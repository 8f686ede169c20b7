"""Core verbs: `aio serve` (the core in the foreground) and `aio stop`."""

from __future__ import annotations

import argparse
import contextlib
import os
import select

from aio.client.arguments import fail, parser
from aio.config.locations import aio_home, lock_path


def cmd_serve(argv: list[str]) -> int:
    p = parser("serve", "Run the core in the foreground (logs to stderr).")
    p.add_argument(
        "--host", help="address for the browser bridge (default 127.0.0.1; others need a token)"
    )
    p.add_argument(
        "--port",
        type=int,
        help="port for the browser bridge (default 7681, or a free one if it is taken)",
    )
    p.add_argument("--token", help="a secret (16+ characters) that opens the browser bridge")
    p.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    from aio.config.settings import ConfigError, config_from_mapping, load_config
    from aio.core.daemon import run_core
    from aio.web.bridge import WebBindRefused

    home = aio_home()
    try:
        config = load_config(home)
        overrides = {
            key: value
            for key, value in (
                ("web_host", args.host),
                ("web_port", args.port),
                ("web_token", args.token),
            )
            if value is not None
        }
        if overrides:
            checked = config_from_mapping(overrides, source="aio serve")
            for key in overrides:
                setattr(config, key, getattr(checked, key))
        return run_core(home, args.ready_fd, config)
    except (ConfigError, WebBindRefused) as exc:
        return fail(str(exc))


def cmd_stop(argv: list[str]) -> int:
    p = parser("stop", "Stop the core; running jobs are killed and recorded as killed.")
    p.parse_args(argv)
    from aio.client.core_client import CoreClient, CoreUnavailable

    home = aio_home()
    core = CoreClient(home)
    pid = _core_pid(home)
    try:
        core.request("POST", "/shutdown")
    except CoreUnavailable:
        print("aio: no core is running")
        return 0
    if pid and not wait_for_exit(pid, timeout=30.0):
        return fail(f"the core (pid {pid}) did not stop within 30 s", 1)
    print("aio: core stopped")
    return 0


def _core_pid(home) -> int | None:
    try:
        return int(lock_path(home).read_text().strip())
    except (OSError, ValueError):
        return None


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait on a pidfd until process `pid` exits (no polling); True if it did."""
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
