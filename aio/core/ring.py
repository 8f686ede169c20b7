"""A bounded in-memory tail of a job's output: what a new viewer replays."""

from __future__ import annotations

from collections import deque


class OutputRing:
    """Keeps roughly the last `capacity` bytes of a stream, in O(1) per appended chunk.

    `total` counts every byte ever appended, so a viewer can tell where the tail starts in the
    stream (and the log file, which holds the same bytes).
    """

    __slots__ = ("_chunks", "_size", "capacity", "total")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self.total = 0

    def append(self, chunk: bytes) -> None:
        """Add a chunk, dropping whole old chunks that fall out of the window."""
        self._chunks.append(chunk)
        self._size += len(chunk)
        self.total += len(chunk)
        while self._size - len(self._chunks[0]) >= self.capacity:
            self._size -= len(self._chunks.popleft())

    def tail(self) -> bytes:
        """The kept bytes, at most `capacity`, starting at a line boundary where one is near."""
        data = b"".join(self._chunks)
        if len(data) > self.capacity:
            data = data[-self.capacity :]
        return trim_to_line_start(data) if len(data) >= self.capacity else data

    def __len__(self) -> int:
        return self._size


def trim_to_line_start(data: bytes, search: int = 4096) -> bytes:
    """Drop a partial first line (it may start inside an escape sequence) if one ends soon."""
    cut = data.find(b"\n", 0, search)
    return data[cut + 1 :] if cut >= 0 else data
