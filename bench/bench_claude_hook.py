"""Claude Code hooks: the `aio hook` process itself, and hook fired -> status on the Claude screen.

Setup: a core with one real aio session, the real `claude` TUI in a job's PTY against the tests'
Messages API stub (bench/_claude.py), which has answered one prompt and gone idle through its
Stop hook. The hook command and its environment are those the session's `--settings` file
(written by the core) and its job give Claude: the hook entry run as a script by the core's
interpreter (`python -S -I .../aio/claude/hook_entry.py SOCKET`), with AIO_CLAUDE_SESSION set,
its hook JSON on stdin.

1. The hook process: that command with a PreToolUse payload (the fields Claude sends: session
   id, transcript path, cwd, tool name and input) on stdin, and the console script `aio hook`
   beside this interpreter with the same input, against `python -c pass`, ROUNDS interleaved
   (bench/_runs.py: spawn to exit, wall and CPU). Every run is a real post the core applies
   (checked at the end: the session is `working` and its record was written again).
   Goal: the median hook <= PROCESS_GOAL x `python -c pass`.
2. Hook -> screen: the real dashboard in tmux (bench/_tmux.py), on the Claude screen (key 4),
   the session's row selected (its terminal previewed). Each round spawns the hook command with
   UserPromptSubmit or Stop (alternating, so the row moves working <-> idle) and times from just
   before the spawn until a capture-pane shows the row `N working` / `N idle`.
   Baseline, interleaved (the order alternates every round): the same capture loop on a plain
   tmux pane (no app in it), where a spawned `python -c` writes the same row text straight to
   the pane's terminal (the same interpreter start, then tmux parsing and our capture; what aio
   adds is its hook's imports, the post, the core, the event stream and Textual's redraw);
   also `printf` (no interpreter) doing the same, the floor of the loop itself.
   Goal: p95 of hook -> status shown <= SCREEN_GOAL.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

from _claude import ClaudeBench, new_sessions, session, wait_answered
from _common import goal, header, ms, ratio, summary
from _runs import import_profile, interleaved, median, percentile, python_start_note, table
from _tmux import Tmux, row_starts_with

ROUNDS = 21
SCREEN_ROUNDS = 40
PROCESS_GOAL = 2.0
SCREEN_GOAL = 0.100
SHOW_DEADLINE = 10.0
BASELINE = "python -c pass"
HOOK = "the settings' hook command (hook_entry.py)"
SCRIPT = "aio hook (console script)"


def payload(found: dict, event: str, transcript: str) -> dict:
    """A hook's input as Claude gives it (the common fields, then the event's own)."""
    data = {
        "session_id": found["session_id"],
        "transcript_path": transcript,
        "cwd": found["cwd"],
        "permission_mode": "default",
        "hook_event_name": event,
    }
    if event == "PreToolUse":
        data.update(
            tool_name="Bash",
            tool_input={"command": "git status --short", "description": "Show changed files"},
            tool_use_id="toolu_01BenchHookPayload00000",
        )
    elif event == "UserPromptSubmit":
        data["prompt"] = "run the tests and fix what fails"
    elif event == "Stop":
        data["stop_hook_active"] = False
    return data


def hook_command(home: str, number: int) -> list[str]:
    """The command the session's --settings file gives each hook."""
    settings = json.loads(Path(home, "claude", str(number), "settings.json").read_text())
    (entry,) = settings["hooks"]["PreToolUse"][0]["hooks"]
    return shlex.split(entry["command"])


def process_figures(
    core, bench: ClaudeBench, number: int, hook: list[str], env: dict
) -> tuple[float, float]:
    """Part 1; the ratios of the two hooks to `python -c pass` (medians of wall time)."""
    before = session(core.home, number)
    runs = interleaved(
        {BASELINE: [sys.executable, "-c", "pass"], HOOK: hook, SCRIPT: [core.aio, "hook"]},
        ROUNDS,
        envs={HOOK: env, SCRIPT: env},
        stdins={
            HOOK: str(bench.root / "PreToolUse.json"),
            SCRIPT: str(bench.root / "PreToolUse.json"),
        },
    )
    profile = import_profile(hook[1:], env=env, stdin=str(bench.root / "PreToolUse.json"))
    after = session(core.home, number)
    if after["status"] != "working" or after["updated_at"] <= before["updated_at"]:
        raise RuntimeError(f"the hooks did not reach the core: {before} -> {after}")
    print(f"1. the hook process, PreToolUse payload on stdin, {ROUNDS} rounds (+1 warm-up each):")
    table(runs, BASELINE)
    print(f"   ({python_start_note()})")
    print(f"   imports of the hook: {profile}")
    base = median(runs.wall[BASELINE])
    for name in (HOOK, SCRIPT):
        print(f"   {name} over the bare interpreter: {ms(median(runs.wall[name]) - base)}")
    return median(runs.wall[HOOK]) / base, median(runs.wall[SCRIPT]) / base


