"""The CLIs screen (key 3) driven through Textual's Pilot against a real in-process core: the
table lists the tool; r runs it as a job with the arguments typed in the prompt; d shows the
doctor's report; u asks, then uninstalls it and its row goes, leaving an empty state that
says what external CLIs are and how to add one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clis_harness import CliEnv, aio_command, make_py_tool, report_of
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static

from aio.app import AioApp
from aio.config.settings import Config
from aio.core.daemon import Core
from aio.screens.clis import ClisScreen, DoctorScreen, RunArgumentsScreen
from aio.screens.confirm import ConfirmScreen
from aio.screens.jobs import JobsScreen
from aio.widgets.job_table import JobTable


async def wait_until(pilot: Pilot, predicate: Callable[[], Any], what: str, timeout=20.0) -> Any:
    """Let the app run until `predicate()` is truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await pilot.pause(0.05)


async def test_the_clis_screen_runs_doctors_and_uninstalls(
    cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIO_HOME", str(cli_env.home))
    monkeypatch.setenv("HOME", str(cli_env.user))
    tool = make_py_tool(cli_env.src / "screen", "screen-tool", build=["sh", "-c", "echo built"])
    cli_env.link(tool)
    core = Core(cli_env.home, Config())
    await core.start()
    try:
        app = AioApp(cli_env.home, Config())
        async with app.run_test(size=(150, 40)) as pilot:
            await wait_until(pilot, lambda: app.connected, "the dashboard to connect")
            await pilot.press("3")
            screen = await wait_until(
                pilot, lambda: isinstance(app.screen, ClisScreen) and app.screen, "CLIs screen"
            )
            table = screen.query_one(DataTable)
            await wait_until(pilot, lambda: table.row_count == 1, "the tool's row")
            row = table.get_row_at(0)
            assert row[:3] == ["screen-tool", "link", "-"]
            assert row[3].plain == "ok"
            assert row[4] == str(tool)

            # r: the argument prompt; quotes group words.
            await pilot.press("r")
            prompt = await wait_until(
                pilot,
                lambda: isinstance(app.screen, RunArgumentsScreen) and app.screen,
                "the argument prompt",
            )
            assert prompt.query_one(Input).has_focus
            await pilot.press(*'"a b" c')
            assert prompt.query_one("#cli-args", Input).value == '"a b" c'
            check = prompt.query_one("#cli-args-check", Static)
            assert str(check.render()) == "[a b] [c]"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is screen, "the prompt to close")

            # The job is queued with the core and shows in the Jobs screen.
            job = await wait_until(
                pilot,
                lambda: next(
                    (
                        j
                        for j in app.jobs.values()
                        if j["name"] == "cli-screen-tool" and j["status"] == "done"
                    ),
                    None,
                ),
                "the tool's job to finish",
            )
            log = Path(job["log_path"]).read_text().replace("\r\n", "\n")
            report = report_of(log)
            assert report["argv"] == ["a b", "c"]
            assert report["cwd"] == str(tool)
            await pilot.press("1")
            jobs_screen = await wait_until(
                pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, "Jobs screen"
            )
            assert job["id"] in jobs_screen.query_one(JobTable).jobs
            await pilot.press("3")
            await wait_until(pilot, lambda: app.screen is screen, "the CLIs screen again")
            await wait_until(pilot, lambda: table.row_count == 1, "the row after the switch")

            # d: the doctor's report, the build step included.
            await pilot.press("d")
            doctor = await wait_until(
                pilot,
                lambda: isinstance(app.screen, DoctorScreen) and app.screen,
                "the doctor's report",
            )
            text = str(doctor.query_one("#cli-doctor-report", Static).render())
            lines = text.splitlines()
            assert [line.split()[:2] for line in lines] == [
                ["ok", "manifest"],
                ["ok", "source"],
                ["ok", "command"],
                ["ok", "build"],
            ]
            assert lines[3].endswith("exit 0: built")
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen, "the report to close")

            # u asks first; any key but Enter or y keeps the tool.
            for key in ("escape", "u"):
                await pilot.press("u")
                question = await wait_until(
                    pilot,
                    lambda: isinstance(app.screen, ConfirmScreen) and app.screen,
                    "the question",
                )
                assert "Uninstall screen-tool?" in str(question.query_one(".title").render())
                assert f"{tool} itself is left alone" in str(question.query(Label)[1].render())
                await pilot.press(key)
                await wait_until(pilot, lambda: app.screen is screen, "the question to close")
                assert (cli_env.links / "screen-tool.toml").exists(), f"{key} uninstalled it"
            assert table.row_count == 1

            # u, Enter: uninstalled, and the row goes; the empty screen says what to do.
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            await pilot.press("enter")
            await wait_until(pilot, lambda: table.row_count == 0, "the row to disappear")
            assert not (cli_env.links / "screen-tool.toml").exists()
            assert (tool / "main.py").is_file()
            assert screen.sub_title.startswith("0 CLIs")
            empty = screen.query_one("#clis-empty", Static)
            await wait_until(pilot, lambda: empty.display and not table.display, "the empty state")
            text = str(empty.render())
            for words in ("No external CLIs yet", "flow-tool.toml", "aio install ~/", "catalog"):
                assert words in text, words

            # `aio install` from a shell tells the core, and the open screen shows the tool.
            install = await asyncio.create_subprocess_exec(
                *aio_command(),
                "install",
                str(tool),
                env=cli_env.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await install.communicate()
            assert install.returncode == 0, out
            await wait_until(pilot, lambda: table.row_count == 1, "the reinstalled tool's row")
            assert table.get_row_at(0)[0] == "screen-tool"
            assert table.display and not empty.display
    finally:
        await core.stop()
