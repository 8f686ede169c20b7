"""The watch folder: task files dropped into it run; ones with variables wait for the menu.

A task file without variables is queued once per change of its content (remembered in the
database, so a restart does not run it again). A malformed file gives an error event and a log
line naming the file and the problem; nothing else stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from importlib import resources
from pathlib import Path

from aio.core.events import EventBus
from aio.core.store import Store
from aio.jobs.manager import JobError, JobManager
from aio.jobs.tasks import (
    TaskError,
    TaskSpec,
    has_variables,
    parse_task_text,
    resolve_task,
    task_variables,
)

log = logging.getLogger("aio.jobs.watch")
DEBOUNCE_MS = 50
STEP_MS = 250  # a dropped file is picked up within about a quarter second; ~4 wake-ups/s idle


def task_summary(spec: TaskSpec, path: str, origin: str) -> dict:
    """What the menu shows of a task file."""
    return {
        "path": path,
        "origin": origin,
        "name": spec.name,
        "repo": spec.repo,
        "branch": spec.branch,
        "variables": {name: spec.variables.get(name) for name in task_variables(spec)},
        "steps": [{"desc": s.desc, "cmd": s.cmd} for s in spec.steps],
    }


def example_tasks() -> list[dict]:
    """The task files packaged with aio (`aio/data/examples`)."""
    found = []
    folder = resources.files("aio.data").joinpath("examples")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            with contextlib.suppress(TaskError):
                path = str(entry)
                spec = parse_task_text(entry.read_text(encoding="utf-8"), path)
                found.append(task_summary(spec, path, "example"))
    return found


def is_task_file(path: Path) -> bool:
    """Whether a watched file is a task file: `*.json`, not hidden (temp files are hidden)."""
    return path.suffix == ".json" and not path.name.startswith(".")


class TaskWatcher:
    """Watches task folders with watchfiles (inotify), never polling."""

    def __init__(
        self, folders: list[Path], jobs: JobManager, store: Store, events: EventBus
    ) -> None:
        self.folders = folders
        self.jobs = jobs
        self.store = store
        self.events = events
        self.listed: dict[str, dict] = {}
        self.errors: dict[str, str] = {}
        self._last_seen: dict[str, str] = {}
        self._stop = threading.Event()
        self._task: asyncio.Task | None = None
        self._notify = None

    async def start(self) -> None:
        """Arm the watcher, then take in the files already there (so none slips between)."""
        from watchfiles._rust_notify import RustNotify

        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
        self._notify = RustNotify([str(f) for f in self.folders], False, False, 300, False, True)
        for folder in self.folders:
            for path in sorted(folder.glob("*.json")):
                if is_task_file(path):
                    await self._consider(path)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._notify is not None:
            self._notify.close()

    def tasks(self) -> list[dict]:
        """Task files for the menu: watched ones with variables, then the packaged examples."""
        return [self.listed[p] for p in sorted(self.listed)] + example_tasks()

    async def _run(self) -> None:
        from watchfiles import Change

        while not self._stop.is_set():
            # RustNotify gathers inotify events in its own thread; `watch` looks at them every
            # STEP_MS (its loop sleeps in between), so a longer step means fewer idle wake-ups.
            raw = await asyncio.to_thread(
                self._notify.watch, DEBOUNCE_MS, STEP_MS, 60_000, self._stop
            )
            if not isinstance(raw, set):
                continue
            for change, name in sorted(raw, key=lambda c: c[1]):
                path = Path(name)
                if not is_task_file(path):
                    continue
                try:
                    if Change(change) == Change.deleted:
                        self._forget(str(path))
                    else:
                        await self._consider(path)
                except Exception:
                    log.exception("task file %s: unexpected error", path)

    def _forget(self, path: str) -> None:
        self._last_seen.pop(path, None)
        changed = self.listed.pop(path, None) is not None
        changed |= self.errors.pop(path, None) is not None
        if changed:
            self.events.publish({"type": "tasks", "tasks": self.tasks()})

    async def _consider(self, path: Path) -> None:
        """Read one task file and act on it; every failure is reported, none escapes."""
        key = str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self._forget(key)
            return
        except OSError as exc:
            self._report(key, f"cannot read: {exc.strerror}")
            return
        digest = hashlib.sha256(data).hexdigest()
        if self._last_seen.get(key) == digest:
            return
        self._last_seen[key] = digest
        try:
            spec = parse_task_text(data.decode("utf-8"), key)
        except UnicodeDecodeError:
            self._report(key, "not UTF-8 text")
            return
        except TaskError as exc:
            self._report(key, str(exc).removeprefix(f"{key}: "))
            return
        self.errors.pop(key, None)
        if has_variables(spec):
            self.listed[key] = task_summary(spec, key, "watch")
            self.events.publish({"type": "tasks", "tasks": self.tasks()})
            return
        if self.listed.pop(key, None) is not None:
            self.events.publish({"type": "tasks", "tasks": self.tasks()})
        if await self.store.watched_sha(key) == digest:
            return
        try:
            job = await self.jobs.submit(resolve_task(spec), source=key)
        except (TaskError, JobError) as exc:
            self._report(key, str(exc).removeprefix(f"{key}: "))
            return
        await self.store.record_watched(key, digest, self.jobs.clock())
        log.info("queued job %s from %s", job.id, key)

    def _report(self, path: str, problem: str) -> None:
        self.errors[path] = problem
        log.error("task file %s: %s", path, problem)
        self.events.publish({"type": "task_error", "path": path, "error": problem})
