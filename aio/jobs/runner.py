"""The bash script that runs a job's steps in one PTY and reports each step on a status pipe.

Each step runs in its own `bash` (like a CI step), starting in the job's working directory; its
exit code is that of its last command. The runner writes `S i time` before step i and
`E i code time` after it to the status pipe, and stops at the first failing step. After each
`S` line it waits for the core's answer on the acknowledgement pipe (`AIO_ACK_FD`), so the
core knows where in the output stream the step's output begins.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from aio.jobs.tasks import StepSpec


def write_runner(folder: Path, steps: tuple[StepSpec, ...] | list[StepSpec]) -> list[str]:
    """Write the runner and step scripts into `folder`; return the argv that runs them."""
    step_dir = folder / "steps"
    step_dir.mkdir(mode=0o700, exist_ok=True)
    lines = [
        "#!/bin/bash",
        "# Written by aio: runs this job's steps and reports them on the status pipe.",
        "__aio_fd=$AIO_STATUS_FD",
        # No acknowledgement pipe (the runner run by hand): read end-of-file at once instead.
        'if [ -n "${AIO_ACK_FD:-}" ]; then __aio_ack=$AIO_ACK_FD; '
        "else exec {__aio_ack}</dev/null; fi",
        "unset AIO_STATUS_FD AIO_ACK_FD",
    ]
    for i, step in enumerate(steps):
        script = step_dir / f"{i}.sh"
        _write_private(script, step.cmd if step.cmd.endswith("\n") else step.cmd + "\n")
        lines += [
            f'printf "S {i} %s\\n" "${{EPOCHREALTIME/,/.}}" >&$__aio_fd',
            # The core answers once it has marked where this step's output starts.
            'read -r -u "$__aio_ack" _',
            f"/bin/bash --noprofile --norc {shlex.quote(str(script))} "
            "{__aio_fd}>&- {__aio_ack}<&-",
            "__aio_rc=$?",
            f'printf "E {i} %s %s\\n" "$__aio_rc" "${{EPOCHREALTIME/,/.}}" >&$__aio_fd',
            '[ "$__aio_rc" -eq 0 ] || exit "$__aio_rc"',
        ]
    lines.append("exit 0")
    runner = folder / "runner.sh"
    _write_private(runner, "\n".join(lines) + "\n")
    return ["/bin/bash", "--noprofile", "--norc", str(runner)]


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
