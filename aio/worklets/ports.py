"""A worklet's port: a free one on loopback, whether its server answers there, and whether it
listens on loopback only (read from /proc/net/tcp and tcp6)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

LOOPBACK = "127.0.0.1"
_LISTEN = "0A"


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free on loopback, else a port the kernel picks."""
    for wanted in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As servers bind (Python's and Node's do): a port in TIME_WAIT counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((LOOPBACK, wanted))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


async def answers(port: int, health: str | None, timeout: float = 2.0) -> bool:
    """Whether 127.0.0.1:`port` accepts a connection (and, with `health`, whether a GET of that
    path answers with a 2xx status)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), timeout)
    except (OSError, TimeoutError):
        return False
    try:
        if health is None:
            return True
        request = f"GET {health} HTTP/1.0\r\nHost: {LOOPBACK}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        parts = line.split()
        return len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1][:1] == b"2"
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _address(hex_address: str) -> str:
    """A /proc/net/tcp address (hex, in the kernel's byte order per 32-bit word) as text."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


def listening_addresses(port: int, proc: Path = Path("/proc/net")) -> list[str]:
    """The addresses something listens on with TCP `port`, in this network namespace."""
    found = []
    for name in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc / name).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) < 4 or fields[3] != _LISTEN:
                    continue
                address, _, hex_port = fields[1].partition(":")
                if int(hex_port, 16) == port:
                    found.append(_address(address))
    return found


def is_loopback(address: str) -> bool:
    return (
        address.startswith("127.")
        or address in ("::1", "::ffff:127.0.0.1")
        or (address.startswith("::ffff:127."))
    )


def exposed_addresses(port: int) -> list[str]:
    """The non-loopback addresses (`0.0.0.0`, `::`, a LAN address) listening on `port`."""
    return [a for a in listening_addresses(port) if not is_loopback(a)]
