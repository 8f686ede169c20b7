"""Messages that carry core events into the UI (posted by the app's one core worker)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class CoreConnected(Message):
    """The event stream is up; `jobs` and `tasks` are the core's snapshot."""

    jobs: list[dict]
    tasks: list[dict]
    task_errors: dict[str, str]


@dataclass
class CoreDisconnected(Message):
    """The core went away; nothing shown is live until CoreConnected."""

    reason: str


@dataclass
class JobChanged(Message):
    """A job's record changed (created, started, step, finished...)."""

    job: dict


@dataclass
class JobRemoved(Message):
    job_id: int


@dataclass
class TasksChanged(Message):
    tasks: list[dict]


@dataclass
class TaskFileError(Message):
    path: str
    error: str


@dataclass
class TodosChanged(Message):
    """Todos changed (here, in another dashboard, or through `aio t`): fetch them again."""


@dataclass
class Reminder(Message):
    """A todo's deadline (real or virtual) was reached."""

    text: str
    todo: dict


@dataclass
class ClisChanged(Message):
    """The CLI registry changed: fetch it again."""


@dataclass
class ClaudeSessionChanged(Message):
    """A Claude session's record changed (new, a hook moved its status, stopped, resumed)."""

    session: dict


@dataclass
class ClaudeSessionsLoaded(Message):
    """aio's Claude sessions as the core lists them (fetched once on each connect)."""

    sessions: list[dict]


@dataclass
class ClaudeSessionRemoved(Message):
    """aio's Claude session `number` was removed (its record is gone)."""

    number: int


@dataclass
class ClaudeTranscriptEntry(Message):
    """A headless session's transcript grew by one entry, as it streamed."""

    number: int
    index: int  # the entry's place in the transcript (0 is the first)
    entry: dict


@dataclass
class WorkletChanged(Message):
    """A worklet's record changed (added, its status moved, its jobs changed)."""

    worklet: dict


@dataclass
class WorkletRemoved(Message):
    """Worklet `number` was removed."""

    number: int


@dataclass
class WorkletsLoaded(Message):
    """The worklets as the core lists them (fetched once on each connect)."""

    worklets: list[dict]


@dataclass
class FlowRunChanged(Message):
    """A flow run was made or changed (its attempt started or ended, its result came)."""

    run: dict


@dataclass
class FlowEventAdded(Message):
    """A flow event was recorded (dispatched, a result's `next`, or a replay)."""

    event: dict


@dataclass
class FlowsChanged(Message):
    """The flows found on disk changed: fetch them again."""


# The core's event types and the message each one becomes (a snapshot is CoreConnected).
EVENT_MESSAGES = {
    "job": lambda e: JobChanged(e["job"]),
    "job_removed": lambda e: JobRemoved(e["id"]),
    "tasks": lambda e: TasksChanged(e["tasks"]),
    "task_error": lambda e: TaskFileError(e["path"], e["error"]),
    "clis_changed": lambda e: ClisChanged(),
    "todos_changed": lambda e: TodosChanged(),
    "claude_session": lambda e: ClaudeSessionChanged(e["session"]),
    "claude_session_removed": lambda e: ClaudeSessionRemoved(e["id"]),
    "claude_transcript": lambda e: ClaudeTranscriptEntry(e["id"], e["index"], e["entry"]),
    "worklet": lambda e: WorkletChanged(e["worklet"]),
    "worklet_removed": lambda e: WorkletRemoved(e["id"]),
    "flow_run": lambda e: FlowRunChanged(e["run"]),
    "flow_event": lambda e: FlowEventAdded(e["event"]),
    "flows_changed": lambda e: FlowsChanged(),
    "reminder": lambda e: Reminder(e["text"], e["todo"]),
}
# Published to the screens at once, not through the app's queue: they come in streams, and the
# app keeps no state of them.
DIRECT = (ClaudeTranscriptEntry, FlowRunChanged, FlowEventAdded, FlowsChanged)
