"""`aio hook`: the command Claude Code runs for each hook of a session aio started.

It reads the hook's JSON on stdin (at most HEAD_BYTES of it: a PostToolUse input can carry a
tool's whole output, many megabytes), keeps the few fields the core needs, and posts them with
the aio session number (`$AIO_CLAUDE_SESSION`, set on the claude process by aio) to the core's
socket, `POST /claude/hooks`. Standard library only, no core start, and it always exits 0 at
once with nothing on stdout: a hook must never block Claude, nor add to its context (what a
SessionStart or UserPromptSubmit hook prints becomes part of the conversation).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import sys
import time

SESSION_ENV = "AIO_CLAUDE_SESSION"
HEAD_BYTES = 64 * 1024
FIELDS = (
    "hook_event_name",
    "session_id",
    "notification_type",
    "source",
    "reason",
    "transcript_path",
    "cwd",
)
MAX_FIELD_CHARS = 4096
POST_TIMEOUT = 2.0  # per socket operation; the core answers a hook in milliseconds
DRAIN_SECONDS = 0.5


def read_head(fd: int, limit: int = HEAD_BYTES) -> tuple[bytes, bool]:
    """Up to `limit` bytes of `fd`; also whether that was all of it (end of input reached)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        data = os.read(fd, min(65536, limit - size))
        if not data:
            return b"".join(chunks), True
        chunks.append(data)
        size += len(data)
    return b"".join(chunks), False


def _string_field(text: str, name: str) -> str | None:
    """The first `"name": "..."` string in `text` (Claude writes the common fields first)."""
    match = re.search(rf'"{name}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    if match is None:
        return None
    try:
        return json.loads(f'"{match.group(1)}"')
    except ValueError:
        return None


def hook_fields(head: bytes, complete: bool) -> dict[str, str | None]:
    """The fields of FIELDS found in the hook input `head` (the whole input when `complete`,
    else its start: then each is the first occurrence of its key)."""
    text = head.decode("utf-8", errors="replace")
    data: object = None
    if complete:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
    found: dict[str, str | None] = {}
    for name in FIELDS:
        value = data.get(name) if isinstance(data, dict) else _string_field(text, name)
        found[name] = value[:MAX_FIELD_CHARS] if isinstance(value, str) else None
    return found


def _drain(fd: int, seconds: float = DRAIN_SECONDS) -> None:
    """Read and drop the rest of stdin, bounded in time, so Claude's write does not fail."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], left)
        if not readable or not os.read(fd, 1 << 20):
            return


def post_hook(fields: dict[str, str | None], session: int) -> None:
    """Post one hook to this home's core; quietly nothing when no core answers."""
    from aio.client.core_client import CoreClient
    from aio.config.locations import aio_home

    client = CoreClient(aio_home(), timeout=POST_TIMEOUT, connect_timeout=POST_TIMEOUT)
    client.request("POST", "/claude/hooks", {"aio_session": session, **fields})


def cmd_hook(argv: list[str]) -> int:
    """Entry of `aio hook`: forward one Claude Code hook to the core; always 0."""
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(
            "usage: aio hook\n\nRun by Claude Code for the hooks of a session aio started: "
            "reads the hook's JSON on stdin and tells the core. Not for people.\n"
        )
        return 0
    try:
        fd = sys.stdin.fileno()
        if os.isatty(fd):
            return 0  # run by hand: there is no hook input to wait for
        head, complete = read_head(fd)
        raw = os.environ.get(SESSION_ENV, "")
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            # A core that is down, busy or refusing must not reach Claude.
            with contextlib.suppress(Exception):
                post_hook(hook_fields(head, complete), int(raw))
        if not complete:
            _drain(fd)
    except Exception:
        pass
    return 0
