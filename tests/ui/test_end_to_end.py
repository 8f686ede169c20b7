"""The real `aio` dashboard in a real terminal (tmux): attach to a job from the command bar,
type into it, detach with ctrl-], and find the dashboard as it was; the attach starts on a clear
screen, and a job that ends during it leaves its last screen until a key is pressed."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from core_harness import aio_command
from pilot_harness import ServedCore
from tmux_terminal import TmuxTerminal


def job_row(screen: str, job_id: int, name: str) -> str | None:
    """The table row of a job as the terminal shows it."""
    pattern = re.compile(rf"^\W*{job_id}\s+{re.escape(name)}\s", re.MULTILINE)
    for line in screen.splitlines():
        if pattern.match(line):
            return line
    return None


def dashboard_shown(screen: str) -> bool:
    """The Jobs screen, live: its table, or with no jobs the page saying how to start."""
    table = re.search(r"#\s+Name\s+Status", screen) or "No jobs yet" in screen
    return "core: live" in screen and "❯" in screen and table


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


def terminal_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
    env["AIO_HOME"] = str(home)
    return env


def start_dashboard_after_junk(tmux: TmuxTerminal, home: Path) -> None:
    """Fill the terminal with junk lines, then start the dashboard in it (it starts the core)."""
    junk = "for i in $(seq 1 60); do echo junk-$i-junk-junk-junk-junk; done"
    dashboard = shlex.join(["env", f"AIO_HOME={home}", *aio_command()])
    tmux.start(f"sh -c {shlex.quote(f'{junk}; exec {dashboard}')}", terminal_env(home))
    tmux.wait_for(dashboard_shown, "the dashboard", timeout=60)


def run_task(home: Path, name: str, script: str) -> int:
    """Queue a one-step task with `aio run` from outside the dashboard; the job's number."""
    task = home.parent / f"{name}.json"
    task.write_text(json.dumps({"name": name, "steps": [{"desc": "Step", "cmd": script}]}))
    queued = subprocess.run(
        [*aio_command(), "run", str(task)],
        env=terminal_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert queued.returncode == 0, queued.stderr
    return int(queued.stdout)


def attach_from_the_command_bar(tmux: TmuxTerminal, job: int, prompt: str) -> str:
    tmux.press(":")
    tmux.wait_for(command_bar_focused, "the command bar to take the keys")
    tmux.type(f"a {job}")
    tmux.press("Enter")
    return tmux.wait_for(
        lambda s: "[aio] attached to job" in s and prompt in s, "the attach to replay the prompt"
    )


def quit_dashboard(tmux: TmuxTerminal) -> None:
    tmux.press(":")
    tmux.wait_for(command_bar_focused, "the command bar to take the keys")
    tmux.type("q")
    tmux.press("Enter")
    tmux.wait_for(lambda s: not dashboard_shown(s), "the dashboard to quit")


def test_an_attach_starts_on_a_clear_screen_and_the_preview_keeps_its_top_rows_after_it(
    ui_home: Path, tmux: TmuxTerminal, served_core: ServedCore
) -> None:
    start_dashboard_after_junk(tmux, ui_home)
    job = run_task(ui_home, "ask", "echo top-of-ask; printf 'name? '; read -r x; echo \"got $x\"")
    tmux.wait_for(lambda s: "running" in (job_row(s, job, "ask") or ""), f"job {job} running")

    screen = attach_from_the_command_bar(tmux, job, "name?")
    assert "junk" not in screen, f"the attach left old lines on the screen:\n{screen}"
    lines = screen.splitlines()
    assert lines[0].startswith("[aio] attached to job"), "the attach starts at the top"
    assert "top-of-ask" in lines[1] and "name?" in lines[2], "the replay is not garbled"

    tmux.press("C-]")
    tmux.wait_for(dashboard_shown, "the dashboard after detaching")
    # The attach gave the PTY this terminal's size, taller than the preview: taking the focus
    # shrinks it again, and the job's first rows must stay on screen.
    tmux.press("i")
    screen = tmux.wait_text("typing goes to the job")
    assert "top-of-ask" in screen and "name?" in screen, f"the preview lost its top:\n{screen}"
    tmux.type("bob")
    tmux.wait_text("name? bob")
    tmux.press("Enter")
    tmux.wait_for(
        lambda s: "done" in (job_row(s, job, "ask") or "") and "got bob" in s, f"job {job} done"
    )
    tmux.press("C-]")
    tmux.wait_for(lambda s: "Attach" in s.rstrip("\n").splitlines()[-1], "the table's keys")
    quit_dashboard(tmux)


def test_a_job_that_ends_during_an_attach_leaves_its_last_screen_until_a_key(
    ui_home: Path, tmux: TmuxTerminal, served_core: ServedCore
) -> None:
    start_dashboard_after_junk(tmux, ui_home)
    job = run_task(ui_home, "last", "printf 'last? '; read -r x; echo \"final $x\"")
    tmux.wait_for(lambda s: "running" in (job_row(s, job, "last") or ""), f"job {job} running")

    attach_from_the_command_bar(tmux, job, "last?")
    tmux.type("words")
    tmux.press("Enter")
    screen = tmux.wait_text("press any key to return to the dashboard")
    assert not dashboard_shown(screen)
    assert "final words" in screen, "the job's last screen stays"
    assert f"[aio] job {job} done (exit 0)" in screen, "and so does its done line"

    tmux.press("Space")
    tmux.wait_for(
        lambda s: dashboard_shown(s) and "done" in (job_row(s, job, "last") or ""),
        "the dashboard after the key, with the job done",
    )
    quit_dashboard(tmux)


def test_the_dashboard_opens_on_the_screen_named_and_refuses_an_unknown_one(
    ui_home: Path, tmux: TmuxTerminal, served_core: ServedCore
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
    env["AIO_HOME"] = str(ui_home)
    refused = subprocess.run(
        [*aio_command(), "--screen", "nope"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert refused.stderr == "aio: usage: aio [--screen jobs|todos|clis|claude|worklets|flows]\n"
    dashboard = shlex.join(["env", f"AIO_HOME={ui_home}", *aio_command(), "--screen", "claude"])
    tmux.start(dashboard, env)
    tmux.wait_text("Press n to start a session", timeout=60)  # the Claude screen's
    # its keys in the footer (drawn a frame after the screen's content)
    tmux.wait_for(lambda s: "All on disk" in s.rstrip("\n").splitlines()[-1], "the footer")
    tmux.press("1")
    tmux.wait_for(dashboard_shown, "the Jobs screen")


def test_a_newcomer_at_80x24_sees_what_to_do_finds_the_keys_and_kill_asks_first(
    ui_home: Path, tmux: TmuxTerminal, served_core: ServedCore
) -> None:
    """issue 14 in a real terminal of 80x24: the empty Jobs screen teaches, the footer keeps
    Help and Quit, ? lists the keys and Escape closes it, K asks before it kills."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIO_", "TMUX"))}
    env["AIO_HOME"] = str(ui_home)
    tmux.cols, tmux.rows = 80, 24
    tmux.start(shlex.join(["env", f"AIO_HOME={ui_home}", *aio_command()]), env)
    screen = tmux.wait_text("No jobs yet", timeout=60)
    assert str(ui_home / "tasks") in screen, "the watch folder's path"
    screen = tmux.wait_for(lambda s: "q Quit" in s.rstrip("\n").splitlines()[-1], "the footer")
    footer = screen.rstrip("\n").splitlines()[-1]
    assert "? Help" in footer and "K Kill" in footer, footer

    tmux.press("?")
    screen = tmux.wait_text("Keys of the Jobs screen")
    assert "Everywhere" in screen
    tmux.press("Escape")
    tmux.wait_for(lambda s: "Keys of the Jobs screen" not in s, "the help to close")

    task = ui_home.parent / "sleep.json"
    task.write_text(json.dumps({"name": "sleeper", "steps": [{"cmd": "sleep 300"}]}))
    queued = subprocess.run(
        [*aio_command(), "run", str(task)], env=env, capture_output=True, text=True, timeout=60
    )
    job = int(queued.stdout)
    tmux.wait_for(lambda s: "running" in (job_row(s, job, "sleeper") or ""), "the job running")
    tmux.press("K")
    tmux.wait_text(f"Kill job {job} sleeper (running)?")
    tmux.press("k")  # any other key is a no (and k no longer kills)
    tmux.wait_for(lambda s: "Kill job" not in s, "the question to go")
    assert "running" in (job_row(tmux.screen(), job, "sleeper") or "")
    tmux.press("K")
    tmux.wait_text(f"Kill job {job} sleeper (running)?")
    tmux.press("y")
    tmux.wait_for(lambda s: "killed" in (job_row(s, job, "sleeper") or ""), "the job killed")
