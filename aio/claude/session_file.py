"""One Claude Code session file on disk, read into the small entry the session index keeps.

A session file is `projects/<folder>/<session-id>.jsonl`, one JSON object a line, appended to
while the session runs. What it says is read by claude-agent-sdk's own per-file functions,
the ones `list_sessions` and `get_session_info` run on each file (a head and a tail of 64 KB,
never the whole file). Its public functions cannot be used here: they find files by session id
under the config folder named by `$CLAUDE_CONFIG_DIR` at call time, while the index reads the
file at a path it was told about, under the config folder it was given.

The file itself is read here only for what the SDK does not give: the cwd when it is not in
the first 64 KB (the CLI writes `cwd` after `message`, so a first prompt of a few MB pushes it
out), scanned for in bounded chunks. Anything that cannot be read leaves a field None; nothing
here raises for a bad file, and nothing of the file's content is kept but the capped fields.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

log = logging.getLogger("aio.claude.session_file")

SESSION_NAME = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl$", re.IGNORECASE
)
TITLE_CHARS = 200
BRANCH_CHARS = 255  # git refuses longer ref names on most file systems anyway
CWD_CHARS = 4096  # PATH_MAX: a longer "cwd" is no folder one can resume in
SCAN_LIMIT = 32 * 1024 * 1024  # how far the cwd is looked for (a pasted prompt is written twice)
SCAN_CHUNK = 1024 * 1024

StatKey = tuple[int, int, int, int]


def session_id_of(name: str) -> str | None:
    """The session id a file name carries (`<uuid>.jsonl`), or None for any other file."""
    return name[: -len(".jsonl")] if SESSION_NAME.match(name) else None


def stat_key(info: os.stat_result) -> StatKey:
    """What tells that a file changed without reading it: size, mtime, inode, device."""
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def is_regular(info: os.stat_result) -> bool:
    """Only regular files are read: a FIFO named like a session would block the reader."""
    return stat.S_ISREG(info.st_mode)


def capped(value: Any, limit: int) -> str | None:
    """A text field cut to `limit` characters (the last one an ellipsis); None if not text."""
    if not isinstance(value, str) or not value:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def usable_cwd(value: Any) -> str | None:
    """A cwd worth showing and resuming in: an absolute path, not absurdly long, no NUL."""
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    if len(value) > CWD_CHARS or "\x00" in value:
        return None
    return value


@functools.cache
def _sdk_readers() -> tuple[Any, Any] | None:
    """claude-agent-sdk's per-file reader and parser (imported on first use: the package takes
    most of a second to import), or None when this SDK version has them no more."""
    try:
        from claude_agent_sdk._internal.sessions import (
            _parse_session_info_from_lite,
            _read_session_lite,
        )
    except ImportError as exc:
        log.warning(
            "claude-agent-sdk's session reader is missing (%s): sessions get no titles", exc
        )
        return None
    return _read_session_lite, _parse_session_info_from_lite


def sdk_available() -> bool:
    """Whether the SDK's reader could be loaded (the index works without it, with less)."""
    return _sdk_readers() is not None


def _sdk_info(path: Path, session_id: str) -> Any:
    """The SDK's SDKSessionInfo for one file, or None (empty, unreadable, nothing to show)."""
    readers = _sdk_readers()
    if readers is None:
        return None
    read_lite, parse = readers
    try:
        lite = read_lite(path)
        # No project path: the cwd must come from the file, never from the folder's name.
        return parse(session_id, lite, None) if lite is not None else None
    except Exception:  # a parser bug on a strange file must not stop the index
        log.exception("claude session file %s: the SDK could not read it", path)
        return None


def _string_at(fd: int, start: int) -> str | None:
    """The JSON string whose body starts at byte `start` (just after its opening quote)."""
    raw = os.pread(fd, CWD_CHARS * 6 + 2, start)  # the longest escaped value we would accept
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == 0x5C:  # a backslash escapes the next byte
            index += 2
            continue
        if byte == 0x22:
            try:
                value = json.loads(b'"' + raw[:index] + b'"')
            except ValueError:
                return None
            return value if isinstance(value, str) else None
        index += 1
    return None


def scan_string_field(path: Path, key: str, limit: int = SCAN_LIMIT) -> str | None:
    """The first `"key":"value"` in the first `limit` bytes of the file, read a chunk at a time
    (never the whole file in memory); None when absent, unreadable or not a string."""
    pattern = f'"{key}":"'.encode()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not is_regular(os.fstat(fd)):
            return None
        offset, carry = 0, b""
        while offset < limit:
            chunk = os.pread(fd, min(SCAN_CHUNK, limit - offset), offset)
            if not chunk:
                return None
            buffer = carry + chunk
            found = buffer.find(pattern)
            if found >= 0:
                return _string_at(fd, offset - len(carry) + found + len(pattern))
            carry = buffer[-(len(pattern) - 1) :]  # a pattern cut by the chunk's end
            offset += len(chunk)
        return None
    except OSError:
        return None
    finally:
        os.close(fd)


def read_entry(path: Path, session_id: str, info: os.stat_result) -> dict[str, Any]:
    """The index's entry for one session file: what the SDK reads of it, the cwd scanned for
    when the SDK has none, and the size and time of `info` (its stat, taken before reading)."""
    entry: dict[str, Any] = {
        "session_id": session_id,
        "cwd": None,
        "branch": None,
        "title": None,
        "first_prompt": None,
        "updated_at": info.st_mtime,
        "size": info.st_size,
        "path": str(path),
    }
    if info.st_size == 0:
        return entry
    sdk = _sdk_info(path, session_id)
    if sdk is not None:
        entry["cwd"] = usable_cwd(sdk.cwd)
        entry["branch"] = capped(sdk.git_branch, BRANCH_CHARS)
        entry["first_prompt"] = capped(sdk.first_prompt, TITLE_CHARS)
        # The SDK's summary is already custom title, else last prompt, else first prompt.
        title = sdk.custom_title or sdk.summary or sdk.first_prompt
        entry["title"] = capped(title, TITLE_CHARS)
    if entry["cwd"] is None:
        entry["cwd"] = usable_cwd(scan_string_field(path, "cwd"))
    if entry["branch"] is None and sdk is None:
        entry["branch"] = capped(scan_string_field(path, "gitBranch"), BRANCH_CHARS)
    return entry
