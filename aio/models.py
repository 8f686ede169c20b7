"""Domain models shared by the core, the client and the UI (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class JobStatus(StrEnum):
    """The life of a job. `lost` means the core died while the job ran."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    KILLED = "killed"
    TIMEOUT = "timeout"
    LOST = "lost"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class StepStatus(StrEnum):
    """The life of one step of a job."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(slots=True)
class Step:
    """One step of a job, as the core reports it."""

    desc: str
    cmd: str
    status: StepStatus = StepStatus.PENDING
    exit_code: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    timeout: float | None = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def to_dict(self) -> dict:
        return {
            "desc": self.desc,
            "cmd": self.cmd,
            "status": str(self.status),
            "exit_code": self.exit_code,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        return cls(
            desc=data["desc"],
            cmd=data["cmd"],
            status=StepStatus(data.get("status", "pending")),
            exit_code=data.get("exit_code"),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            timeout=data.get("timeout"),
        )


@dataclass(slots=True)
class Job:
    """A job's record: what it runs and how it went."""

    id: int
    name: str
    status: JobStatus
    steps: list[Step]
    created_at: float
    folder: str
    source: str | None = None
    repo: str | None = None
    branch: str | None = None
    workdir: str | None = None
    timeout: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    current_step: int | None = None
    error: str | None = None
    folder_removed: bool = False
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def log_path(self) -> str:
        return f"{self.folder}/output.log"

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def step_label(self) -> str:
        """`i/n` where i is the running (or last reached) step, 1-based."""
        n = len(self.steps)
        if self.current_step is None:
            done = sum(1 for s in self.steps if s.status == StepStatus.DONE)
            return f"{done}/{n}"
        return f"{self.current_step + 1}/{n}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "status": str(self.status),
            "steps": [s.to_dict() for s in self.steps],
            "created_at": self.created_at,
            "folder": self.folder,
            "source": self.source,
            "repo": self.repo,
            "branch": self.branch,
            "workdir": self.workdir,
            "timeout": self.timeout,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "exit_code": self.exit_code,
            "current_step": self.current_step,
            "error": self.error,
            "folder_removed": self.folder_removed,
            "variables": dict(self.variables),
            "log_path": self.log_path,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Job:
        return cls(
            id=data["id"],
            name=data["name"],
            status=JobStatus(data["status"]),
            steps=[Step.from_dict(s) for s in data["steps"]],
            created_at=data["created_at"],
            folder=data["folder"],
            source=data.get("source"),
            repo=data.get("repo"),
            branch=data.get("branch"),
            workdir=data.get("workdir"),
            timeout=data.get("timeout"),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            exit_code=data.get("exit_code"),
            current_step=data.get("current_step"),
            error=data.get("error"),
            folder_removed=bool(data.get("folder_removed")),
            variables=dict(data.get("variables") or {}),
        )
