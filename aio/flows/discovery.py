"""Where flows are found, and noticing when they change (watchfiles, like the watch folder).

In each workspace (config `flow_workspaces` in order, then `$AIO_HOME`), the child folders of
`.codex/flows/` and then of `flows/`, each sorted by name, are flows when they hold `flow.toml`.
The first flow of a name wins: an installed flow (`.codex/flows/`) shadows a source one, an
earlier workspace a later one. A broken manifest is listed with its error; it shadows nothing.

The watcher keeps one inotify watch over the flow roots that exist (recursive: a schema or a
script may change) and one over the configured workspaces and their `.codex` folders (not
recursive: to see a root appear; `$AIO_HOME/flows` is made at start, so `$AIO_HOME` itself, where
the database is written, is not watched). Any change there is followed, after a short debounce,
by a new discovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aio.flows.manifest import Flow, FlowManifestError, load_flow
from aio.jobs.watch import DEBOUNCE_MS, STEP_MS

log = logging.getLogger("aio.flows.discovery")
ROOTS = (".codex/flows", "flows")


@dataclass(slots=True)
class Discovery:
    """What one look at the workspaces found."""

    flows: list[Flow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {path, error}
    shadowed: list[dict] = field(default_factory=list)  # {name, root, by}

    def summary(self) -> dict:
        return {
            "flows": [f.summary() for f in self.flows],
            "errors": list(self.errors),
            "shadowed": list(self.shadowed),
        }


def flow_roots(workspaces: list[Path]) -> list[Path]:
    """Every folder whose child folders may be flows, in the order they are looked at."""
    return [workspace / root for workspace in workspaces for root in ROOTS]


def discover(workspaces: list[Path]) -> Discovery:
    """Load every flow of the workspaces; never raises for a bad flow (it is listed in errors)."""
    found = Discovery()
    by_name: dict[str, Flow] = {}
    for root in flow_roots(workspaces):
        try:
            folders = sorted(p for p in root.iterdir() if p.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            found.errors.append({"path": str(root), "error": f"cannot list: {exc.strerror}"})
            continue
        for folder in folders:
            if not (folder / "flow.toml").is_file():
                continue
            try:
                flow = load_flow(folder)
            except FlowManifestError as exc:
                found.errors.append({"path": str(folder / "flow.toml"), "error": str(exc)})
                continue
            first = by_name.get(flow.name)
            if first is not None:
                found.shadowed.append({"name": flow.name, "root": flow.root, "by": first.root})
                continue
            by_name[flow.name] = flow
            found.flows.append(flow)
    return found


class _Notifier:
    """One watchfiles (RustNotify) watch over some folders, run in a thread."""

    def __init__(self, paths: list[Path], recursive: bool) -> None:
        from watchfiles._rust_notify import RustNotify

        self.paths = [str(p) for p in paths]
        self.stop = threading.Event()
        self._notify = RustNotify(self.paths, False, False, 300, recursive, True)

    async def changes(self) -> set | None:
        """The next batch of changes (None when stopped or a timeout passed without any)."""
        raw = await asyncio.to_thread(self._notify.watch, DEBOUNCE_MS, STEP_MS, 60_000, self.stop)
        return raw if isinstance(raw, set) else None

    def close(self) -> None:
        self.stop.set()
        self._notify.close()


class FlowWatcher:
    """Keeps a Discovery current: a new one after every change under the workspaces' roots."""

    def __init__(
        self,
        workspaces: list[Path],
        home: Path,
        on_change: Callable[[Discovery], Awaitable[None]],
    ) -> None:
        self.workspaces = [*workspaces, home]
        self.home = home
        self.on_change = on_change
        self.current = Discovery()
        self._watched: tuple = ()
        self._tasks: list[asyncio.Task] = []
        self._notifiers: list[_Notifier] = []
        self._wake = asyncio.Event()
        self._loop: asyncio.Task | None = None

    async def start(self) -> None:
        """Watch first, then take a first look (so no change slips in between)."""
        (self.home / "flows").mkdir(mode=0o700, parents=True, exist_ok=True)
        self._arm()
        self.current = await asyncio.to_thread(discover, self.workspaces)
        self._loop = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self._disarm()

    async def rescan(self) -> Discovery:
        """Look again now (and tell `on_change` if anything differs)."""
        found = await asyncio.to_thread(discover, self.workspaces)
        changed = found.summary() != self.current.summary()
        self.current = found
        if changed:
            await self.on_change(found)
        return found

    def _targets(self) -> tuple[list[Path], list[Path]]:
        roots = [r for r in flow_roots(self.workspaces) if r.is_dir()]
        parents = [w for w in self.workspaces if w != self.home and w.is_dir()]
        parents += [w / ".codex" for w in self.workspaces if (w / ".codex").is_dir()]
        return roots, parents

    def _arm(self) -> None:
        roots, parents = self._targets()
        self._watched = (tuple(roots), tuple(parents))
        for paths, recursive in ((roots, True), (parents, False)):
            if not paths:
                continue
            try:
                notifier = _Notifier(paths, recursive)
            except Exception as exc:  # a folder gone between the check and the watch
                log.warning("flows: cannot watch %s: %s", paths, exc)
                continue
            self._notifiers.append(notifier)
            self._tasks.append(asyncio.create_task(self._follow(notifier, recursive)))

    async def _disarm(self) -> None:
        for notifier in self._notifiers:
            notifier.stop.set()
        for task in self._tasks:  # each ends once its thread has seen `stop` (within STEP_MS)
            with contextlib.suppress(Exception):
                await task
        for notifier in self._notifiers:
            notifier.close()
        self._notifiers, self._tasks = [], []

    def _relevant(self, path: str) -> bool:
        """A change under a root, or to a root or a `.codex` folder itself."""
        candidate = Path(path)
        roots = flow_roots(self.workspaces)
        if candidate in roots or any(candidate == w / ".codex" for w in self.workspaces):
            return True
        return any(candidate.is_relative_to(root) for root in roots)

    async def _follow(self, notifier: _Notifier, recursive: bool) -> None:
        while not notifier.stop.is_set():
            raw = await notifier.changes()
            if raw and (recursive or any(self._relevant(name) for _change, name in raw)):
                self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                if self._targets() != tuple(map(list, self._watched)):
                    await self._disarm()  # a root appeared or went: watch the new set
                    self._arm()
                await self.rescan()
            except Exception:
                log.exception("flows: could not look at the workspaces again")
