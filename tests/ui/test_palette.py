"""The command palette offers every action of the screen it is opened on; keys follow the
user's keymap."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, core_config, open_dashboard

from aio.config.settings import config_from_mapping
from aio.screens.clis import ClisScreen
from aio.screens.jobs import JobsScreen
from aio.screens.palette import palette_commands
from aio.screens.todos import TodosScreen


def titles(app) -> list[str]:
    return [command.title for command in palette_commands(app, app.screen)]


async def test_each_screen_lists_its_actions_and_the_other_screens(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start(core_config())
    async with open_dashboard(ui_home) as ui:
        assert isinstance(ui.app.screen, JobsScreen)
        jobs = titles(ui.app)
        for wanted in (
            "Attach to the selected job",
            "Kill the selected job",
            "Run a task",
            "Open the selected job in a browser",
            "Go to Todos",
            "Command bar",
        ):
            assert wanted in jobs

        await ui.pilot.press("2")
        await ui.wait(lambda: isinstance(ui.app.screen, TodosScreen), "the Todos screen")
        todos = titles(ui.app)
        assert "Add a todo" in todos and "Edit the selected todo" in todos
        assert "Kill the selected job" not in todos

        await ui.pilot.press("3")
        await ui.wait(lambda: isinstance(ui.app.screen, ClisScreen), "the CLIs screen")
        assert "Doctor the selected CLI" in titles(ui.app)

        go_to_jobs = next(
            c for c in palette_commands(ui.app, ui.app.screen) if c.title == "Go to Jobs"
        )
        await go_to_jobs.callback()
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "back on the Jobs screen")


async def test_the_keymap_in_the_config_rebinds_keys_by_binding_id(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start(core_config())
    config = config_from_mapping({"keymap": {"app.todos": "T", "app.clis": "C"}})
    async with open_dashboard(ui_home, config=config) as ui:
        await ui.pilot.press("2")  # no longer bound: 'T' is the Todos key now
        await ui.pilot.pause(0.2)
        assert isinstance(ui.app.screen, JobsScreen)
        await ui.pilot.press("T")
        await ui.wait(lambda: isinstance(ui.app.screen, TodosScreen), "T to open Todos")
        await ui.pilot.press("C")
        await ui.wait(lambda: isinstance(ui.app.screen, ClisScreen), "C to open the CLIs")
