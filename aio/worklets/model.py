"""A worklet as aio keeps it (plain data, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import StrEnum

from aio.core.errors import RequestError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_ENV = ("HOST", "AIO_WORKLET_ID", "AIO_KV_URL", "AIO_KV_TOKEN")


class WorkletStatus(StrEnum):
    """The life of a worklet: `starting` is a server started but not yet answering on its port;
    `running` means its port answers (or its health path returns 2xx)."""

    CREATING = "creating"
    BUILDING = "building"
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"
    ERROR = "error"

    @property
    def settled(self) -> bool:
        """Whether nothing is under way: a waiting client can be answered."""
        return self in (WorkletStatus.RUNNING, WorkletStatus.STOPPED, WorkletStatus.ERROR)


class WorkletError(RequestError):
    """A request about a worklet that cannot be met (4xx: the client's mistake)."""


@dataclass(slots=True)
class Worklet:
    """One worklet: `id` is its number (never reused), `folder` holds its clone in `repo/`."""

    id: int
    name: str
    repo: str  # the git URL or absolute path it was cloned from
    status: WorkletStatus
    folder: str
    created_at: float
    updated_at: float
    branch: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # the user's --env K=V
    port: int | None = None  # kept across restarts while it stays free
    error: str | None = None  # the last error, kept until the next start
    plan: str | None = None  # how it builds and runs: toml, npm, python, go, docker
    commit: str | None = None  # the commit checked out, as last looked at
    build_job: int | None = None  # the last build job
    run_job: int | None = None  # the last run job (its log is `aio wl logs`)
    session: int | None = None  # the Claude session `aio wl prompt` started, while it runs

    @property
    def url(self) -> str | None:
        """Where its server answers, while it has one (starting or running)."""
        live = self.status in (WorkletStatus.STARTING, WorkletStatus.RUNNING)
        return f"http://127.0.0.1:{self.port}/" if self.port and live else None

    @property
    def clone(self) -> str:
        return f"{self.folder}/repo"

    def to_dict(self) -> dict:
        """The worklet as JSON-ready data (what the API and the event stream carry)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(status=str(self.status), env=dict(self.env), url=self.url, clone=self.clone)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Worklet:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values.update(status=WorkletStatus(data["status"]), env=dict(data.get("env") or {}))
        return cls(**values)


COLUMNS = tuple(f.name for f in fields(Worklet))


def check_name(name: str) -> str:
    """`name` if it can name a worklet: 1-40 of letters, digits, `_.-`, not only digits."""
    if not NAME.fullmatch(name) or name.isdigit():
        raise WorkletError(
            f"name '{name[:60]}': expected 1-40 letters, digits, '_', '.' or '-' "
            "(starting with a letter or digit, not only digits)"
        )
    return name


def check_env(env: object) -> dict[str, str]:
    """The user's extra environment, each name valid and none of those aio sets itself."""
    if not isinstance(env, dict):
        raise WorkletError("field 'env': expected an object of NAME -> value")
    for key, value in env.items():
        if not isinstance(key, str) or not ENV_NAME.fullmatch(key):
            raise WorkletError(
                f"--env {str(key)[:60]!r}: expected NAME=VALUE with NAME of letters, digits "
                "and _, not starting with a digit"
            )
        if key in RESERVED_ENV:
            raise WorkletError(f"--env {key}: aio sets {key} itself")
        if not isinstance(value, str) or "\x00" in value or len(value) > 64 * 1024:
            raise WorkletError(f"--env {key}: expected a text value (no NUL, at most 64 KiB)")
    return dict(env)
