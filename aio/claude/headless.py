"""Headless Claude sessions: `claude -p` with stream-json both ways, run as a job.

The job's step reads its stdin from a FIFO in the session's folder (`$AIO_HOME/claude/N/`),
which the core holds open for writing: each user message is one stream-json line written to
it. Input never goes through the job's PTY (a PTY echoes input and cuts a canonical line at
4 KiB). The CLI's stream-json output is the job's PTY output; the core reads it with a lossless
viewer (it falls back to the job's log when behind, so nothing is lost and no line is too
long), and keeps a transcript per session in `transcript.jsonl`, written as it streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from aio.core.viewers import Viewer
from aio.jobs.execution import JobOutput

log = logging.getLogger("aio.claude.headless")

HEADLESS_ARGS = (
    "-p",
    "--input-format",
    "stream-json",
    "--output-format",
    "stream-json",
    "--verbose",
)
FIFO_NAME = "stdin.fifo"
TRANSCRIPT_NAME = "transcript.jsonl"
MAX_MESSAGE_BYTES = 1024 * 1024  # one follow-up's text, encoded
TOOL_RESULT_CHARS = 2000  # a tool's result as the transcript shows it
INPUT_VALUE_CHARS = 60  # each value of a tool's input summary
INPUT_SUMMARY_CHARS = 200
READER_BUDGET = 4 * 1024 * 1024  # queued output before the reader reads from the log instead
DRAIN_SECONDS = 30.0  # the most an ended job's reader may take to read the rest of its log

OnEntry = Callable[[int, int, dict], None]  # session number, entry's index, entry


def user_line(text: str) -> bytes:
    """One stream-json input line: a user message with `text`."""
    message = {"role": "user", "content": [{"type": "text", "text": text}]}
    return (json.dumps({"type": "user", "message": message}) + "\n").encode()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def input_summary(value: object) -> str:
    """A tool's input in one short line: `key=value` pairs, each value cut short."""
    if not isinstance(value, dict):
        return _short(json.dumps(value, ensure_ascii=False), INPUT_SUMMARY_CHARS)
    parts = []
    for key, item in value.items():
        shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        parts.append(f"{key}={_short(' '.join(shown.split()), INPUT_VALUE_CHARS)}")
    return _short(", ".join(parts), INPUT_SUMMARY_CHARS)


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            block.get("text", "") for block in content if isinstance(block, dict)
        ).strip()
    return ""


def entries_of(message: dict) -> list[dict]:
    """The transcript entries of one stream-json (or session file) message."""
    kind = message.get("type")
    body = message.get("message") if isinstance(message.get("message"), dict) else {}
    content = body.get("content")
    entries: list[dict] = []
    if kind == "result":
        entries.append(
            {
                "kind": "result",
                "text": message.get("result") if isinstance(message.get("result"), str) else "",
                "is_error": bool(message.get("is_error")),
            }
        )
    elif kind == "assistant" and isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and block.get("text"):
                entries.append({"kind": "assistant", "text": block["text"]})
            elif block.get("type") == "tool_use":
                name = str(block.get("name", ""))
                entries.append(
                    {"kind": "tool_use", "name": name, "input": input_summary(block.get("input"))}
                )
    elif kind == "user":
        if isinstance(content, str):
            entries.append({"kind": "user", "text": content})
        elif isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "tool_result":
                    text = _short(_result_text(block.get("content")), TOOL_RESULT_CHARS)
                    entries.append(
                        {
                            "kind": "tool_result",
                            "text": text,
                            "is_error": bool(block.get("is_error")),
                        }
                    )
                elif block.get("type") == "text":
                    entries.append({"kind": "user", "text": block.get("text", "")})
    return entries


