"""The index of every Claude Code session on disk, kept current as the files change.

`ClaudeSessionIndex` lists `<config>/projects/*/<session-id>.jsonl` (the config folder is
`$CLAUDE_CONFIG_DIR`, else `~/.claude`), sessions aio started and the ones it did not. Its cold
build reads every file once (head and tail, in a thread); after that it follows `projects/`
with watchfiles and reads again only a file whose size, mtime or inode changed. A query is an
answer from memory, never a scan.

The watch is re-armed whenever the folder it stands on changes: before `projects/` exists it
watches the nearest folder that does (waiting for the next one down to appear), and when
`projects/` is removed or replaced it goes back to that. Each arming is followed by a pass that
stats every file (reading only the changed ones), so nothing that happened before the watch
was armed is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aio.claude.session_file import is_regular, read_entry, session_id_of, stat_key

log = logging.getLogger("aio.claude.disk_index")

STEP_MS = 250  # changes are picked up within about a quarter second; ~4 wake-ups/s idle
DEBOUNCE_MS = 1000  # a file appended to without a pause still shows at least once a second
LIVENESS_MS = 5000  # how often the watched folder itself is checked (removed, replaced)
RETRY_SECONDS = (0.5, 2.0, 10.0, 30.0)  # after an unexpected error of the watcher

ChangeCallback = Callable[[list[dict[str, Any]], list[str]], None]


def has_session_file(session_id: str, config: Path | None = None) -> bool:
    """Whether Claude Code wrote a file for `session_id` (under any project folder): a
    session that never ran has none, and `claude --resume` refuses it."""
    projects = (config or claude_config_dir()) / "projects"
    try:
        return any(projects.glob(f"*/{session_id}.jsonl"))
    except OSError:
        return False


def claude_config_dir() -> Path:
    """The Claude config folder the CLI uses: `$CLAUDE_CONFIG_DIR`, else `~/.claude`."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".claude"


