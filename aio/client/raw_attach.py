"""Raw attach: this terminal talks straight to a job's PTY through the core.

The user's own terminal does the emulation (no pyte here), so it runs at full speed. In raw mode
the detach key (ctrl-] unless the config says otherwise) returns without stopping the job; window
resizes follow. Without a terminal on stdin, piped input is forwarded as typed bytes.

`clear_terminal` and `wait_for_key` frame an attach started from the dashboard: a clean screen
before it, and a pause after it, so the job's last screen can be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import termios
import tty
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from aio.config.locations import socket_path

# Undo modes a full-screen job may have left on: attributes, cursor, alternate screen, mouse,
# bracketed paste, application keys. Sent only when we detach from a job that is still running.
TERMINAL_RESET = (
    b"\x1b[0m\x1b[?25h\x1b[?1049l"  # attributes, cursor, alternate screen
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l"  # mouse reporting
    b"\x1b[?2004l\x1b[?1l\x1b>"  # bracketed paste, application cursor and keypad keys
)

# Default attributes first, so the cleared screen has the terminal's own background.
CLEAR_SCREEN = b"\x1b[0m\x1b[H\x1b[2J"


@dataclass(slots=True)
class AttachResult:
    """How an attach ended: detached by the user, or the job ended (with its status)."""

    detached: bool
    status: str | None = None
    exit_code: int | None = None
    job_id: int | None = None
    error: str | None = None


class _Session:
    def __init__(self, ws, stdin_fd: int, stdout_fd: int, detach_byte: int | None) -> None:
        self.ws = ws
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.detach_byte = detach_byte
        self.detached = asyncio.Event()
        self.stdin_open = True
        self.outgoing: asyncio.Queue[bytes | str] = asyncio.Queue()

    async def send_loop(self) -> None:
        """Send typed input and resizes in the order they happened."""
        while True:
            item = await self.outgoing.get()
            if isinstance(item, bytes):
                await self.ws.send_bytes(item)
            else:
                await self.ws.send_str(item)

    def on_stdin(self) -> None:
        try:
            data = os.read(self.stdin_fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.stdin_fd)
            self.stdin_open = False
            return
        if self.detach_byte is not None and self.detach_byte in data:
            data = data[: data.index(self.detach_byte)]
            self.detached.set()
        if data:
            self.outgoing.put_nowait(data)

    def on_resize(self) -> None:
        with contextlib.suppress(OSError):
            size = os.get_terminal_size(self.stdout_fd)
            message = {"type": "resize", "cols": size.columns, "rows": size.lines}
            self.outgoing.put_nowait(json.dumps(message))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            import select

            select.select([], [fd], [])


async def attach(
    home: Path,
    ref: str,
    *,
    mode: str = "tail",
    forward_input: bool = True,
    detach_key: int | None = 0x1D,
    stdin_fd: int = 0,
    stdout_fd: int = 1,
    announce: bool = True,
) -> AttachResult:
    """Attach stdin/stdout to job `ref` until the user detaches or the job ends."""
    import aiohttp

    interactive = forward_input and os.isatty(stdin_fd)
    query: dict[str, str] = {"mode": mode}
    if os.isatty(stdout_fd):
        size = os.get_terminal_size(stdout_fd)
        query.update(cols=str(size.columns), rows=str(size.lines))
    url = f"http://aio/jobs/{quote(ref, safe='')}/attach?{urlencode(query)}"
    connector = aiohttp.UnixConnector(path=str(socket_path(home)))
    loop = asyncio.get_running_loop()
    saved_tty = termios.tcgetattr(stdin_fd) if interactive else None
    result = AttachResult(detached=False)
    # A larger read buffer: fewer, bigger reads when a job floods the terminal.
    async with aiohttp.ClientSession(connector=connector, read_bufsize=1 << 20) as http:
        try:
            ws = await http.ws_connect(url, max_msg_size=64 * 1024 * 1024, heartbeat=30)
        except aiohttp.WSServerHandshakeError as exc:
            return AttachResult(detached=False, error=_handshake_error(exc))
        session = _Session(ws, stdin_fd, stdout_fd, detach_key if interactive else None)
        try:
            if interactive:
                tty.setraw(stdin_fd, termios.TCSANOW)  # not TCSAFLUSH: keep what was typed
                loop.add_signal_handler(signal.SIGWINCH, session.on_resize)
            if forward_input:
                try:
                    loop.add_reader(stdin_fd, session.on_stdin)
                except PermissionError:
                    # A regular file or /dev/null cannot be polled, and never blocks: send it now.
                    session.stdin_open = False
                    _send_file(session, stdin_fd)
            receiver = asyncio.ensure_future(_receive(ws, stdout_fd, result, announce))
            detach = asyncio.ensure_future(session.detached.wait())
            sender = asyncio.ensure_future(session.send_loop())
            await asyncio.wait({receiver, detach}, return_when=asyncio.FIRST_COMPLETED)
            if detach.done():
                await _flush(session)
            sender.cancel()
            if detach.done() and not receiver.done():
                result.detached = True
                receiver.cancel()
                await ws.close()
                if interactive:
                    _write_all(stdout_fd, TERMINAL_RESET)
            detach.cancel()
        finally:
            if forward_input and session.stdin_open:
                loop.remove_reader(stdin_fd)
            if interactive:
                loop.remove_signal_handler(signal.SIGWINCH)
                termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved_tty)
    if announce and result.detached:
        sys.stderr.write(f"\r\n[aio] detached from job {result.job_id or ref}; it keeps running\n")
    return result


def clear_terminal(stdout_fd: int = 1) -> None:
    """Clear a terminal's screen and put the cursor top left (nothing if not a terminal)."""
    if os.isatty(stdout_fd):
        _write_all(stdout_fd, CLEAR_SCREEN)