def screen_figures(core, bench: ClaudeBench, number: int, hook: list[str], env: dict) -> float:
    """Part 2; p95 of hook -> status shown."""
    times: dict[str, list[float]] = {"hook": [], "python": [], "printf": []}
    with Tmux() as tmux:
        dash = tmux.launch("dash", f"exec {shlex.quote(core.aio)}", {"AIO_HOME": core.home})
        plain = tmux.launch("plain", f"exec sleep {24 * 3600}")
        tty = tmux.command("display-message", "-p", "-t", tmux.target("plain"), "#{pane_tty}")[0]
        job = session(core.home, number)["job"]
        tmux.watch("dash", {"jobs": row_starts_with(str(job), f"claude-{number}")}, 60)
        tmux.send_keys("dash", "4")
        fire(bench, hook, env, "Stop")
        tmux.watch("dash", {"row": row_starts_with(str(number), "idle")}, 30)
        rng = random.Random(4)
        # O_NOCTTY: the pane's terminal must not become this process's (its close would hang
        # us up).
        with open(os.open(tty, os.O_WRONLY | os.O_NOCTTY), "wb", buffering=0) as terminal:
            for i in range(SCREEN_ROUNDS):
                status, event = ("working", "UserPromptSubmit") if i % 2 == 0 else ("idle", "Stop")
                text = f"\r\x1b[K {number}  {status}  {bench.work}"
                kinds = ["hook", "python", "printf"]
                kinds = kinds[i % 3 :] + kinds[: i % 3]
                for kind in kinds:
                    # Off the phase of the dashboard's once-a-second tick and of each other.
                    time.sleep(rng.uniform(0.0, 0.05))
                    tmux.drain()
                    start = time.perf_counter()
                    if kind == "hook":
                        proc = fire(bench, hook, env, event, wait=False)
                        window = "dash"
                    else:
                        argv = (
                            [
                                sys.executable,
                                "-c",
                                "import os, sys; os.write(1, sys.argv[1].encode())",
                                text,
                            ]
                            if kind == "python"
                            else ["printf", "%s", text]
                        )
                        proc = subprocess.Popen(argv, stdout=terminal, stdin=subprocess.DEVNULL)
                        window = "plain"
                    try:
                        found = tmux.watch(
                            window,
                            {"row": row_starts_with(str(number), status)},
                            SHOW_DEADLINE,
                            start,
                        )
                    finally:
                        proc.wait(timeout=30)
                    times[kind].append(found["row"])
                    if window == "plain":  # blank again, so that the next write is news
                        terminal.write(b"\r\x1b[K")
                        tmux.watch("plain", {"blank": blank(str(number))}, SHOW_DEADLINE)
        tmux.close("dash", dash)
        tmux.close("plain", plain)
    print(f"2. hook fired -> status shown, {SCREEN_ROUNDS} rounds (working/idle alternating):")
    labels = {
        "hook": "hook -> row on the Claude screen",
        "python": "python -c writes the row -> plain pane",
        "printf": "printf writes the row -> plain pane",
    }
    for kind, label in labels.items():
        values = times[kind]
        p50, p95 = ms(percentile(values, 50)), ms(percentile(values, 95))
        print(f"   {label:40} p50 {p50:>9}  p95 {p95:>9}  {summary(values)}")
    hook_p95, python_p95 = percentile(times["hook"], 95), percentile(times["python"], 95)
    print(
        f"   ratio hook / python baseline: p50 "
        f"{ratio(percentile(times['hook'], 50), percentile(times['python'], 50))}, "
        f"p95 {ratio(hook_p95, python_p95)}; aio adds "
        f"{ms(median(times['hook']) - median(times['python']))} (medians)"
    )
    return hook_p95


def blank(word: str):
    """A screen predicate: no line starts with `word`."""
    return lambda lines: not any(line.split()[:1] == [word] for line in lines)


def fire(bench: ClaudeBench, hook: list[str], env: dict, event: str, wait: bool = True):
    """Spawn the hook with `event`'s payload on stdin (written by main); the process."""
    with open(bench.root / f"{event}.json", "rb") as given:
        proc = subprocess.Popen(
            hook, stdin=given, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
    if wait:
        proc.wait(timeout=30)
    return proc


def main() -> int:
    header("bench_claude_hook: `aio hook` vs python -c pass; hook -> status on the Claude screen")
    with ClaudeBench() as bench, bench.core() as core:
        (number,) = new_sessions(core, bench.work, 1, prompt="hello")
        (found,) = wait_answered(bench, core.home, [number], 90)
        hook = hook_command(core.home, number)
        # What the session's job gives its `claude`, and so each hook: the core's environment
        # (this process's, with AIO_HOME and the Claude home) and the aio session number.
        env = {**os.environ, "AIO_CLAUDE_SESSION": str(number)}
        transcript = next(bench.home.config_dir.glob(f"projects/*/{found['session_id']}.jsonl"))
        for event in ("PreToolUse", "UserPromptSubmit", "Stop"):
            data = payload(found, event, str(transcript))
            (bench.root / f"{event}.json").write_text(json.dumps(data))
        print(
            f"core pid {core.pid}; claude session {number} (job {found['job']}) idle after one "
            f"prompt; hook command: {shlex.join(hook)}"
        )
        hook_ratio, script_ratio = process_figures(core, bench, number, hook, env)
        p95 = screen_figures(core, bench, number, hook, env)
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    goal(
        f"the hook process (the settings' command) median <= {PROCESS_GOAL:g}x python -c pass "
        f"(measured {hook_ratio:.2f}x)",
        hook_ratio <= PROCESS_GOAL,
    )
    print(f"for context, the console script `aio hook`: {script_ratio:.2f}x python -c pass")
    goal(
        f"hook -> status on the Claude screen p95 <= {SCREEN_GOAL * 1000:.0f} ms "
        f"(measured {ms(p95)})",
        p95 <= SCREEN_GOAL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
