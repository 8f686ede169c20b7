"""The desktop's own notifications, for what needs the user while no dashboard may be open (a
todo's deadline, a Claude session waiting): `notify-send` where it exists."""

from __future__ import annotations

import contextlib
import shutil


def desktop_notify(title: str, body: str) -> None:
    """A desktop notification through notify-send, if it exists; never waits for it."""
    command = shutil.which("notify-send")
    if command is None:
        return
    with contextlib.suppress(OSError):
        import subprocess

        subprocess.Popen(
            [command, "--app-name=aio", title, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
