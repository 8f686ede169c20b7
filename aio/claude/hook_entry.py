"""The command Claude Code runs for each hook of a session aio started.

A session's `--settings` run this file as a script, `python -S -I hook_entry.py SOCKET`: no
site, no aio package, standard library only (not even `json`), so that it costs about the
interpreter's own start. It reads the hook's JSON on stdin (at most HEAD_BYTES of it: a
PostToolUse input can carry a tool's whole output, many megabytes) and forwards those bytes
as they are, with the aio session number (`$AIO_CLAUDE_SESSION`, set on the claude process by
aio), to the core's socket: `POST /claude/hooks/N?complete=0|1`. The core reads the fields
(aio.claude.hook_input). No core start, and it always exits 0 at once with nothing on stdout:
a hook must never block Claude, nor add to its context (what a SessionStart or
UserPromptSubmit hook prints becomes part of the conversation). `aio hook` runs the same.
"""

from __future__ import annotations

import os
import sys

SESSION_ENV = "AIO_CLAUDE_SESSION"
HEAD_BYTES = 64 * 1024
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


def _drain(fd: int, seconds: float = DRAIN_SECONDS) -> None:
    """Read and drop the rest of stdin, bounded in time, so Claude's write does not fail."""
    import select
    import time

    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([fd], [], [], left)
        if not readable or not os.read(fd, 1 << 20):
            return


def post_hook(socket_file: str, session: int, head: bytes, complete: bool) -> None:
    """Post one hook's input to the core on `socket_file` and wait for its answer to begin;
    raises OSError when no core answers (the caller keeps that from Claude)."""
    import _socket  # the C module: `socket` would import enum, selectors and more

    request = (
        f"POST /claude/hooks/{session}?complete={int(complete)} HTTP/1.1\r\n"
        f"Host: aio\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(head)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(POST_TIMEOUT)
        sock.connect(socket_file)
        sock.sendall(request + head)
        sock.recv(256)  # the status line: the core has taken it in
    finally:
        sock.close()


def forward(socket_file: str) -> int:
    """Forward the hook on stdin to the core on `socket_file`; always 0."""
    try:
        fd = sys.stdin.fileno()
        if os.isatty(fd):
            return 0  # run by hand: there is no hook input to wait for
        head, complete = read_head(fd)
        raw = os.environ.get(SESSION_ENV, "")
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            # A core that is down, busy or refusing must not reach Claude (not contextlib:
            # its imports would cost more than this whole script).
            try:  # noqa: SIM105
                post_hook(socket_file, int(raw), head, complete)
            except Exception:
                pass
        if not complete:
            _drain(fd)
    except Exception:
        pass
    return 0


def cmd_hook(argv: list[str]) -> int:
    """Entry of `aio hook`: the same forward, to this home's core."""
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(
            "usage: aio hook\n\nRun by Claude Code for the hooks of a session aio started: "
            "reads the hook's JSON on stdin and tells the core. Not for people.\n"
        )
        return 0
    from aio.config.locations import aio_home, socket_path

    return forward(str(socket_path(aio_home())))


if __name__ == "__main__":
    sys.exit(forward(sys.argv[1]) if len(sys.argv) == 2 else 0)
