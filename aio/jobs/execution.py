"""One job's run: its PTY child, log file, output ring, viewers, step markers and timers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from aio.core.pty import PtyChild
from aio.core.ring import OutputRing
from aio.core.viewers import StreamSource, Viewer, read_log_tail
from aio.jobs.capped_log import CappedLog, read_log_file
from aio.jobs.model import Job, JobStatus, StepStatus
from aio.jobs.runner import write_runner
from aio.jobs.tasks import StepSpec

KILL_GRACE_SECONDS = 3.0
DEFAULT_LOG_CAP = 1024 * 1024 * 1024
DEFAULT_COLS, DEFAULT_ROWS = 120, 32


class JobOutput:
    """A job's output fan-out: log file on disk, bounded ring in memory, attached viewers.

    Background jobs cost one write and one append per chunk; no terminal emulation.
    """

    def __init__(self, job: Job, ring_bytes: int, log_max_bytes: int = DEFAULT_LOG_CAP) -> None:
        self.job = job
        self.ring = OutputRing(ring_bytes)
        self.viewers: set[Viewer] = set()
        self.log_max_bytes = log_max_bytes
        self._log: CappedLog | None = None
        self._writing = False
        self._log_error: str | None = None
        self.restored = False  # finished in an earlier core: the ring is empty, read the log

    def open_log(self) -> None:
        self._log = CappedLog(self.job.log_path, self.log_max_bytes)
        self._writing = True

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
        self._writing = False

    def read_log(self, offset: int, size: int) -> tuple[bytes, int]:
        """Stream bytes from `offset` as the log holds them, and the offset to read next."""
        if self._log is None:
            return read_log_file(self.job.log_path, offset, size)
        return self._log.read(offset, size)

    def emit(self, data: bytes) -> None:
        if self._writing and self._log is not None:
            try:
                self._log.write(data)
            except OSError as exc:
                self._log_error = exc.strerror
        self.ring.append(data)
        for viewer in self.viewers:
            viewer.feed(data)

    def total(self) -> int:
        if self.restored:
            try:
                return os.path.getsize(self.job.log_path)
            except OSError:
                return 0
        return self.ring.total

    def tail(self) -> bytes:
        if self.restored:
            return read_log_tail(self.job.log_path, self.ring.capacity)
        return self.ring.tail()

    def source(self) -> StreamSource:
        return StreamSource(
            read_log=self.read_log,
            total=self.total,
            tail=self.tail,
            finished=lambda: self.job.status.finished,
            exit_message=self.exit_message,
        )

    def exit_message(self) -> dict:
        return {
            "type": "exit",
            "id": self.job.id,
            "status": str(self.job.status),
            "exit_code": self.job.exit_code,
        }

    def wake_viewers(self) -> None:
        for viewer in self.viewers:
            viewer.wake()


class JobExecution:
    """Runs a job's steps in one PTY and keeps its record current as they go."""

    def __init__(
        self,
        job: Job,
        output: JobOutput,
        env: dict[str, str],
        on_change: Callable[[Job], None],
        on_finished: Callable[[JobExecution], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.job = job
        self.output = output
        self._env = env
        self._on_change = on_change
        self._on_finished = on_finished
        self._clock = clock
        self.child: PtyChild | None = None
        self.kill_reason: JobStatus | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.finished = asyncio.Event()

    def start(self, workdir: Path) -> None:
        """Spawn the runner in a PTY. Raises OSError if it cannot start."""
        job = self.job
        steps = [StepSpec(desc=s.desc, cmd=s.cmd, timeout=s.timeout) for s in job.steps]
        argv = write_runner(Path(job.folder), steps)
        self.child = PtyChild(
            argv,
            cwd=str(workdir),
            env=self._env,
            cols=DEFAULT_COLS,
            rows=DEFAULT_ROWS,
            on_output=self.output.emit,
            on_status=self._on_status,
            on_exit=self._on_exit,
        )
        self.child.start()
        job.pgid = self.child.pid  # the runner leads its own session and process group
        job.status = JobStatus.RUNNING
        job.started_at = self._clock()
        job.workdir = str(workdir)
        if job.timeout:
            self._arm("task", job.timeout)
        self._on_change(job)

    def _arm(self, key: str, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(seconds, self.kill, JobStatus.TIMEOUT)

    def _disarm(self, key: str) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def _on_status(self, line: str) -> None:
        parts = line.split()
        try:
            if parts[0] == "S" and len(parts) == 3:
                index, when = int(parts[1]), float(parts[2])
                step = self.job.steps[index]
                step.status = StepStatus.RUNNING
                step.started_at = when
                # The PTY's output up to the marker was read first (PtyChild) and the runner
                # waits for the acknowledgement before the step starts, so its output starts
                # here: `aio log --plain` puts the step's marker at this offset.
                step.log_offset = self.output.total()
                if self.child is not None:
                    self.child.acknowledge()
                self.job.current_step = index
                if step.timeout:
                    self._arm("step", step.timeout)
            elif parts[0] == "E" and len(parts) == 4:
                index, code, when = int(parts[1]), int(parts[2]), float(parts[3])
                step = self.job.steps[index]
                step.exit_code = code
                step.finished_at = when
                step.status = StepStatus.DONE if code == 0 else StepStatus.FAILED
                self._disarm("step")
            else:
                return
        except (ValueError, IndexError):
            return
        self._on_change(self.job)

    def write(self, data: bytes) -> bool:
        return self.child is not None and self.child.write(data)

    def resize(self, cols: int, rows: int) -> None:
        """Resize the PTY and tell every viewer, so previews can follow the job's size."""
        if self.child is None or (cols, rows) == self.size:
            return
        self.child.resize(cols, rows)
        for viewer in self.output.viewers:
            viewer.notify({"type": "size", "cols": cols, "rows": rows})

    @property
    def size(self) -> tuple[int, int]:
        if self.child is None:
            return DEFAULT_COLS, DEFAULT_ROWS
        return self.child.cols, self.child.rows

    def kill(self, reason: JobStatus = JobStatus.KILLED) -> None:
        """Stop the job: SIGTERM to its process group, SIGKILL after a grace period."""
        if self.child is None or self.child.exited or self.kill_reason is not None:
            return
        self.kill_reason = reason
        self.child.kill_group_on_exit = True
        if reason == JobStatus.TIMEOUT:
            note = "\r\n[aio] timed out; stopping the job\r\n"
            self.output.emit(note.encode())
        self.child.signal_group(signal.SIGTERM)
        self.child.signal_group(signal.SIGCONT)
        loop = asyncio.get_running_loop()
        self._timers["grace"] = loop.call_later(KILL_GRACE_SECONDS, self.child.kill_now)

    def _on_exit(self, exit_code: int | None, signal_number: int | None) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        job = self.job
        if exit_code is None and signal_number is not None:
            exit_code = 128 + signal_number
        job.exit_code = exit_code
        job.finished_at = self._clock()
        if self.kill_reason is not None:
            job.status = self.kill_reason
        elif exit_code == 0:
            job.status = JobStatus.DONE
        else:
            job.status = JobStatus.FAILED
        for step in job.steps:
            if step.status == StepStatus.RUNNING:
                step.status = StepStatus.FAILED
                step.exit_code = exit_code
                step.finished_at = job.finished_at
            elif step.status == StepStatus.PENDING:
                step.status = StepStatus.SKIPPED
        self.output.close_log()
        self._on_change(job)
        self.output.wake_viewers()
        self.finished.set()
        self._on_finished(self)

    def abandon(self) -> None:
        """Close the output without a child (the job failed before it could start)."""
        with contextlib.suppress(OSError):
            self.output.close_log()
