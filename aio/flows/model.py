"""Flow events, runs and attempts as the core keeps them (plain data, no I/O), in the seed's shape.

An event `{id, type, source?, occurredAt?, receivedAt, payload}` is stored once: its id is its
idempotency key. Each step it matched is a run, `run_` + 12 hex of sha256(event id, flow, step)
(a replay's id mixes in a nonce and ends in `_replay`); each try of a run is an attempt
`<runId>:attempt:N`, run as one job. A run's process status is one of PROCESS_STATUSES; its
result status is the `status` of its step's FLOW_RESULT; its effective status is the result
status when there is one, else the process status; it needs attention when that is `blocked` or
`needs_intervention`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aio.core.errors import RequestError

PROCESS_STATUSES = ("queued", "running", "completed", "failed", "canceled")
FINISHED = ("completed", "failed", "canceled")
RESULT_STATUSES = ("skipped", "completed", "changed", "needs_intervention", "blocked", "failed")
ATTENTION = ("blocked", "needs_intervention")


class FlowError(RequestError):
    """A flow request that cannot be met; `status` is the HTTP status to answer with."""


def iso_now(clock=time.time) -> str:
    """The time as the seed writes it: ISO 8601 in UTC with milliseconds (`...T12:00:00.000Z`)."""
    moment = datetime.fromtimestamp(clock(), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def run_id(event_id: str, flow: str, step: str, replay_nonce: str | None = None) -> str:
    """The seed's run id: `run_` + the first 12 hex of sha256 over the event id, flow and step
    (NUL-separated, then the replay nonce if any); replays end in `_replay`."""
    text = f"{event_id}\0{flow}\0{step}" + (f"\0{replay_nonce}" if replay_nonce else "")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"run_{digest}_replay" if replay_nonce else f"run_{digest}"


def replay_nonce(clock=time.time) -> str:
    """What makes a replay's run ids new: the time in ms and a random part (as the seed)."""
    return f"{int(clock() * 1000)}:{secrets.token_hex(8)}"


@dataclass(slots=True)
class FlowEvent:
    """One event, as dispatched; `run_ids` are the runs of its first dispatch."""

    id: str
    type: str
    received_at: str
    payload: object
    source: str | None = None
    occurred_at: str | None = None
    run_ids: list[str] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)  # {flow, step, reason}: schema refusals

    def body(self) -> dict:
        """The event as senders write it (what a step gets in its context)."""
        data: dict = {"id": self.id, "type": self.type}
        if self.source is not None:
            data["source"] = self.source
        if self.occurred_at is not None:
            data["occurredAt"] = self.occurred_at
        data.update(receivedAt=self.received_at, payload=self.payload)
        return data

    def to_dict(self) -> dict:
        """The event with its runs, as the API answers."""
        return {**self.body(), "runIds": list(self.run_ids), "unmatched": list(self.unmatched)}


@dataclass(slots=True)
class Attempt:
    """One try of a run: the job it ran as and how it ended."""

    number: int
    run_id: str
    status: str = "queued"
    job: int | None = None
    started_at: str | None = None
    completed_at: str | None = None
    exit_code: int | None = None
    error: str | None = None

    @property
    def id(self) -> str:
        return f"{self.run_id}:attempt:{self.number}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "attemptNumber": self.number,
            "status": self.status,
            "job": self.job,
            "startedAt": self.started_at,
            "completedAt": self.completed_at,
            "exitCode": self.exit_code,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, run: str, data: dict) -> Attempt:
        return cls(
            number=int(data["attemptNumber"]),
            run_id=run,
            status=data["status"],
            job=data.get("job"),
            started_at=data.get("startedAt"),
            completed_at=data.get("completedAt"),
            exit_code=data.get("exitCode"),
            error=data.get("error"),
        )


@dataclass(slots=True)
class FlowRun:
    """One step run for one event (or a replay of it), with its attempts."""

    id: str
    event_id: str
    flow: str
    flow_version: float
    step: str
    runner: str
    flow_root: str
    created_at: str
    retries: int = 0
    replay: bool = False
    status: str = "queued"  # the process status
    result: dict | None = None  # the FLOW_RESULT object
    error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    started_at: str | None = None
    completed_at: str | None = None
    updated_at: str | None = None
    next_event_ids: list[str] = field(default_factory=list)
    cancel_requested: bool = False

    @property
    def result_status(self) -> str | None:
        status = self.result.get("status") if isinstance(self.result, dict) else None
        return status if status in RESULT_STATUSES else None

    @property
    def effective_status(self) -> str:
        return self.result_status or self.status

    @property
    def needs_attention(self) -> bool:
        return self.effective_status in ATTENTION

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def attempt(self) -> Attempt | None:
        """The latest attempt."""
        return self.attempts[-1] if self.attempts else None

    def to_dict(self) -> dict:
        """The run as the API answers, in the seed's view-model names."""
        latest = self.attempt
        return {
            "id": self.id,
            "eventId": self.event_id,
            "flowName": self.flow,
            "flowVersion": self.flow_version,
            "stepName": self.step,
            "runner": self.runner,
            "flowRoot": self.flow_root,
            "backend": "aio",
            "replay": self.replay,
            "processStatus": self.status,
            "resultStatus": self.result_status,
            "status": self.effective_status,
            "effectiveStatus": self.effective_status,
            "needsAttention": self.needs_attention,
            "retries": self.retries,
            "attemptCount": len(self.attempts),
            "attempts": [a.to_dict() for a in self.attempts],
            "job": latest.job if latest else None,
            "resultPayload": self.result,
            "error": self.error,
            "nextEventIds": list(self.next_event_ids),
            "createdAt": self.created_at,
            "startedAt": self.started_at,
            "completedAt": self.completed_at,
            "updatedAt": self.updated_at,
            "cancelRequested": self.cancel_requested,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FlowRun:
        run = cls(
            id=data["id"],
            event_id=data["eventId"],
            flow=data["flowName"],
            flow_version=data["flowVersion"],
            step=data["stepName"],
            runner=data["runner"],
            flow_root=data["flowRoot"],
            created_at=data["createdAt"],
            retries=int(data.get("retries") or 0),
            replay=bool(data.get("replay")),
            status=data["processStatus"],
            result=data.get("resultPayload"),
            error=data.get("error"),
            started_at=data.get("startedAt"),
            completed_at=data.get("completedAt"),
            updated_at=data.get("updatedAt"),
            next_event_ids=list(data.get("nextEventIds") or []),
            cancel_requested=bool(data.get("cancelRequested")),
        )
        run.attempts = [Attempt.from_dict(run.id, a) for a in data.get("attempts") or []]
        return run