def _identity(path: Path) -> tuple[int, int] | None:
    """Which folder a path names right now (device, inode), or None if it names none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _nearest_existing(path: Path) -> Path:
    """`path` if it is a folder, else its nearest ancestor that is."""
    while not path.is_dir() and path.parent != path:
        path = path.parent
    return path


class _ArmingStop:
    """awatch's stop event for one arming: set when the index stops or this arming ends (awatch
    sets it itself when cancelled, which must not stop the whole index)."""

    def __init__(self, index_stopping: asyncio.Event) -> None:
        self._index_stopping = index_stopping
        self._ended = False

    def is_set(self) -> bool:
        return self._ended or self._index_stopping.is_set()

    def set(self) -> None:
        self._ended = True


class _FileRecord:
    """What the index holds of one session file: its stat key, its entry, how often it was read."""

    __slots__ = ("entry", "key", "reads")

    def __init__(self, key: tuple, entry: dict[str, Any], reads: int) -> None:
        self.key = key
        self.entry = entry
        self.reads = reads


class ClaudeSessionIndex:
    """Every Claude session file under a config folder, kept current by watching it.

    `on_change(changed, removed)` is called on the event loop for each change taken in after the
    cold build: `changed` holds the new entries of the sessions that changed or appeared,
    `removed` the ids of the sessions that are gone. An exception in it is logged, never raised.
    """

    def __init__(
        self,
        config_dir: Path | str | None = None,
        on_change: ChangeCallback | None = None,
        *,
        step_ms: int = STEP_MS,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        chosen = Path(config_dir).expanduser() if config_dir is not None else claude_config_dir()
        self.config_dir = Path(os.path.abspath(chosen))  # awatch reports paths under it as given
        self.projects = self.config_dir / "projects"
        self.on_change = on_change
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.build_seconds: float | None = None  # how long the cold build took
        self._files: dict[str, _FileRecord] = {}
        self._listing: list[dict[str, Any]] | None = None  # newest first, one per session id
        self._by_id: dict[str, dict[str, Any]] = {}
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._started = False
        self._task: asyncio.Task | None = None

    # Queries: answered from memory.

    def sessions(self) -> list[dict[str, Any]]:
        """Every session on disk, newest first (by the file's mtime), each once: a copy of its
        entry (`session_id`, `cwd`, `branch`, `title`, `first_prompt`, `updated_at`, `size`,
        `path`). A session id found in two project folders shows its newest file."""
        return [dict(entry) for entry in self._sorted()]

    def get(self, session_id: str) -> dict[str, Any] | None:
        """A copy of one session's entry, or None when no file of that id is on disk."""
        self._sorted()
        entry = self._by_id.get(session_id.lower())
        return dict(entry) if entry is not None else None

    def read_counts(self) -> dict[str, int]:
        """How many times each file (by path) was read since it was first seen."""
        return {path: record.reads for path, record in self._files.items()}

    def _sorted(self) -> list[dict[str, Any]]:
        if self._listing is None:
            entries = sorted(
                (record.entry for record in self._files.values()),
                key=lambda entry: (entry["updated_at"], entry["path"]),
                reverse=True,
            )
            by_id: dict[str, dict[str, Any]] = {}
            for entry in entries:
                by_id.setdefault(entry["session_id"].lower(), entry)
            self._by_id = by_id
            self._listing = [
                entry for entry in entries if by_id[entry["session_id"].lower()] is entry
            ]
        return self._listing

    # Life cycle.

    async def start(self) -> None:
        """Arm the watcher and build the index (every file read once, in a thread); return once
        the entries are there. A missing `projects/` folder is an empty index, followed."""
        if self._task is not None:
            raise RuntimeError("the session index is already started")
        began = asyncio.get_running_loop().time()
        self._task = asyncio.create_task(self._follow(), name="claude-session-index")
        ready = asyncio.create_task(self._ready.wait())
        try:
            await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if not self._ready.is_set():
            self._task.result()  # it ended before the build: raise what ended it
            raise RuntimeError("the session index stopped before its first build")
        self.build_seconds = asyncio.get_running_loop().time() - began
        self._started = True

    async def stop(self) -> None:
        """Stop watching (within one watcher step); the entries stay readable."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=5 + 2 * self.step_ms / 1000)
        except TimeoutError:  # a read stuck in the kernel (a dead network mount): let it be
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        except Exception:
            log.exception("the claude session index ended with an error")

    # Watching.

    async def _follow(self) -> None:
        """Watch, re-arming whenever the watched folder changes; survive any error."""
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._watch_once()
                failures = 0
            except Exception:
                log.exception("the claude session index watcher failed; it starts again")
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)

    async def _watch_once(self) -> None:
        """One arming: watch the nearest existing folder, take in what is on disk, then apply
        the changes until that folder is no longer the right one to watch."""
        from watchfiles import awatch

        root = _nearest_existing(self.projects)
        recursive = root == self.projects
        identity = _identity(root)
        arming = _ArmingStop(self._stopping)
        changes = awatch(
            root,
            watch_filter=self._wanted if recursive else self._next_folder_filter(root),
            recursive=recursive,
            debounce=self.debounce_ms,
            step=self.step_ms,
            stop_event=arming,
            rust_timeout=LIVENESS_MS,
            yield_on_timeout=True,
            ignore_permission_denied=True,
        )
        pending = asyncio.ensure_future(anext(changes))
        # awatch creates its inotify watch in the first step of its generator, before it waits
        # for events: after this yield the watch is armed, and the scan below misses nothing.
        await asyncio.sleep(0)
        try:
            try:
                await self._apply(await asyncio.to_thread(self._scan_all), report=self._started)
            finally:
                self._ready.set()  # even after an error: start() never waits on a broken scan
            batch = await pending
            while True:
                if recursive:
                    await self._apply_batch(batch)
                if _nearest_existing(self.projects) != root or _identity(root) != identity:
                    return
                if not recursive and batch:
                    return  # the next folder down appeared (or went): arm again
                batch = await anext(changes)
        except StopAsyncIteration:
            return
        finally:
            arming.set()  # the watcher's thread sees it within one step
            if not pending.done():
                with contextlib.suppress(StopAsyncIteration):
                    await pending
            elif not pending.cancelled():
                pending.exception()  # retrieved, so asyncio does not warn about it
            await changes.aclose()

    def _relative_parts(self, path: str) -> list[str] | None:
        prefix = str(self.projects) + os.sep
        return path[len(prefix) :].split(os.sep) if path.startswith(prefix) else None

    def _wanted(self, _change: object, path: str) -> bool:
        """Only project folders and the session files directly in them (not the tool outputs
        and subagent transcripts the CLI keeps in folders beside them)."""
        parts = self._relative_parts(path)
        if parts is None:
            return path == str(self.projects)
        return len(parts) == 1 or (len(parts) == 2 and session_id_of(parts[1]) is not None)

    def _next_folder_filter(self, root: Path) -> Callable[[object, str], bool]:
        """For a watch on an ancestor of `projects/`: only the next folder down matters."""
        relative = self.projects.relative_to(root)
        target = str(root / relative.parts[0])
        return lambda _change, path: path == target

    async def _apply_batch(self, batch: set[tuple[Any, str]]) -> None:
        files: set[str] = set()
        folders: set[str] = set()
        for _change, path in batch:
            parts = self._relative_parts(path)
            if parts is None:
                continue
            (folders if len(parts) == 1 else files).add(path)
        if files or folders:
            updates = await asyncio.to_thread(self._refresh, files, folders)
            await self._apply(updates, report=True)

    # Reading (in a worker thread; the records are only changed on the loop, by _apply).

    def _scan_all(self) -> dict[str, _FileRecord | None]:
        """Every session file under projects/ (re-read only if changed); the vanished dropped."""
        seen: set[str] = set()
        updates: dict[str, _FileRecord | None] = {}
        for folder in self._folders():
            self._scan_folder(folder, seen, updates)
        for path in self._files.keys() - seen:
            updates[path] = None
        return updates

    def _refresh(self, files: set[str], folders: set[str]) -> dict[str, _FileRecord | None]:
        """The changed files, and every file of the folders that appeared, changed or went."""
        updates: dict[str, _FileRecord | None] = {}
        for folder in folders:
            seen: set[str] = set()
            self._scan_folder(folder, seen, updates)
            prefix = folder + os.sep
            for path in self._files:
                if path.startswith(prefix) and path not in seen:
                    updates[path] = None
        for path in files - updates.keys():
            updates[path] = self._read_if_changed(path)
        return {path: record for path, record in updates.items() if self._is_update(path, record)}

    def _is_update(self, path: str, record: _FileRecord | None) -> bool:
        old = self._files.get(path)
        return record is not old if record is not None else old is not None

    def _folders(self) -> Iterable[str]:
        try:
            with os.scandir(self.projects) as entries:
                return [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
        except OSError:
            return []

    def _scan_folder(
        self, folder: str, seen: set[str], updates: dict[str, _FileRecord | None]
    ) -> None:
        try:
            with os.scandir(folder) as entries:
                paths = [entry.path for entry in entries if session_id_of(entry.name)]
        except OSError:
            return
        for path in paths:
            record = self._read_if_changed(path)
            if record is not None:
                seen.add(path)
            if record is not self._files.get(path):
                updates[path] = record

    def _read_if_changed(self, path: str) -> _FileRecord | None:
        """The file's record: the one held when its stat key is unchanged, else read anew;
        None when it is gone or is no regular file."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not is_regular(info):
            return None
        key = stat_key(info)
        old = self._files.get(path)
        if old is not None and old.key == key:
            return old
        session_id = session_id_of(os.path.basename(path))
        entry = read_entry(Path(path), session_id, info)
        return _FileRecord(key, entry, (old.reads if old is not None else 0) + 1)

    # Applying (on the loop).

    async def _apply(self, updates: dict[str, _FileRecord | None], report: bool) -> None:
        if not updates:
            return
        touched = set()
        for path, record in updates.items():
            old = self._files.get(path)
            if old is not None:
                touched.add(old.entry["session_id"].lower())
            if record is None:
                self._files.pop(path, None)
            else:
                self._files[path] = record
                touched.add(record.entry["session_id"].lower())
        self._listing = None
        if report and self.on_change is not None:
            self._sorted()
            changed = [dict(self._by_id[sid]) for sid in sorted(touched) if sid in self._by_id]
            removed = sorted(sid for sid in touched if sid not in self._by_id)
            try:
                self.on_change(changed, removed)
            except Exception:
                log.exception("the claude session index's change callback failed")