def wait_for_key(prompt: str, stdin_fd: int = 0, stdout_fd: int = 1) -> None:
    """Show `prompt` and wait for one key press, which is swallowed: neither it nor the rest of
    its escape sequence reaches whoever reads the terminal next. Nothing if not a terminal."""
    import select

    if not (os.isatty(stdin_fd) and os.isatty(stdout_fd)):
        return
    saved = termios.tcgetattr(stdin_fd)
    try:
        tty.setraw(stdin_fd, termios.TCSANOW)
        _write_all(stdout_fd, f"\r\n{prompt}".encode())
        while True:
            select.select([stdin_fd], [], [])
            try:
                if os.read(stdin_fd, 1024):
                    break
            except BlockingIOError:
                continue
        termios.tcflush(stdin_fd, termios.TCIFLUSH)
    finally:
        termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)


def _send_file(session: _Session, fd: int) -> None:
    while data := os.read(fd, 65536):
        session.outgoing.put_nowait(data)


async def _flush(session: _Session) -> None:
    """Send what was typed before the detach key."""
    while not session.outgoing.empty():
        item = session.outgoing.get_nowait()
        if isinstance(item, bytes):
            await session.ws.send_bytes(item)
        else:
            await session.ws.send_str(item)


async def _receive(ws, stdout_fd: int, result: AttachResult, announce: bool) -> None:
    import aiohttp

    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.BINARY:
            _write_all(stdout_fd, msg.data)
        elif msg.type == aiohttp.WSMsgType.TEXT:
            message = json.loads(msg.data)
            kind = message.get("type")
            if kind == "hello":
                result.job_id = message["job"]["id"]
                if message.get("readonly") and announce:
                    sys.stderr.write("[aio] read-only: typed keys do not reach this job\r\n")
            elif kind == "exit":
                result.status = message["status"]
                result.exit_code = message["exit_code"]
                if announce:
                    code = message["exit_code"]
                    sys.stderr.write(
                        f"\r\n[aio] job {message['id']} {message['status']}"
                        f"{'' if code is None else f' (exit {code})'}\r\n"
                    )
                return
            elif kind in ("notice", "error") and announce:
                sys.stderr.write(f"\r\n[aio] {message['text']}\r\n")
        elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
            break
    if result.status is None:
        result.error = "the core closed the connection"


def _handshake_error(exc) -> str:
    return f"attach refused (HTTP {exc.status}): {exc.message}"


def run_attach(home: Path, ref: str, **options) -> AttachResult:
    """Blocking wrapper for the CLI."""
    return asyncio.run(attach(home, ref, **options))
