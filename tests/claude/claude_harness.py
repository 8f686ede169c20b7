"""What the Claude tests share: a private home for the real `claude` CLI, hooks that record what
they are given, headless runs read line by line, and the TUI in a real PTY rendered by pyte.

Nothing here is a mock: the CLI is the real one (`aio.claude.cli_path.find_claude_cli`), its
API is `MessagesStub` on 127.0.0.1, and its home is a temporary folder, so the user's own
`~/.claude` is never read or written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pyte
import pytest
from core_harness import reap_home, wait_for, wait_for_exit
from ptyprocess import PtyProcess

from aio.claude.cli_path import bundled_cli_version, find_claude_cli, missing_cli_message
from aio.claude.process import HOOK_EVENTS

API_KEY = "sk-ant-api03-aio-test-key-0123456789abcdefghijKLMNOPQRSTuv"
HOOK_SCRIPT = """\
import fcntl, json, sys
data = json.load(sys.stdin)
with open(sys.argv[1], "a") as out:
    fcntl.flock(out, fcntl.LOCK_EX)
    out.write(json.dumps(data) + "\\n")
"""


def claude_cli() -> str:
    """The real `claude` CLI; skip without it, or fail when AIO_REQUIRE_ALL=1."""
    found = find_claude_cli()
    if found:
        return str(found)
    message = missing_cli_message()
    if os.environ.get("AIO_REQUIRE_ALL") == "1":
        pytest.fail(f"{message}; AIO_REQUIRE_ALL=1 forbids skipping")
    pytest.skip(message)


def user_message(text: str) -> bytes:
    """One stream-json input line: a user message."""
    line = {"type": "user", "message": {"role": "user", "content": text}}
    return (json.dumps(line) + "\n").encode()


class ClaudeHome:
    """A temporary `HOME` and `CLAUDE_CONFIG_DIR`, a work folder, and hooks given by --settings.

    Every hook in HOOK_EVENTS runs a small Python script that appends its stdin JSON as one
    line to `hooks.jsonl` (under a lock: hooks of one event may run at once).
    """

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.home = self.root / "home"
        self.config_dir = self.home / ".claude"
        self.work = self.root / "work"
        self.hooks_log = self.root / "hooks.jsonl"
        self.settings = self.root / "settings.json"
        self.tmp = self.root / "tmp"
        for folder in (self.config_dir, self.work, self.tmp):
            folder.mkdir(parents=True)
        script = self.root / "hook.py"
        script.write_text(HOOK_SCRIPT)
        command = shlex.join([sys.executable, str(script), str(self.hooks_log)])
        entry = [{"matcher": "*", "hooks": [{"type": "command", "command": command}]}]
        self.settings.write_text(json.dumps({"hooks": dict.fromkeys(HOOK_EVENTS, entry)}))
        # A clean environment: nothing of the developer's own Claude set-up leaks in.
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "CLAUDE_CONFIG_DIR": str(self.config_dir),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": API_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_TMPDIR": str(self.tmp),  # else it writes under /tmp/claude-UID
            # A marker only (no core runs here): core_harness's reap_home finds our strays by it.
            "AIO_HOME": str(self.root),
        }
        self.runs: list[HeadlessRun | PtyScreen] = []

    def make_ready_for_tui(self, idle_notification_ms: int | None = None) -> None:
        """Write the `.claude.json` of a machine already set up: onboarding done, the work
        folder trusted, the custom API key approved (the CLI stores its last 20 characters).

        With CLAUDE_CONFIG_DIR set the CLI keeps this file in that folder, not in $HOME.
        """
        config: dict[str, Any] = {
            "hasCompletedOnboarding": True,
            "lastOnboardingVersion": bundled_cli_version() or "2.1.0",
            "theme": "dark",
            "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
            "projects": {str(self.work): {"hasTrustDialogAccepted": True}},
        }
        if idle_notification_ms is not None:
            config["messageIdleNotifThresholdMs"] = idle_notification_ms
        (self.config_dir / ".claude.json").write_text(json.dumps(config))

    # Hooks

    def hook_events(self) -> list[dict[str, Any]]:
        """Each hook's stdin JSON, in the order the hooks ran."""
        try:
            text = self.hooks_log.read_text()
        except FileNotFoundError:
            return []
        # Only whole lines: a hook may be writing the last one right now.
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def hooks_named(self, event: str) -> list[dict[str, Any]]:
        return [hook for hook in self.hook_events() if hook["hook_event_name"] == event]

    def wait_hook(self, event: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
        """Wait until hook `event` has fired `count` times; return those inputs."""
        try:
            return wait_for(
                lambda: len(found := self.hooks_named(event)) >= count and found,
                timeout,
                f"hook {event} to fire {count} time(s)",
            )
        except AssertionError as exc:
            fired = [hook["hook_event_name"] for hook in self.hook_events()]
            raise AssertionError(f"{exc}; the hooks that fired: {fired}") from None

    # Sessions

    def session_files(self) -> list[Path]:
        """The session files under the config folder's projects/."""
        return sorted((self.config_dir / "projects").glob("*/*.jsonl"))

    def argv(self, *args: str) -> list[str]:
        """The CLI's command line with this home's hooks settings and `args`."""
        return [claude_cli(), "--settings", str(self.settings), *args]

    def headless(self, *args: str) -> HeadlessRun:
        """Start `claude -p` (stream-json both ways) in the work folder; stopped at teardown."""
        run = HeadlessRun(self, *args)
        self.runs.append(run)
        return run

    def tui(self, *args: str) -> PtyScreen:
        """Start the interactive CLI in a 120x40 PTY in the work folder; closed at teardown."""
        screen = PtyScreen(self.argv(*args), self.work, self.env)
        self.runs.append(screen)
        return screen

    def close(self) -> dict[int, str]:
        """End every run of this home; return the processes that were still left after."""
        for run in self.runs:
            run.stop()
        return reap_home(self.root)


class HeadlessRun:
    """`claude -p` with stream-json in and out; stdout is read line by line without any size
    limit, by a thread, so a test waits on what arrived with a deadline."""

    def __init__(self, home: ClaudeHome, *args: str) -> None:
        argv = home.argv(
            "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
            *args,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            argv,
            cwd=home.work,
            env=home.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.lines: list[bytes] = []
        self._errors: list[bytes] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, into), daemon=True)
            for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self._errors))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[bytes]) -> None:
        for line in stream:  # a binary pipe's readline has no length limit
            into.append(line)

    def stderr(self) -> str:
        """What the CLI wrote to stderr so far."""
        return b"".join(self._errors).decode(errors="replace")

    def send(self, text: str, close: bool = False) -> None:
        """Write one user message; close stdin after it when `close` (the CLI then ends)."""
        self.proc.stdin.write(user_message(text))
        self.proc.stdin.flush()
        if close:
            self.proc.stdin.close()

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines)]

    def wait_result(self, count: int = 1, timeout: float = 15.0) -> dict[str, Any]:
        """Wait for the `count`-th `result` line; return it."""

        def results() -> list[dict] | None:
            found = [m for m in self.messages() if m["type"] == "result"]
            return found if len(found) >= count else None

        return wait_for(results, timeout, f"result line {count} of claude -p")[count - 1]

    def finish(self, timeout: float = 15.0) -> int:
        """Wait for the CLI to exit (it does once stdin is closed and the turn is done)."""
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return code

    def stop(self) -> None:
        """Kill whatever of the run is left (its own process group)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()


class AnsweringScreen(pyte.Screen):
    """A pyte screen that keeps the replies to the terminal's status queries (cursor position,
    device attributes), which a real terminal sends back to the program."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self.replies = bytearray()

    def write_process_input(self, data: str) -> None:
        self.replies += data.encode()


