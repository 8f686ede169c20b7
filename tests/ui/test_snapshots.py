"""Snapshots of the dashboard (pytest-textual-snapshot) against a real core with a fake clock.

The core runs on its own loop in a thread (`app.run()` in `snap_compare` needs the main one).
Both the core and the app read a FakeClock, and local time is UTC, so durations and "Started"
times are the same on every run. Update the baselines with `pytest --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from claude_harness import ClaudeHome
from core_harness import AioHome, wait_for
from pilot_harness import (
    FIXED_NOW,
    FakeClock,
    ThreadedCore,
    core_config,
    submit,
    type_into_job,
    wait_for_job,
    wait_until,
)
from test_claude_sessions import trust
from textual.pilot import Pilot
from textual.widgets import Input

from aio.app import AioApp
from aio.client.async_client import AsyncCoreClient
from aio.config.settings import Config
from aio.screens.menu import MenuScreen, VariablesScreen
from aio.widgets.claude_table import ClaudeTable
from aio.widgets.job_table import JobTable
from aio.widgets.terminal import TerminalView

SIZE = (120, 36)

BUILD = {
    "name": "build",
    "steps": [
        {"desc": "Compile", "cmd": "echo compiling..."},
        {"desc": "Link", "cmd": "read -r go; echo linked $go"},
    ],
}
LINT = {"name": "lint", "steps": [{"desc": "Lint", "cmd": "echo 'app.py:3: unused'; exit 3"}]}
DEPLOY = {"name": "deploy", "steps": [{"desc": "Wait for approval", "cmd": "read -r answer"}]}
REPORT = {"name": "report", "steps": [{"desc": "Summarise", "cmd": "echo report"}]}


@pytest.fixture
def core_clock() -> FakeClock:
    return FakeClock(FIXED_NOW)


@pytest.fixture
def threaded_core(ui_home: Path, core_clock: FakeClock, utc: None) -> Iterator[ThreadedCore]:
    """A real core (one worker) on its own loop, reading `core_clock`."""
    core = ThreadedCore(ui_home, core_config(workers=1), core_clock)
    core.start()
    try:
        yield core
    finally:
        core.stop()


async def run_jobs(home: Path, clock: FakeClock) -> None:
    """Four jobs, each moved on by the test so their times are exact: done after 83.5 s,
    failed at once, running since 100 s in, and queued behind it."""
    client = AsyncCoreClient(home)
    try:
        build = await submit(client, BUILD)
        await wait_for_job(client, build, lambda j: j["current_step"] == 1, "to reach step 2")
        clock.advance(83.5)
        await type_into_job(client, build, "ok\r")
        await wait_for_job(client, build, lambda j: j["status"] == "done", "to be done")

        clock.advance(6.5)
        lint = await submit(client, LINT)
        await wait_for_job(client, lint, lambda j: j["status"] == "failed", "to fail")

        clock.advance(10)
        deploy = await submit(client, DEPLOY)
        await wait_for_job(client, deploy, lambda j: j["status"] == "running", "to run")
        await submit(client, REPORT)
    finally:
        await client.close()


def dashboard(home: Path, core_clock: FakeClock, seconds_later: float = 0) -> AioApp:
    return AioApp(home, Config(), clock=FakeClock(core_clock.now + seconds_later))


async def connected(pilot: Pilot, rows: int) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.connected, "the dashboard to connect")
    table = app.screen.query_one(JobTable)
    await wait_until(pilot, lambda: table.row_count == rows, f"{rows} rows in the table")


def test_jobs_screen(
    snap_compare, ui_home: Path, threaded_core: ThreadedCore, core_clock: FakeClock
) -> None:
    """Done, failed, running and queued jobs; the first one selected, its output previewed."""
    threaded_core.call(run_jobs(ui_home, core_clock))

    async def select_the_build(pilot: Pilot) -> None:
        await connected(pilot, rows=4)
        await pilot.press("up", "up", "up")
        preview = pilot.app.screen.query_one(TerminalView)
        await wait_until(
            pilot,
            lambda: preview.screen_text()[:3] == ["compiling...", "ok", "linked ok"],
            "the build's output in the preview",
        )
        preview.flush_now()

    app = dashboard(ui_home, core_clock, seconds_later=42)
    assert snap_compare(app, terminal_size=SIZE, run_before=select_the_build)


async def one_done_job(home: Path) -> None:
    """A finished job, so the Jobs screen under a modal shows its table (its empty state names
    the test's temporary tasks folder, which differs from run to run)."""
    client = AsyncCoreClient(home)
    try:
        job = await submit(client, REPORT)
        await wait_for_job(client, job, lambda j: j["status"] == "done", "to be done")
    finally:
        await client.close()


async def report_previewed(pilot: Pilot) -> None:
    """The dashboard is connected and previews the finished job's output."""
    await connected(pilot, rows=1)
    preview = pilot.app.screen.query_one(TerminalView)
    await wait_until(
        pilot, lambda: "report" in preview.screen_text(), "the job's output in the preview"
    )
    preview.flush_now()


def test_task_menu(
    snap_compare, ui_home: Path, threaded_core: ThreadedCore, core_clock: FakeClock
) -> None:
    """The menu lists the packaged examples, the second one highlighted and picked: its box
    has a tick, the others are empty."""
    threaded_core.call(one_done_job(ui_home))

    async def open_menu(pilot: Pilot) -> None:
        await report_previewed(pilot)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MenuScreen), "the menu")
        await pilot.press("down", "space")

    app = dashboard(ui_home, core_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_menu)


