"""A real terminal for end-to-end tests: one window of a private tmux server (`tmux -L NAME`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

CAPTURE_INTERVAL = 0.05


class TmuxTerminal:
    """Runs one command in a fixed-size tmux window on its own server; reads and types into it."""

    def __init__(self, server: str, cols: int = 120, rows: int = 35) -> None:
        self.server = server
        self.cols = cols
        self.rows = rows
        self.target = "aio"
        # Where `tmux -L` puts the server's socket; tmux leaves the file behind when it exits.
        folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        self.socket = folder / server

    def tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.server, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        """Open the window running `command` (kept on screen if it exits, to show why)."""
        self.tmux(
            "new-session", "-d", "-s", self.target,
            "-x", str(self.cols), "-y", str(self.rows), command,
            ";", "set-option", "-t", self.target, "remain-on-exit", "on",
            env=env,
        )  # fmt: skip

    def screen(self) -> str:
        """What the window shows now, as text."""
        return self.tmux("capture-pane", "-p", "-t", self.target)

    def press(self, *keys: str) -> None:
        """Send tmux key names (Enter, C-], Escape...)."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type text literally."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def wait_for(self, predicate: Callable[[str], object], what: str, timeout: float = 20.0) -> str:
        """Capture the window until `predicate(screen)` holds; the screen. Fails at the deadline
        with the last screen in the message."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {what}; the "
                    f"terminal shows:\n{screen}"
                )
            time.sleep(CAPTURE_INTERVAL)

    def wait_text(self, text: str, timeout: float = 20.0) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def kill(self) -> None:
        """Stop the server and everything running in it, and remove its socket."""
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self.tmux("kill-server")
        self.socket.unlink(missing_ok=True)