class PtyScreen:
    """A program in a real PTY whose output is rendered by pyte; read by polling with deadlines."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], cols=120, rows=40) -> None:
        self.screen = AnsweringScreen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.proc = PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(rows, cols))
        os.set_blocking(self.proc.fd, False)
        self.raw = bytearray()

    def pump(self) -> None:
        """Feed all output available now to the screen, and send back the replies it made."""
        while True:
            try:
                data = os.read(self.proc.fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            self.raw += data
            self.stream.feed(data)
        if self.screen.replies:
            self.write(bytes(self.screen.replies))
            self.screen.replies.clear()

    def text(self) -> str:
        """The rendered screen, one line per row, trailing blanks cut; the no-break space the
        CLI puts after its prompt sign (`❯\xa0`) is read as a plain space."""
        self.pump()
        return "\n".join(line.rstrip().replace("\xa0", " ") for line in self.screen.display)

    def wait_text(self, needle: str, timeout: float = 15.0) -> str:
        """Wait until the rendered screen shows `needle`; return the screen."""
        try:
            return wait_for(
                lambda: needle in (screen := self.text()) and screen, timeout, f"{needle!r}"
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n{self.text()}") from None

    def write(self, data: bytes) -> None:
        os.write(self.proc.fd, data)

    def stop(self) -> None:
        """End the program and its process group, and close the PTY."""
        if self.proc.isalive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            wait_for_exit(self.proc.pid, 5)
        with contextlib.suppress(OSError, ChildProcessError):
            os.waitpid(self.proc.pid, os.WNOHANG)
        self.proc.terminated = True  # reaped above; ptyprocess's own close() would sleep
        with contextlib.suppress(OSError):
            self.proc.fileobj.close()
