"""Domain models shared by the core, the client and the UI (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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
    log_offset: int | None = None  # where its output starts in the job's output stream

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["status"] = StepStatus(data.get("status", "pending"))
        return cls(**values)


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
    pgid: int | None = None  # the process group while it runs; kept to find orphans

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
        """The job as JSON-ready data (what the API and the event stream carry)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(
            status=str(self.status),
            steps=[s.to_dict() for s in self.steps],
            variables=dict(self.variables),
            log_path=self.log_path,
        )
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Job:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values.update(
            status=JobStatus(data["status"]),
            steps=[Step.from_dict(s) for s in data["steps"]],
            folder_removed=bool(data.get("folder_removed")),
            variables=dict(data.get("variables") or {}),
        )
        return cls(**values)
