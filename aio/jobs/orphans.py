"""What a crashed core's jobs left running: at start-up, each job that was running when the core
died is looked up by its recorded process group, and what still runs there is killed.

A process counts as the job's only when it is in the recorded group *and* its environment names
this job of this home (`AIO_HOME`, `AIO_JOB_ID`), so a group number reused after a reboot never
gets an unrelated process killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

ORPHAN_GRACE_SECONDS = 3.0


def _environment(pid: int) -> dict[bytes, bytes]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (entry.partition(b"=") for entry in raw.split(b"\0") if entry)
    return {name: value for name, _, value in pairs}


def job_processes(home: Path, job_id: int, pgid: int) -> list[int]:
    """The pids in process group `pgid` that belong to job `job_id` of `home`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if os.getpgid(pid) != pgid:
                continue
        except OSError:
            continue
        env = _environment(pid)
        if (
            env.get(b"AIO_HOME") == os.fsencode(str(home))
            and env.get(b"AIO_JOB_ID") == str(job_id).encode()
        ):
            found.append(pid)
    return found


def kill_orphans(
    home: Path, job_id: int, pgid: int, grace: float = ORPHAN_GRACE_SECONDS
) -> list[int]:
    """SIGTERM the job's leftover processes, SIGKILL those still there after `grace`; returns
    the pids that were found. Runs in a thread: it waits."""
    pids = job_processes(home, job_id, pgid)
    if not pids:
        return []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGCONT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and job_processes(home, job_id, pgid):
        time.sleep(0.05)  # they are not our children: no pidfd wait is possible for all
    for pid in job_processes(home, job_id, pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids
