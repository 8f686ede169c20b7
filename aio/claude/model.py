"""A Claude Code session as aio keeps it (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from aio.core.errors import RequestError


class ClaudeStatus(StrEnum):
    """Where a session is, as its hooks told the core (never guessed from the screen)."""

    QUEUED = "queued"
    STARTING = "starting"
    WORKING = "working"
    WAITING = "waiting"
    IDLE = "idle"
    ENDED = "ended"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (ClaudeStatus.ENDED, ClaudeStatus.FAILED)


class ClaudeMode(StrEnum):
    """How the `claude` CLI runs: its TUI in a job's PTY, or `-p` with stream-json."""

    INTERACTIVE = "interactive"
    HEADLESS = "headless"


@dataclass(slots=True)
class ClaudeSession:
    """One session aio started: `id` is aio's number, `session_id` Claude's own id."""

    id: int
    session_id: str
    status: ClaudeStatus
    mode: ClaudeMode
    cwd: str
    created_at: float
    updated_at: float
    branch: str | None = None
    title: str | None = None
    model: str | None = None
    job: int | None = None  # the job running its process, while one does
    error: str | None = None  # why it failed, or why aio ended it (e.g. its idle timeout)
    worktree: str | None = None  # the git worktree made for it (`--worktree`), its cwd
    repo: str | None = None  # the repository that worktree belongs to
    dirty: bool | None = None  # uncommitted changes in the worktree, as last looked at

    def to_dict(self) -> dict:
        """The session as JSON-ready data (what the API and the event stream carry)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(status=str(self.status), mode=str(self.mode), source="aio")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ClaudeSession:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values.update(status=ClaudeStatus(data["status"]), mode=ClaudeMode(data["mode"]))
        if values.get("dirty") is not None:
            values["dirty"] = bool(values["dirty"])  # SQLite keeps it as 0 or 1
        return cls(**values)


COLUMNS = tuple(f.name for f in fields(ClaudeSession))


class ClaudeError(RequestError):
    """A request about a Claude session that cannot be met (4xx: the client's mistake)."""
