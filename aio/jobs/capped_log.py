"""A job's log file with a size cap: past the cap it keeps the head of the output, a marker, and
a rolling tail of the latest output, so a job that floods its terminal cannot fill the disk.

Layout once capped: [head: the first cap/2 bytes][MARKER][tail: the latest output]. When the file
grows past the cap again, the newest `tail_keep` bytes are moved up behind the marker and the
file is cut there: each byte is copied at most once more, in a copy of at most 64 MiB.

Viewers read by stream offset (every byte the job ever wrote counts); `read()` maps an offset to
the file, and an offset that fell into the dropped middle gets the marker and moves on to the
tail's start.
"""

from __future__ import annotations

import os

MARKER = b"\r\n[aio] log capped: output was dropped here; what follows is the latest output\r\n"
MAX_TAIL_KEEP = 64 * 1024 * 1024


class CappedLog:
    """An append-only log file of at most about `cap` bytes (head, marker, rolling tail)."""

    def __init__(self, path: str, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.head = cap // 2
        self.tail_keep = min(cap // 8, MAX_TAIL_KEEP)
        self.capped = False
        self.tail_start = 0  # the stream offset of the first byte behind the marker
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._size = os.lseek(self._fd, 0, os.SEEK_END)
        self.total = self._size  # stream bytes written (the file holds fewer once capped)

    @property
    def _tail_file_start(self) -> int:
        return self.head + len(MARKER)

    def write(self, data: bytes) -> None:
        """Append `data`; compact the file when it is past the cap. Raises OSError."""
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
            self._size += written
        self.total += len(data)
        if self._size > self.cap:
            self._compact()

    def _compact(self) -> None:
        keep = self.tail_keep
        latest = os.pread(self._fd, keep, self._size - keep)
        if not self.capped:
            os.pwrite(self._fd, MARKER, self.head)  # over stream bytes that are dropped
            self.capped = True
        os.pwrite(self._fd, latest, self._tail_file_start)
        self._size = self._tail_file_start + len(latest)
        os.ftruncate(self._fd, self._size)
        os.lseek(self._fd, 0, os.SEEK_END)
        self.tail_start = self.total - len(latest)

    def read(self, offset: int, size: int) -> tuple[bytes, int]:
        """Up to `size` bytes of the stream from `offset`, and the offset to read next.
        Works after `close()` too (the file is opened for the read). Raises OSError."""
        if self.capped and self.head <= offset < self.tail_start:
            return MARKER, self.tail_start
        if not self.capped:
            at = offset
        elif offset < self.head:
            at, size = offset, min(size, self.head - offset)
        else:
            at = self._tail_file_start + offset - self.tail_start
        if self._fd >= 0:
            data = os.pread(self._fd, size, at)
        else:
            with open(self.path, "rb") as log:
                log.seek(at)
                data = log.read(size)
        return data, offset + len(data)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_log_file(path: str, offset: int, size: int) -> tuple[bytes, int]:
    """`CappedLog.read` for a log no job writes any more (its file offsets are the stream's)."""
    with open(path, "rb") as log:
        log.seek(offset)
        data = log.read(size)
    return data, offset + len(data)
