"""How one attempt of a run becomes a job: its context file, its command and its environment.

A job's stdin is its PTY, so the seed's context JSON (`{flow: {name, version, root, step,
config?, event}, runtime: {eventId, runId, attemptId, replay, launchedBy}}`) is written to
`$AIO_HOME/flow-runs/<runId>/attempt-N.json` and the step's program reads it by redirection
(`< file`): it sees the JSON on stdin and then end-of-file, as with the seed. Its output still
goes to the PTY (log, preview, attach). The step's shell writes its pid to `attempt-N.pid` and
then `exec`s the program, so a timeout can send SIGTERM to the program itself, as the seed does.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from aio.core.private_files import write_private
from aio.flows.manifest import Flow, FlowStep
from aio.flows.model import FlowEvent, FlowRun
from aio.jobs.tasks import StepSpec, TaskSpec

JOB_SOURCE = "flow"  # every flow job's `source` starts with this word
RUNNER_COMMANDS = {
    "bun": ["bun"],
    "node": ["node"],
    "python": ["python3"],
    "sh": ["sh"],
}


def runs_dir(home: Path) -> Path:
    """The folder of every run's context files."""
    return home / "flow-runs"


def attempt_files(home: Path, run: FlowRun, number: int) -> tuple[Path, Path]:
    """The context file and pid file of attempt `number` of `run`."""
    folder = runs_dir(home) / run.id
    return folder / f"attempt-{number}.json", folder / f"attempt-{number}.pid"


def context(flow: Flow, step: FlowStep, event: FlowEvent, run: FlowRun, attempt: str) -> dict:
    """The seed's run context: what the step reads on stdin."""
    data: dict = {
        "name": flow.name,
        "version": flow.version,
        "root": flow.root,
        "step": step.name,
    }
    if flow.config is not None:
        data["config"] = flow.config
    data["event"] = event.body()
    runtime = {
        "eventId": event.id,
        "runId": run.id,
        "attemptId": attempt,
        "replay": run.replay,
        "launchedBy": "aio",
    }
    return {"flow": data, "runtime": runtime}


def write_context(path: Path, data: dict) -> None:
    """Write the context file, private, whole or not at all."""
    write_private(path, json.dumps(data, indent=2) + "\n")


def step_environment(event: FlowEvent, run: FlowRun, attempt: str) -> dict[str, str]:
    """The seed's CODEX_FLOW_* variables and their AIO_FLOW_* twins."""
    values = {
        "EVENT_ID": event.id,
        "RUN_ID": run.id,
        "ATTEMPT_ID": attempt,
        "REPLAY": "1" if run.replay else "0",
        "LAUNCHED_BY": "aio",
    }
    env = {f"CODEX_FLOW_{k}": v for k, v in values.items()}
    env.update({f"AIO_FLOW_{k}": v for k, v in values.items()})
    env.update(AIO_FLOW_NAME=run.flow, AIO_FLOW_STEP=run.step)
    return env


def step_task(step: FlowStep, run: FlowRun, number: int, context_file: Path, pid_file: Path):
    """The one-step task of an attempt: cd to the step's folder, note the pid, exec the program
    with the context on stdin. No job timeout: the flow service times the step itself."""
    program = shlex.join([*RUNNER_COMMANDS[step.runner], step.script])
    command = (
        f"cd -- {shlex.quote(step.cwd)} || exit 126\n"
        f"printf '%s\\n' \"$$\" > {shlex.quote(str(pid_file))}\n"
        f"exec {program} < {shlex.quote(str(context_file))}\n"
    )
    desc = f"{run.flow}/{run.step} {run.id} attempt {number}"
    return TaskSpec(name=f"flow:{run.flow}/{run.step}", steps=(StepSpec(desc=desc, cmd=command),))


def job_source(run: FlowRun, number: int) -> str:
    """What a flow job's `source` says: which run and attempt it is."""
    return f"{JOB_SOURCE} {run.id}:attempt:{number}"
