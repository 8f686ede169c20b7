"""`aio claude ls --all` (and `--json`) with 1,000 Claude session files on disk, answered by the
core from its index, against `python -c pass`.

Setup: the tree of bench_claude_index (bench/_claude.py: 1,000 files in 40 project folders,
log-uniform 10 KB to 5 MB, from a session the real `claude` wrote against the tests' Messages
API stub) in the Claude config folder of a temporary home, which the core sees through
CLAUDE_CONFIG_DIR; the core holds no session of its own, so all 1,000 are `external`.

1. Cold: the core builds its index at the first request that needs it. The first
   `aio claude ls --all` of a fresh core is timed with the files out of the page cache
   (posix_fadvise DONTNEED, these files only), then the first one of a second fresh core with
   the files cached; beside each, the core's own build time (`index.build_seconds` of its
   answer). The build of `aio.claude.disk_index.ClaudeSessionIndex` in this process over the
   same files (cached) is printed beside them.
2. Warm: ROUNDS interleaved rounds (bench/_runs.py: spawn to exit, wall and CPU, the order
   rotating) of `python -c pass`, `aio claude ls --all`, `aio claude ls --all --json` and, for
   context, `aio claude ls` (aio's own sessions only: no index); then the core's own answer
   to `GET /claude/sessions?all=1` through aio's client in this process (no process start).
   Goal: the median of each `--all` listing <= GOAL_RATIO x `python -c pass`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from _claude import ClaudeBench, SessionMaker, drop_from_cache, real_session, write_files
from _common import goal, header, ms, ratio, request, summary
from _runs import import_profile, interleaved, median, python_start_note, table

from aio.claude.disk_index import ClaudeSessionIndex

ROUNDS = 21
GOAL_RATIO = 5.0
BASELINE = "python -c pass"
ALL = "aio claude ls --all"
JSON = "aio claude ls --all --json"
OWN = "aio claude ls"


def first_listing(core, files: int) -> float:
    """Wall time of the first `aio claude ls --all --json` of this core (it builds the index);
    checks that every file is listed."""
    start = time.perf_counter()
    done = core.run("claude", "ls", "--all", "--json", capture_output=True, text=True, check=True)
    took = time.perf_counter() - start
    listed = json.loads(done.stdout)
    if len(listed) != files or {s["source"] for s in listed} != {"external"}:
        raise RuntimeError(f"the first listing has {len(listed)} sessions, not {files} external")
    return took


def core_build_seconds(home: str) -> float:
    """How long the core's own cold build of its index took (it says, in `index`)."""
    return request(home, "GET", "/claude/sessions?all=1")["index"]["build_seconds"]


def answer_time(home: str) -> float:
    start = time.perf_counter()
    request(home, "GET", "/claude/sessions?all=1")
    return time.perf_counter() - start


async def index_build(config: Path) -> float:
    index = ClaudeSessionIndex(config)
    await index.start()
    await index.stop()
    return index.build_seconds


def main() -> int:
    header("bench_claude_ls: `aio claude ls --all` over 1,000 session files vs python -c pass")
    with ClaudeBench() as bench:
        lines, cwd, session_id = real_session(bench.root / "seed")
        config = bench.home.config_dir
        started = time.perf_counter()
        paths = write_files(config, SessionMaker(lines, cwd, session_id))
        sizes = sorted(path.stat().st_size for path in paths)
        print(
            f"{len(paths)} session files written in {time.perf_counter() - started:.1f} s: "
            f"{sum(sizes) / 1e6:.0f} MB, {sizes[0] / 1e3:.0f} KB to {sizes[-1] / 1e6:.1f} MB, "
            f"median {statistics.median(sizes) / 1e3:.0f} KB"
        )
        drop_from_cache(paths)
        with bench.core() as core:
            cold = first_listing(core, len(paths))
            cold_build = core_build_seconds(core.home)
        with bench.core() as core:
            cached = first_listing(core, len(paths))
            cached_build = core_build_seconds(core.home)
            in_process = asyncio.run(index_build(config))
            print(f"1. first `{JSON}` of a fresh core (it builds the index):")
            print(f"   files out of the page cache: {ms(cold)} (its build: {ms(cold_build)})")
            print(f"   files in the page cache    : {ms(cached)} (its build: {ms(cached_build)})")
            print(f"   (the index built in this process, files cached: {ms(in_process)})")
            table_bytes = len(core.run("claude", "ls", "--all", capture_output=True).stdout)
            json_bytes = len(
                core.run("claude", "ls", "--all", "--json", capture_output=True).stdout
            )
            print(f"   output: table {table_bytes // 1024} KB, JSON {json_bytes // 1024} KB")
            argv = {
                BASELINE: [sys.executable, "-c", "pass"],
                ALL: [core.aio, "claude", "ls", "--all"],
                JSON: [core.aio, "claude", "ls", "--all", "--json"],
                OWN: [core.aio, "claude", "ls"],
            }
            runs = interleaved(argv, ROUNDS)
            answers = [answer_time(core.home) for _ in range(ROUNDS)]
            profile = import_profile(["-m", "aio", "claude", "ls", "--all", "--json"])
    print(f"2. warm index, {ROUNDS} rounds (+1 warm-up each), the order rotating:")
    table(runs, BASELINE)
    print(f"   ({python_start_note()})")
    print(
        f"   the core's answer to GET /claude/sessions?all=1 (aio's client in this process, "
        f"JSON decoded): {summary(answers)}"
    )
    print(f"   imports of `aio claude ls --all --json`: {profile}")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    base = median(runs.wall[BASELINE])
    for name in (ALL, JSON):
        value = median(runs.wall[name])
        goal(
            f"`{name}` median <= {GOAL_RATIO:g}x python -c pass (measured {ratio(value, base)})",
            value <= GOAL_RATIO * base,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
