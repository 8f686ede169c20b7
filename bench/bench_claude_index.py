"""The index of every Claude session on disk (aio.claude.disk_index) over 1,000 session files,
against claude_agent_sdk.list_sessions() rescanning them.

Setup, in a temporary folder removed at the end: one real session is written by the real
`claude` CLI (the one bundled with claude-agent-sdk, two `-p` turns in a git repository)
against the Messages API stub of the tests (tests/claude/messages_stub.py, stdlib only); its
lines are the material of FILES session files in PROJECTS project folders, each with its own
cwd, session id and prompts, sized log-uniformly from 10 KB to 5 MB (seeded): the real head
(queue operations and the first user line), the real file's other lines over and over with a
32 KB tool result every tenth line, and the real tail (the last prompt). No core runs: the
index is what the core will hold, so it runs in this process, on this loop.

1. Cold build: `ClaudeSessionIndex.start()` with the files out of the page cache (written,
   fsynced, then dropped with posix_fadvise DONTNEED before each run: these files only),
   against `list_sessions()` with the cache dropped the same way (it makes the same head and
   tail reads), COLD_ROUNDS each; then both warm, WARM_ROUNDS each; the order alternates
   every round. The SDK's import is timed apart, before.
2. Query: `sessions()` (all 1,000 entries, copies) and `get(id)` per call, against one
   `list_sessions()` rescan, in interleaved rounds.
   Goal: a query of the index costs <= QUERY_GOAL of a rescan.
3. Change: CHANGES times, a custom-title line is appended to a random file; the time until the
   index's callback reports the new title, against a bare `awatch` (same step and debounce)
   on the same folder noticing the same write, both on this loop (each write at a random point
   of the watchers' step). Also how many files the index read for those changes.
   Goal: a change shows within CHANGE_GOAL x the bare watcher's notice.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _claude import FILES, PROJECTS, SessionMaker, drop_from_cache, real_session, write_files
from _common import goal, header, ms, ratio, summary

from aio.claude.disk_index import ClaudeSessionIndex

COLD_ROUNDS = 2
WARM_ROUNDS = 4
QUERY_ROUNDS = 5
QUERIES_PER_ROUND = 50
CHANGES = 12
QUERY_GOAL = 0.01
CHANGE_GOAL = 1.5
DEADLINE = 30.0


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


async def build(config: Path) -> tuple[ClaudeSessionIndex, float]:
    index = ClaudeSessionIndex(config)
    start = time.perf_counter()
    await index.start()
    return index, time.perf_counter() - start


async def measure_builds(config: Path, paths: list[Path], sdk) -> None:
    """Cold (page cache dropped before each) then warm, the order alternating every round."""

    async def index_build() -> float:
        index, took = await build(config)
        await index.stop()
        return took

    for label, rounds, cold in (("cold", COLD_ROUNDS, True), ("warm", WARM_ROUNDS, False)):
        builds, scans = [], []
        for number in range(rounds):
            for first in (True, False) if number % 2 == 0 else (False, True):
                if cold:
                    drop_from_cache(paths)
                if first:
                    builds.append(await index_build())
                else:
                    scans.append(timed(sdk.list_sessions))
        which = "files out of the page cache" if cold else "files in the page cache"
        print(f"{label} build ({which}): {summary(builds)}")
        print(f"{label} list_sessions()         : {summary(scans)}")
        build_median, scan_median = statistics.median(builds), statistics.median(scans)
        print(f"ratio {label} build / list_sessions(): {ratio(build_median, scan_median)}")


async def measure_queries(index: ClaudeSessionIndex, sdk) -> float:
    some_id = index.sessions()[len(index.sessions()) // 2]["session_id"]
    listing, lookup, scans = [], [], []
    for _ in range(QUERY_ROUNDS):
        scans.append(timed(sdk.list_sessions))
        for _ in range(QUERIES_PER_ROUND):
            listing.append(timed(index.sessions))
            lookup.append(timed(lambda: index.get(some_id)))
    size = len(json.dumps(index.sessions()))
    print(f"index.sessions() ({len(index.sessions())} entries, {size // 1024} KB as JSON): "
          f"{summary(listing, lambda s: f'{s * 1e6:.0f} us')}")  # fmt: skip
    print(f"index.get(id)   : {summary(lookup, lambda s: f'{s * 1e6:.1f} us')}")
    print(f"list_sessions() rescan: {summary(scans)}")
    query, scan = statistics.median(listing), statistics.median(scans)
    print(f"ratio sessions() / list_sessions(): {query / scan:.5f}x (1 : {scan / query:.0f})")
    return query / scan


async def measure_changes(config: Path, paths: list[Path]) -> tuple[float, float]:
    from watchfiles import awatch

    seen: dict[str, asyncio.Future] = {}  # path -> when the index showed the wanted title
    wanted: dict[str, str] = {}
    bare: dict[str, asyncio.Future] = {}  # path -> when the bare watcher saw the write

    def on_change(changed: list[dict], _removed: list[str]) -> None:
        now = time.perf_counter()
        for entry in changed:
            waiting = seen.get(entry["path"])
            if waiting and not waiting.done() and entry["title"] == wanted[entry["path"]]:
                waiting.set_result(now)

    index = ClaudeSessionIndex(config, on_change)
    await index.start()
    stop = asyncio.Event()

    async def bare_watcher() -> None:
        async for batch in awatch(
            config / "projects", step=index.step_ms, debounce=index.debounce_ms, stop_event=stop
        ):
            now = time.perf_counter()
            for _change, path in batch:
                if path in bare and not bare[path].done():
                    bare[path].set_result(now)

    watcher = asyncio.create_task(bare_watcher())
    await asyncio.sleep(0)  # its watch is armed in its first step
    reads_before = sum(index.read_counts().values())
    rng = random.Random(5)
    loop = asyncio.get_running_loop()
    index_times, bare_times = [], []
    try:
        for number in range(CHANGES):
            path = paths[rng.randrange(len(paths))]
            title = f"renamed in round {number}"
            seen[str(path)] = loop.create_future()
            wanted[str(path)] = title
            bare[str(path)] = loop.create_future()
            line = {"type": "custom-title", "customTitle": title, "sessionId": path.stem}
            # Each watcher looks at its events once a step, on its own phase: writing at a
            # random point of the step spreads both figures over it alike.
            await asyncio.sleep(rng.uniform(0, index.step_ms / 1000))
            start = time.perf_counter()
            with path.open("a") as out:
                out.write(json.dumps(line) + "\n")
            shown = await asyncio.wait_for(seen[str(path)], DEADLINE)
            noticed = await asyncio.wait_for(bare[str(path)], DEADLINE)
            index_times.append(shown - start)
            bare_times.append(noticed - start)
            del seen[str(path)], bare[str(path)]
    finally:
        stop.set()
        await watcher
        reads = sum(index.read_counts().values()) - reads_before
        await index.stop()
    print(f"change -> index callback: {summary(index_times)}")
    print(f"change -> bare awatch   : {summary(bare_times)}")
    print(f"files the index read for {CHANGES} changes: {reads} (of {len(paths)})")
    index_median, bare_median = statistics.median(index_times), statistics.median(bare_times)
    print(f"ratio index / bare awatch: {ratio(index_median, bare_median)}")
    return index_median, bare_median


async def run(root: Path) -> int:
    lines, cwd, session_id = real_session(root)
    print(f"real session: {len(lines)} lines, {sum(map(len, lines))} bytes")
    config = root / "config"
    started = time.perf_counter()
    paths = write_files(config, SessionMaker(lines, cwd, session_id))
    sizes = sorted(path.stat().st_size for path in paths)
    took = time.perf_counter() - started
    print(
        f"{len(paths)} files in {PROJECTS} project folders written in {took:.1f} s: "
        f"{sum(sizes) / 1e6:.0f} MB, sizes {sizes[0] / 1e3:.0f} KB to {sizes[-1] / 1e6:.1f} MB, "
        f"median {statistics.median(sizes) / 1e3:.0f} KB"
    )
    os.environ["CLAUDE_CONFIG_DIR"] = str(config)  # list_sessions() reads it at call time
    imported = timed(lambda: __import__("claude_agent_sdk"))
    import claude_agent_sdk as sdk

    print(f"import claude_agent_sdk: {ms(imported)}")
    await measure_builds(config, paths, sdk)
    index, _ = await build(config)
    try:
        assert len(index.sessions()) == len(paths), len(index.sessions())
        query_ratio = await measure_queries(index, sdk)
    finally:
        await index.stop()
    index_median, bare_median = await measure_changes(config, paths)
    goal(
        f"a query of the index <= {QUERY_GOAL:g}x a list_sessions() rescan "
        f"(measured {query_ratio:.5f}x)",
        query_ratio <= QUERY_GOAL,
    )
    goal(
        f"a change shows <= {CHANGE_GOAL:g}x a bare awatch's notice "
        f"(measured {ratio(index_median, bare_median)})",
        index_median <= CHANGE_GOAL * bare_median,
    )
    return 0


def main() -> int:
    header(f"bench_claude_index: the session index over {FILES} files vs list_sessions()")
    root = Path(tempfile.mkdtemp(prefix="aiobcl"))
    try:
        return asyncio.run(run(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
