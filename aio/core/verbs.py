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
    p = parser(
        "stop",
        "Stop the core; running jobs are killed and recorded as killed. With running jobs it "
        "asks first on a terminal, and refuses without one unless --force is given.",
    )
    p.add_argument("-f", "--force", action="store_true", help="kill running jobs without asking")
    args = p.parse_args(argv)
    from aio.client.core_client import CoreClient, CoreUnavailable

    home = aio_home()
    core = CoreClient(home)
    pid = _core_pid(home)
    try:
        if not args.force and not _may_kill(core.request("GET", "/jobs")["jobs"]):
            return 1
        core.request("POST", "/shutdown")
    except CoreUnavailable:
        print("aio: no core is running")
        return 0
    if pid and not wait_for_exit(pid, timeout=30.0):
        return fail(f"the core (pid {pid}) did not stop within 30 s", 1)
    print("aio: core stopped")
    return 0


def _may_kill(jobs: list[dict]) -> bool:
    """Whether stopping may kill the running jobs among `jobs`: none run, or the user says yes
    on the terminal. Without a terminal to ask, it refuses and names `--force`."""
    import sys

    from aio.text.printable import printable

    running = [job for job in jobs if job["status"] == "running"]
    if not running:
        return True
    shown = ", ".join(f"{job['id']} {printable(job['name'], 40)}" for job in running[:5])
    more = f" and {len(running) - 5} more" if len(running) > 5 else ""
    count = f"{len(running)} running job{'s' if len(running) != 1 else ''}"
    what = f"stopping the core kills {count} ({shown}{more})"
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        fail(f"{what}; nothing was stopped (aio stop --force stops it anyway)", 1)
        return False
    sys.stderr.write(f"aio: {what}. Stop it? [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    sys.stderr.write("aio: nothing was stopped\n")
    return False


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
