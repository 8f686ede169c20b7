"""A job's log for reading (`aio log N --plain`): text without terminal controls, and markers
where each step starts and ends.

The log holds the bytes as the job's terminal got them: colours, cursor moves, progress bars
redrawn with a carriage return. Here each line is replayed the way a terminal would draw it on
one row (a carriage return goes back to the start and later text overwrites, a backspace steps
back, erase-in-line clears), then every escape sequence (CSI, OSC, DCS and the other ESC forms)
and control character but the tab is dropped. Full-screen programs (editors, `top`) draw with
cursor moves across rows; their screens are not rebuilt, their text is kept in order.

Step markers come from the job's record: each step's `log_offset` (the output stream's length
when the runner said the step starts, recorded by the core after reading the PTY's pending
output) and its exit code. A log capped at `log_max_bytes` lost its middle; markers of steps
that started after the cut are put at the end. Stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from aio.text.printable import printable

RULE = "──"
CHUNK = 1024 * 1024
_END = float("inf")  # the offset of the markers written after the whole log
_CONTROL = re.compile(
    r"\x1b\[(?P<csi>[0-?]*)[ -/]*(?P<final>[@-~])"  # CSI: colours, cursor moves, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, links
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # the other ESC sequences (charset, keypad, ...)
    r"|[\x00-\x08\x0a-\x1f\x7f-\x9f]"  # C0 and C1 controls, DEL (tab is kept)
)


class _Row:
    """One terminal row as a terminal draws it: overwrite at the cursor, CR to column 0."""

    def __init__(self) -> None:
        self.cells: list[str] = []
        self.cursor = 0

    def text(self, chars: str) -> None:
        for char in chars:
            if self.cursor < len(self.cells):
                self.cells[self.cursor] = char
            else:
                self.cells.append(char)
            self.cursor += 1

    def control(self, match: re.Match) -> None:
        token = match.group(0)
        if token == "\r":
            self.cursor = 0
        elif token == "\b":
            self.cursor = max(0, self.cursor - 1)
        elif match.group("final") == "K":  # erase in line: 0 to the end, 1 to the cursor, 2 all
            mode = match.group("csi") or "0"
            if mode == "0":
                del self.cells[self.cursor :]
            elif mode == "1":
                self.cells[: self.cursor] = [" "] * min(self.cursor, len(self.cells))
            elif mode == "2":
                self.cells = []

    def take(self) -> str:
        line = "".join(self.cells).rstrip()
        self.cells, self.cursor = [], 0
        return line


def plain_lines(data: str) -> Iterator[str]:
    """The lines of `data` (decoded terminal output) as a reader would want them."""
    row = _Row()
    for line in data.split("\n"):
        row.take()
        at = 0
        for match in _CONTROL.finditer(line):
            row.text(line[at : match.start()])
            row.control(match)
            at = match.end()
        row.text(line[at:])
        yield row.take()


def step_markers(job: dict) -> list[tuple[int, str]]:
    """(stream offset, marker line) for each step that started, its end included, and a
    closing line for the job; sorted by offset."""
    steps = job["steps"]
    count = len(steps)
    markers: list[tuple[int, str]] = []
    previous: tuple[int, dict] | None = None
    for index, step in enumerate(steps):
        offset = step.get("log_offset")
        if offset is None:
            continue
        if previous is not None:
            markers.append((offset, _end_line(*previous, count)))
        markers.append((offset, f"{RULE} step {index + 1}/{count} {_name(step)} {RULE}"))
        previous = (index, step)
    end = _END
    if previous is not None:
        markers.append((end, _end_line(*previous, count)))
    for index, step in enumerate(steps):
        if step.get("status") == "skipped":
            markers.append((end, f"{RULE} step {index + 1}/{count} {_name(step)}: skipped {RULE}"))
    code = job.get("exit_code")
    how = job["status"] + ("" if code is None else f" (exit {code})")
    if job["status"] not in ("queued", "running"):
        markers.append((end, f"{RULE} job {job['id']} {printable(job['name'], 60)}: {how} {RULE}"))
    return markers


def _name(step: dict) -> str:
    return printable(step.get("desc") or step.get("cmd") or "", 60)


def _end_line(index: int, step: dict, count: int) -> str:
    code = step.get("exit_code")
    if step.get("status") == "running":
        how = "running"
    elif code is None:
        how = step.get("status", "?")
    else:
        how = f"exit {code}"
    return f"{RULE} step {index + 1}/{count} {_name(step)}: {how} {RULE}"


def write_plain(log: BinaryIO, job: dict, out: TextIO) -> None:
    """Write the log `log` (binary, read from its start) to `out`: plain lines, with the step
    markers of `job` (its record as the API gives it) where the steps began and ended."""
    position = 0  # stream bytes read so far
    carry = b""  # read but not written: the start of an unfinished line
    for offset, marker in sorted(step_markers(job), key=lambda item: item[0]):
        while position < offset:
            chunk = log.read(CHUNK if offset == _END else min(CHUNK, int(offset) - position))
            if not chunk:
                break
            position += len(chunk)
            carry = _write_lines(carry + chunk, out, final=False)
        carry = _write_lines(carry, out, final=True)  # a marker starts a line of its own
        out.write(marker + "\n")
    while chunk := log.read(CHUNK):
        carry = _write_lines(carry + chunk, out, final=False)
    _write_lines(carry, out, final=True)


def _write_lines(data: bytes, out: TextIO, final: bool) -> bytes:
    """Write the complete lines of `data` (all of it when `final`); return what is left."""
    rest = b""
    if not final:
        cut = data.rfind(b"\n")
        data, rest = data[: cut + 1], data[cut + 1 :]
    if data:
        text = data.decode("utf-8", errors="replace").removesuffix("\n")
        out.write("\n".join(plain_lines(text)) + "\n")
    return rest
