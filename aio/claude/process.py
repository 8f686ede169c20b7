"""What a session's `claude` process is given and what it leaves: its folder under
`$AIO_HOME/claude/`, the `--settings` file whose hooks run `aio hook`, the git branch of its
folder, and, when it ends before it started, the last line it showed and why it ended."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from aio.claude import hook_entry
from aio.config.locations import socket_path
from aio.core.private_files import write_private

HOOK_TIMEOUT_SECONDS = 10  # `aio hook` takes milliseconds; Claude's default wait is 60 s
TITLE_CHARS = 80
# CSI, OSC, charset and other ESC sequences: what a terminal does, not what it shows.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[ -/]+[0-~]|[0-~])")
_CURSOR_FORWARD = re.compile(r"\x1b\[(\d*)C")
_CURSOR_COLUMN = re.compile(r"\x1b\[\d*G")

HOOK_EVENTS = (
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "Notification",
    "Stop",
    "SessionEnd",
)


def claude_dir(home: Path) -> Path:
    """The folder of aio's Claude sessions: one folder per session, holding its settings."""
    return home / "claude"


def hook_settings(socket_file: Path, python: str = sys.executable) -> dict:
    """The `--settings` of a session: every hook in HOOK_EVENTS runs the hook entry as a
    script, without site or the aio package (aio.claude.hook_entry), posting to `socket_file`."""
    command = shlex.join([python, "-S", "-I", hook_entry.__file__, str(socket_file)])
    hook = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECONDS}
    return {"hooks": {event: [{"matcher": "*", "hooks": [hook]}] for event in HOOK_EVENTS}}


def git_branch(cwd: str) -> str | None:
    """The branch checked out in `cwd`, or None outside a repository (or when detached)."""
    try:
        result = subprocess.run(
            ["git", "-C", cwd, "symbolic-ref", "--quiet", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def write_settings(home: Path, number: int) -> Path:
    """Write session `number`'s `--settings` file (atomically) in its folder; its path."""
    path = claude_dir(home) / str(number) / "settings.json"
    write_private(path, json.dumps(hook_settings(socket_path(home)), indent=2))
    return path


def title_of(prompt: str | None) -> str | None:
    """A session's title before Claude names it: the first line of its first prompt."""
    if not prompt or not prompt.strip():
        return None
    return prompt.strip().splitlines()[0][:TITLE_CHARS]


def last_output_line(data: bytes) -> str | None:
    """The last line of terminal output with text on it, without escape sequences. The TUI
    moves the cursor between words (`ESC [ n C`, `ESC [ n G`) instead of printing spaces, so
    those moves become spaces before the other sequences are dropped."""
    text = data[-8192:].decode("utf-8", errors="replace")
    text = _CURSOR_FORWARD.sub(lambda m: " " * min(int(m.group(1) or 1), 200), text)
    text = _CURSOR_COLUMN.sub(" ", text)
    text = _ESCAPES.sub("", text)
    lines = [
        " ".join("".join(c for c in line if c.isprintable()).split()) for line in text.splitlines()
    ]
    shown = [line for line in lines if line]
    return shown[-1][:200] if shown else None


def early_exit_reason(job: dict, last_line: str | None) -> str:
    """Why a session's job ended before its SessionStart hook fired."""
    if job.get("error"):
        return f"claude did not start: {job['error']}"
    code = job.get("exit_code")
    said = f" (exit {code})" if code is not None else ""
    told = f": {last_line}" if last_line else ""
    return f"claude ended before its session started{said}{told}; see `aio log {job['id']}`"
