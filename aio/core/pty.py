"""A child process in a PTY, read event-driven with `loop.add_reader`, never polled.

The child's exit is watched through a pidfd, its output through the PTY master, and its step
markers through a status pipe whose fd number it finds in `AIO_STATUS_FD` (see
`aio.jobs.runner`). Terminal emulation is never done here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
from collections.abc import Callable

from ptyprocess import PtyProcess

READ_BYTES = 64 * 1024
READS_PER_WAKE = 16
MAX_PENDING_INPUT = 1024 * 1024


class PtyChild:
    """Runs `argv` in a new PTY and session; reports output, status lines and exit by callback."""

    def __init__(
        self,
        argv: list[str],
        *,
        cwd: str,
        env: dict[str, str],
        cols: int,
        rows: int,
        on_output: Callable[[bytes], None],
        on_status: Callable[[str], None],
        on_exit: Callable[[int | None, int | None], None],
    ) -> None:
        self._argv = argv
        self._cwd = cwd
        self._env = env
        self.cols = cols
        self.rows = rows
        self._on_output = on_output
        self._on_status = on_status
        self._on_exit = on_exit
        self._proc: PtyProcess | None = None
        self._master = -1
        self._status_r = -1
        self._ack_w = -1
        self._pidfd = -1
        self._status_buf = b""
        self._pending_input = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.pid = 0
        self.exited = False
        self.kill_group_on_exit = False  # set while the job is being killed

    def start(self) -> None:
        """Spawn the child and start watching it. Raises OSError if it cannot start."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        status_r, status_w = os.pipe()
        # The acknowledgement pipe: the runner waits on it after each step marker, so that a
        # step's output cannot reach the PTY before the core has seen the marker.
        ack_r, ack_w = os.pipe()
        os.set_inheritable(status_w, True)  # pass_fds keeps it open; exec must not close it
        os.set_inheritable(ack_r, True)
        env = {**self._env, "AIO_STATUS_FD": str(status_w), "AIO_ACK_FD": str(ack_r)}
        try:
            proc = PtyProcess.spawn(
                self._argv,
                cwd=self._cwd,
                env=env,
                dimensions=(self.rows, self.cols),
                pass_fds=(status_w, ack_r),
            )
        except BaseException:
            for fd in (status_r, status_w, ack_r, ack_w):
                os.close(fd)
            raise
        os.close(status_w)
        os.close(ack_r)
        os.set_blocking(ack_w, False)
        self._ack_w = ack_w
        self._proc = proc
        self.pid = proc.pid
        self._master = proc.fd
        self._status_r = status_r
        os.set_blocking(self._master, False)
        os.set_blocking(self._status_r, False)
        self._pidfd = os.pidfd_open(proc.pid)
        loop.add_reader(self._master, self._read_output)
        loop.add_reader(self._status_r, self._read_status)
        loop.add_reader(self._pidfd, self._reap)

    def _read_output(self) -> None:
        # A PTY hands out about 4 KB a read: gather a wake's reads into one chunk, so the log
        # write, the ring append and the viewers' feed happen once, not once per read.
        chunks: list[bytes] = []
        try:
            for _ in range(READS_PER_WAKE):
                try:
                    data = os.read(self._master, READ_BYTES)
                except BlockingIOError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EIO:  # EIO: every slave fd is closed
                        raise
                    self._stop_reading_output()
                    break
                if not data:
                    self._stop_reading_output()
                    break
                chunks.append(data)
        finally:
            if chunks:
                self._on_output(chunks[0] if len(chunks) == 1 else b"".join(chunks))

    def _stop_reading_output(self) -> None:
        if self._master >= 0 and self._loop is not None:
            self._loop.remove_reader(self._master)

    def _read_status(self) -> None:
        try:
            data = os.read(self._status_r, 4096)
        except BlockingIOError:
            return
        if not data:
            self._loop.remove_reader(self._status_r)
            return
        self._status_buf += data
        *lines, self._status_buf = self._status_buf.split(b"\n")
        if lines and self._master >= 0:
            # What the steps wrote before this marker is read first, so that the output seen
            # up to the marker is the previous step's (its log offset marks the boundary).
            with contextlib.suppress(OSError):
                self._read_output()
        for line in lines:
            self._on_status(line.decode("utf-8", "replace"))

    def _reap(self) -> None:
        loop = self._loop
        loop.remove_reader(self._pidfd)
        if self.kill_group_on_exit:
            # Steps that ignore SIGTERM and SIGHUP outlive the runner. Until it is reaped its pid
            # still names the group and cannot be reused, so this SIGKILL hits only the job.
            self.kill_now()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = None
        # Drain what the child wrote before it exited, then stop watching.
        with contextlib.suppress(OSError):
            self._read_output_until_dry()
        self._read_status_until_dry()
        exit_code = signal_number = None
        if status is not None:
            if os.WIFEXITED(status):
                exit_code = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                signal_number = os.WTERMSIG(status)
        self._close()
        self.exited = True
        self._on_exit(exit_code, signal_number)

    def _read_output_until_dry(self) -> None:
        if self._master < 0:
            return
        while True:
            try:
                data = os.read(self._master, READ_BYTES)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            self._on_output(data)

    def _read_status_until_dry(self) -> None:
        while self._status_r >= 0:
            try:
                data = os.read(self._status_r, 4096)
            except OSError:
                break
            if not data:
                break
            self._status_buf += data
        if self._status_buf:
            for line in self._status_buf.split(b"\n"):
                if line:
                    self._on_status(line.decode("utf-8", "replace"))
            self._status_buf = b""

    def _close(self) -> None:
        loop = self._loop
        for fd in (self._master, self._status_r):
            if fd >= 0:
                loop.remove_reader(fd)
        if self._master >= 0:
            loop.remove_writer(self._master)
        if self._proc is not None:
            # ptyprocess's own close() sleeps; we have reaped the child ourselves.
            self._proc.terminated = True
            self._proc.closed = True
            with contextlib.suppress(OSError):
                self._proc.fileobj.close()
        for fd in (self._status_r, self._pidfd, self._ack_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._status_r = self._pidfd = self._ack_w = -1

    def acknowledge(self) -> None:
        """Let the runner go on after a step marker (it waits for this line)."""
        if self._ack_w >= 0:
            with contextlib.suppress(OSError):  # the runner is gone, or (never) a full pipe
                os.write(self._ack_w, b"\n")

    def write(self, data: bytes) -> bool:
        """Send input to the child's terminal; False if it was dropped (child gone or flooded)."""
        if self._master < 0 or self.exited:
            return False
        if self._pending_input:
            if len(self._pending_input) + len(data) > MAX_PENDING_INPUT:
                return False
            self._pending_input += data
            return True
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        except OSError:
            return False
        if written < len(data):
            self._pending_input += data[written:]
            self._loop.add_writer(self._master, self._flush_input)
        return True

    def _flush_input(self) -> None:
        try:
            written = os.write(self._master, self._pending_input)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending_input)
        del self._pending_input[:written]
        if not self._pending_input:
            self._loop.remove_writer(self._master)

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal size; the child gets SIGWINCH."""
        self.cols, self.rows = cols, rows
        if self._proc is not None and self._master >= 0:
            with contextlib.suppress(OSError):
                self._proc.setwinsize(rows, cols)

    def signal_group(self, sig: int) -> None:
        """Signal the child's whole process group (the runner and its steps)."""
        if self.exited or not self.pid:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def kill_now(self) -> None:
        self.signal_group(signal.SIGKILL)