def test_variables_modal(
    snap_compare, ui_home: Path, threaded_core: ThreadedCore, core_clock: FakeClock
) -> None:
    """The countdown example's variables with a value typed, and the steps they resolve to."""
    threaded_core.call(one_done_job(ui_home))

    async def fill_in_countdown(pilot: Pilot) -> None:
        await report_previewed(pilot)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MenuScreen), "the menu")
        await pilot.press("down", "enter")
        modal = await wait_until(
            pilot,
            lambda: isinstance(pilot.app.screen, VariablesScreen) and pilot.app.screen,
            "the variables modal",
        )
        for field in modal.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the snapshot flicker
        await pilot.press("backspace", "backspace", "3")
        preview = modal.query_one("#variables-preview")
        await wait_until(
            pilot, lambda: "Count down from 3" in str(preview.content), "the resolved steps"
        )

    app = dashboard(ui_home, core_clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=fill_in_countdown)


def test_claude_screen(
    snap_compare, claude_core: AioHome, claude_home: ClaudeHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Claude session that ran and was stopped, selected: its row and the preview's line for a
    session with no job. (The live TUI is not pictured: the real CLI's start screen changes
    from run to run, with notices and an animation; tests/ui/test_claude_screen.py checks it.)
    Its folder is under the Claude home's HOME, which the dashboard's ~ is too, so both show it
    as ~/project; the dashboard's clock stands 42 s after the session's last change."""
    folder = claude_home.home / "project"
    folder.mkdir()
    trust(claude_home, folder)
    monkeypatch.setenv("HOME", str(claude_home.home))
    number = int(claude_core.ok("claude", "new", "--cwd", str(folder)))
    wait_for(
        lambda: (
            claude_core.request("GET", f"/claude/sessions/{number}")["session"]["status"] == "idle"
        ),
        30,
        "the session to be idle",
    )
    claude_core.ok("claude", "stop", str(number))
    clock = FakeClock()

    async def ended_and_selected(pilot: Pilot) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.connected, "the dashboard to connect")
        await pilot.press("4")
        await wait_until(
            pilot,
            lambda: app.claude_sessions.get(number, {}).get("status") == "ended",
            "the session to be ended",
            timeout=30,
        )
        clock.now = app.claude_sessions[number]["updated_at"] + 42
        app.screen.query_one(ClaudeTable).tick()
        await pilot.pause()

    app = AioApp(claude_core.path, Config(), clock=clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=ended_and_selected)