class LineSplitter:
    """Bytes in, whole lines out (CRs of the PTY's newline translation removed); no limit on
    a line's length, and each byte is scanned once."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scanned = 0

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines = []
        start = 0
        while (end := self._buffer.find(b"\n", max(start, self._scanned))) != -1:
            lines.append(bytes(self._buffer[start:end]).replace(b"\r", b""))
            start = end + 1
        del self._buffer[:start]
        self._scanned = len(self._buffer)
        return lines


class HeadlessRun:
    """One running job of a headless session: the FIFO its stdin reads, and the reader of its
    stream-json output."""

    def __init__(self, number: int, job: int, fifo: Path, on_message: Callable) -> None:
        self.number = number
        self.job = job
        self.fifo = fifo
        self.sent = 0  # user lines written in this job
        self.results = 0  # result lines read in this job
        self._on_message = on_message
        self._fd: int | None = None
        self._lock = asyncio.Lock()
        self._splitter = LineSplitter()
        self._viewer: Viewer | None = None
        self._reader: asyncio.Task | None = None
        self._output: JobOutput | None = None

    def open(self) -> None:
        """Make the FIFO (if new) and hold it open: O_RDWR never waits for a reader, and keeps
        the CLI's stdin from reaching end-of-file between turns."""
        with contextlib.suppress(FileExistsError):
            os.mkfifo(self.fifo, 0o600)
        self._fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)

    def follow(self, output: JobOutput) -> None:
        """Read the job's output from its start, losslessly, until the job ends."""
        self._output = output
        self._viewer = Viewer(
            output.source(),
            self._feed,
            self._notice,
            budget=READER_BUDGET,
            lossless=True,
            from_start=True,
        )
        output.viewers.add(self._viewer)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            await self._viewer.run()
            self._take(self._splitter.feed(b"\n"))  # a last line without its newline
        finally:
            self._output.viewers.discard(self._viewer)

    async def _feed(self, data: bytes) -> None:
        self._take(self._splitter.feed(data))

    async def _notice(self, message: dict) -> None:
        return None  # the exit message and notices are for people

    def _take(self, lines: list[bytes]) -> None:
        for line in lines:
            if not line.startswith(b"{"):
                continue  # the CLI's stderr shares the PTY
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") == "result":
                self.results += 1
            try:
                self._on_message(self, message)
            except Exception:  # one odd message must not end the reading
                log.exception("claude session %s: a stream-json line was not taken", self.number)

    async def write(self, data: bytes) -> None:
        """Write `data` to the FIFO whole, waiting while the pipe is full."""
        async with self._lock:
            if self._fd is None:
                raise OSError(errno.EPIPE, "the session's input is closed")
            view = memoryview(data)
            loop = asyncio.get_running_loop()
            while view:
                try:
                    view = view[os.write(self._fd, view) :]
                except BlockingIOError:
                    ready = loop.create_future()
                    loop.add_writer(self._fd, ready.set_result, None)
                    try:
                        await ready
                    finally:
                        loop.remove_writer(self._fd)

    async def close(self, drain: bool = False) -> None:
        """Let go of the FIFO and stop reading; with `drain` (the job has ended), only once
        the reader has taken in the job's whole output."""
        if self._reader is not None and not self._reader.done():
            if not drain:
                self._viewer.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._reader, DRAIN_SECONDS)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class HeadlessSessions:
    """The headless sessions' running jobs and their transcripts (on disk and in memory)."""

    def __init__(self, folder_of: Callable[[int], Path], on_entry: OnEntry, on_result) -> None:
        self._folder_of = folder_of
        self._on_entry = on_entry
        self._on_result = on_result
        self.runs: dict[int, HeadlessRun] = {}  # aio session number -> its running job
        self._transcripts: dict[int, list[dict]] = {}
        self._closing: set[asyncio.Task] = set()
        self.pending: dict[int, str] = {}  # first prompts of sessions whose job is not up yet

    def stdin_path(self, number: int) -> Path:
        return self._folder_of(number) / FIFO_NAME

    def prepare(self, number: int) -> HeadlessRun:
        """Make the session's FIFO before its job is submitted (the step's `<` waits for the
        core to open it, in `follow`)."""
        folder = self._folder_of(number)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return HeadlessRun(number, 0, self.stdin_path(number), self._message)

    async def follow(self, run: HeadlessRun, job: int, output: JobOutput) -> None:
        """Hold the FIFO open for job `job`, read its output, and send the first prompt."""
        run.job = job
        run.open()
        self.runs[run.number] = run
        run.follow(output)
        prompt = self.pending.pop(run.number, None)
        if prompt:
            await self.send(run.number, prompt)

    def finish(self, number: int, job: int) -> None:
        """The session's job `job` ended: no more input; its output is read to the end in
        the background (the caller, following every job, must not wait for it)."""
        run = self.runs.get(number)
        if run is not None and run.job == job:
            del self.runs[number]
            task = asyncio.create_task(run.close(drain=True))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def close_all(self) -> None:
        """Stop every reader and close every FIFO (the core is stopping)."""
        for number in list(self.runs):
            await self.runs.pop(number).close()
        for task in list(self._closing):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def send(self, number: int, text: str) -> dict:
        """Write one user message to the session's running job; return its transcript entry."""
        run = self.runs[number]
        await run.write(user_line(text))
        run.sent += 1
        return self.add(number, {"kind": "user", "text": text, "job": run.job, "turn": run.sent})

    def _message(self, run: HeadlessRun, message: dict) -> None:
        for entry in entries_of(message):
            if entry["kind"] == "user":
                continue  # the core wrote those itself, when it sent them
            entry["job"] = run.job
            if entry["kind"] == "result":
                entry["turn"] = run.results
            self.add(run.number, entry)
        if message.get("type") == "result":
            self._on_result(run.number, run.results >= run.sent)

    def add(self, number: int, entry: dict) -> dict:
        """Append `entry` (stamped) to the session's transcript, on disk and in memory."""
        entry = {**entry, "at": time.time()}
        entries = self.transcript(number)
        path = self._folder_of(number) / TRANSCRIPT_NAME
        try:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError:
            log.exception("claude session %s: the transcript could not be written", number)
        entries.append(entry)
        self._on_entry(number, len(entries) - 1, entry)
        return entry

    def transcript(self, number: int) -> list[dict]:
        """The session's transcript (read from its file once, then kept in memory)."""
        entries = self._transcripts.get(number)
        if entries is None:
            entries = self._transcripts[number] = read_transcript(
                self._folder_of(number) / TRANSCRIPT_NAME
            )
        return entries

    def has_transcript(self, number: int) -> bool:
        return number in self._transcripts or ((self._folder_of(number) / TRANSCRIPT_NAME).exists())


def read_transcript(path: Path) -> list[dict]:
    """The entries of a transcript file (a torn last line, from a crash, is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    entries = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


def disk_transcript(session_id: str, cwd: str | None) -> list[dict]:
    """The transcript of a session aio does not run, from its file on disk (read by
    claude-agent-sdk; slow to import, so only here)."""
    from claude_agent_sdk import get_session_messages

    entries = []
    for message in get_session_messages(session_id, directory=cwd):
        entries.extend(entries_of({"type": message.type, "message": message.message}))
    return entries
