"""The real `aio` dashboard in a real terminal (tmux): attach to a job from the command bar,
type into it, detach with ctrl-], and find the dashboard as it was."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from pilot_harness import ServedCore
from tmux_terminal import TmuxTerminal


def aio_command() -> list[str]:
    """The installed `aio` console script, else the same entry point via `python -m aio`."""
    found = shutil.which("aio")
    return [found] if found else [sys.executable, "-m", "aio"]


def job_row(screen: str, job_id: int, name: str) -> str | None:
    """The table row of a job as the terminal shows it."""
    pattern = re.compile(rf"^\W*{job_id}\s+{re.escape(name)}\s", re.MULTILINE)
    for line in screen.splitlines():
        if pattern.match(line):
            return line
    return None


def dashboard_shown(screen: str) -> bool:
    return "core: live" in screen and "❯" in screen and re.search(r"#\s+Name\s+Status", screen)


def command_bar_focused(screen: str) -> bool:
    """While the ❯ prompt has the focus, the footer leaves out the one-letter job keys."""
    footer = screen.rstrip("\n").splitlines()[-1]
    return "❯" in screen and "^p palette" in footer and "Attach" not in footer


def test_attach_type_detach_and_the_dashboard_is_intact(
    ui_home: Path, tmux: TmuxTerminal, served_core: ServedCore
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
    env["AIO_HOME"] = str(ui_home)
    task = ui_home.parent / "ask.json"
    script = "read -r -p 'first? ' a; echo \"got $a\"; read -r -p 'second? ' b; echo \"bye $b\""
    task.write_text(json.dumps({"name": "ask", "steps": [{"desc": "Ask", "cmd": script}]}))

    # The dashboard starts the core itself (served_core stops it at the end).
    dashboard = shlex.join(["env", f"AIO_HOME={ui_home}", *aio_command()])
    tmux.start(dashboard, env)
    tmux.wait_for(dashboard_shown, "the dashboard", timeout=60)  # it starts the core first

    queued = subprocess.run(
        [*aio_command(), "run", str(task)], env=env, capture_output=True, text=True, timeout=60
    )
    assert queued.returncode == 0, queued.stderr
    job = int(queued.stdout)
    tmux.wait_for(lambda s: "running" in (job_row(s, job, "ask") or ""), f"job {job} running")

    tmux.press(":")
    tmux.wait_for(command_bar_focused, "the command bar to take the keys")
    tmux.type(f"a {job}")
    tmux.press("Enter")
    # The dashboard's preview shows the prompt too: wait for the attach's banner (the dashboard
    # has left the screen) and its replay of the prompt (it forwards keys from then on).
    tmux.wait_for(
        lambda s: "[aio] attached to job" in s and "first?" in s, "the attach to replay the prompt"
    )
    tmux.type("hello there")
    tmux.press("Enter")
    screen = tmux.wait_text("got hello there")
    assert "second?" in screen

    tmux.press("C-]")
    screen = tmux.wait_for(dashboard_shown, "the dashboard after detaching")
    assert "detached from job" not in screen, "the dashboard should have redrawn the terminal"
    assert "running" in job_row(screen, job, "ask"), "detaching leaves the job running"

    # Answer the second question from the dashboard's own preview, then give focus back.
    tmux.press("i")
    tmux.wait_text("typing goes to the job")  # the preview has the focus
    tmux.type("world")
    tmux.press("Enter")
    tmux.wait_for(
        lambda s: "done" in (job_row(s, job, "ask") or "") and "bye world" in s,
        f"job {job} done and its answer in the preview",
    )
    tmux.press("C-]")
    tmux.wait_for(lambda s: "Attach" in s.rstrip("\n").splitlines()[-1], "the table's keys")
    tmux.press(":")
    tmux.wait_for(command_bar_focused, "the command bar to take the keys")
    tmux.type("q")
    tmux.press("Enter")
    tmux.wait_for(lambda s: not dashboard_shown(s), "the dashboard to quit")
