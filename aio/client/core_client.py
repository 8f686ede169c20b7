"""Talking to the core from a client: fast requests over the unix socket, starting the core.

Requests use a minimal HTTP/1.1 exchange on a raw socket (`Connection: close`) because importing
`http.client` alone costs more than the whole `aio ls` budget. Streams (attach, events) use aiohttp,
imported only where they are opened.
"""

from __future__ import annotations

import _socket  # the C module: `socket` imports enum, selectors and more, on every CLI call
import os
import sys
import time

from aio.config.locations import core_log_path, socket_path_text
from aio.text.c_json import dumps, loads  # not `json`: it imports `re`

TYPE_CHECKING = False  # neither typing nor pathlib: each costs `aio ls` milliseconds
if TYPE_CHECKING:
    from pathlib import Path

START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0  # how long a busy core (full listen backlog) may keep us waiting


class CoreBusy(OSError):
    """The core's socket exists and its listen backlog stayed full: running, but busy."""


class CoreUnavailable(RuntimeError):
    """The core is not running and could not be started."""


class CoreError(RuntimeError):
    """The core answered a request with an error."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class CoreClient:
    """Requests to the core of one `$AIO_HOME` (a Path, or a string on the CLI's fast paths)."""

    def __init__(
        self,
        home: Path | str,
        timeout: float = REQUEST_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.home = home
        self.socket = socket_path_text(home)
        self.timeout = timeout  # per socket operation
        self.connect_timeout = connect_timeout

    def _connect(self) -> _socket.socket:
        """A connected socket. With a timeout set, a unix socket's connect() does not wait:
        a full listen backlog answers EAGAIN at once, so that is retried until a deadline."""
        deadline = time.monotonic() + self.connect_timeout
        pause = 0.001
        while True:
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.socket)
                return sock
            except BlockingIOError:
                sock.close()
                if time.monotonic() >= deadline:
                    raise CoreBusy(
                        0,
                        f"the core is busy: no connection accepted in {self.connect_timeout:.0f} s",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            except OSError:
                sock.close()
                raise

    def is_running(self) -> bool:
        """Whether a core listens on the socket (a busy one counts: it holds the lock)."""
        try:
            self._connect().close()
        except CoreBusy:
            return True
        except OSError:
            return False
        return True

    def ensure_running(self) -> None:
        """Start a core in the background if none answers on the socket."""
        if not self.is_running():
            from pathlib import Path

            start_core(Path(self.home))

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        """One request; returns the decoded JSON answer or raises CoreError/CoreUnavailable."""
        payload = dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: aio\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        try:
            sock = self._connect()
        except CoreBusy as exc:
            raise CoreUnavailable(str(exc.strerror)) from None
        except OSError as exc:
            raise CoreUnavailable(f"the core is not running ({exc.strerror})") from None
        try:
            sock.sendall(head + payload)
            chunks = []
            while data := sock.recv(65536):
                chunks.append(data)
        except OSError as exc:
            raise CoreUnavailable(f"lost the core mid-request ({exc})") from None
        finally:
            sock.close()
        return _decode_response(b"".join(chunks), method, path)


def connect(home: Path | None = None) -> CoreClient:
    """A client of this home's core, started in the background if none runs."""
    from aio.config.locations import aio_home_text

    core = CoreClient(home or aio_home_text())
    core.ensure_running()
    return core


def _decode_response(raw: bytes, method: str, path: str) -> dict:
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise CoreUnavailable(f"{method} {path}: the core sent no HTTP answer") from None
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    try:
        data = loads(body) if body else {}
    except ValueError:  # not JSON (UnicodeDecodeError is a ValueError too)
        data = {"error": body.decode(errors="replace").strip()}
    if status >= 400:
        message = data.get("error") if isinstance(data, dict) else None
        raise CoreError(message or f"{method} {path}: HTTP {status}", status)
    return data


def _unchunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def start_core(home: Path, timeout: float = START_TIMEOUT) -> None:
    """Start `aio serve` detached and wait until it is ready (it says so on a pipe)."""
    import select
    import subprocess

    from aio.config.locations import ensure_home
    from aio.config.settings import ConfigError, load_config

    try:
        load_config(home)  # a bad setting is reported here, not only in core.log
    except ConfigError as exc:
        raise CoreError(f"cannot start the core: {exc}", 400) from None
    ensure_home(home)
    deadline = time.monotonic() + timeout
    client = CoreClient(home)
    ready_r, ready_w = os.pipe()
    log_fd = os.open(core_log_path(home), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    env = {**os.environ, "AIO_HOME": str(home)}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aio", "serve", "--ready-fd", str(ready_w)],
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            pass_fds=(ready_w,),
            start_new_session=True,
            env=env,
            cwd="/",
        )
    finally:
        os.close(ready_w)
        os.close(log_fd)
    try:
        remaining = max(0.0, deadline - time.monotonic())
        readable, _, _ = select.select([ready_r], [], [], remaining)
        said = os.read(ready_r, 64) if readable else b""
    finally:
        os.close(ready_r)
    if said.startswith(b"ready"):
        return
    if not readable:
        proc.kill()
        raise CoreUnavailable(f"the core did not start in time; see {core_log_path(home)}")
    # The pipe closed with no word: the core exited. Code 3 means another core won the
    # race to start (it holds the lock); anything else is a failure worth reporting.
    code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    if code != 3:
        raise CoreUnavailable(f"the core could not start (exit {code}); see {core_log_path(home)}")
    _wait_for_socket(client, deadline)


def _wait_for_socket(client: CoreClient, deadline: float) -> None:
    """Wait, bounded, for the core that won the start race to listen."""
    while time.monotonic() < deadline:
        if client.is_running():
            return
        time.sleep(0.01)  # the winner is between taking the lock and binding: milliseconds
    raise CoreUnavailable("another core is starting but did not answer in time")
