"""bubblewrap (`bwrap`) around a worklet's build and run steps, where it is installed.

Inside, the whole file system is read-only, `$AIO_HOME` is an empty folder but for the
worklet's own folder (the only place it can write; its HOME is `home/` there), `/tmp` is a
private tmpfs, `/dev` and `/proc` are its own, and it has its own PID, IPC and UTS
namespaces and session; it dies with its job. The network is shared: it must serve a port,
so it can reach anything on loopback and beyond, as the user can. It can still read what the
user can read outside `$AIO_HOME`.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path


def bwrap_path() -> str | None:
    """The `bwrap` on PATH, if any."""
    return shutil.which("bwrap")


def _kept_under_tmp() -> list[str]:
    """What a worklet runs with that a private /tmp would hide: this interpreter (a venv made
    under /tmp, say) and the aio package (for `aio.kv`), shown again read-only."""
    import aio

    wanted = {sys.prefix, sys.base_prefix, str(Path(aio.__file__).resolve().parents[1])}
    kept = []
    for path in sorted(str(Path(p).resolve()) for p in wanted):
        if path.startswith("/tmp/") and not any(path.startswith(k + "/") for k in kept):
            kept.append(path)
    return [arg for path in kept for arg in ("--ro-bind", path, path)]


def sandbox_argv(bwrap: str, home: Path, folder: Path, cwd: Path) -> list[str]:
    """The `bwrap` argv that confines a command to `folder` (a folder under `home`)."""
    home, folder = home.resolve(), folder.resolve()
    return [
        bwrap,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
        *_kept_under_tmp(),
        "--tmpfs", str(home),  # hides the core's socket, the database and every other worklet
        "--bind", str(folder), str(folder),
        "--remount-ro", str(home),  # the empty stand-in, not the worklet's folder in it
        "--setenv", "HOME", str(folder / "home"),
        "--unsetenv", "TMPDIR",
        "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--new-session",
        "--die-with-parent",
        "--chdir", str(cwd),
    ]  # fmt: skip


def step_command(command: str, cwd: Path, sandbox: list[str] | None) -> str:
    """A job step that runs shell `command` in `cwd`, inside `sandbox` when one is given."""
    inner = ["/bin/sh", "-c", command]
    if sandbox is None:
        return f"cd -- {shlex.quote(str(cwd))} && exec {shlex.join(inner)}"
    return f"exec {shlex.join([*sandbox, '--', *inner])}"
