"""The task menu and the variables dialog (issue 14), through Textual's Pilot on a real core: an
entry not picked has an empty box and a picked one a tick; a template task is listed by its name
(`greet-world`, not `greet-{{who}}`); in the dialog Enter runs from any field, and an emptied
field says which default it takes, and takes it."""

from __future__ import annotations

import json
from pathlib import Path

from pilot_harness import CoreRunner, open_dashboard
from test_jobs_screen import write_atomically
from textual.widgets import Input, Label

from aio.screens import messages
from aio.screens.jobs import JobsScreen
from aio.screens.menu import MenuScreen, TaskList, VariablesScreen

GREET = {
    "name": "greet-{{who}}",
    "variables": {"who": "world"},
    "steps": [{"desc": "Greet {{who}}", "cmd": "echo hello {{who}}"}],
}
DEPLOY = {"name": "deploy-{{target}}", "steps": [{"desc": "Deploy", "cmd": "echo {{target}}"}]}


def boxes(listing: TaskList) -> list[str]:
    """The box drawn before each entry, as text (the three cells of Textual's toggle)."""
    return [
        "".join(s.text for s in listing.render_line(y))[:3] for y in range(listing.option_count)
    ]


async def open_menu(ui) -> MenuScreen:
    await ui.pilot.press("m")
    return await ui.wait(lambda: isinstance(ui.app.screen, MenuScreen) and ui.app.screen, "menu")


async def test_boxes_are_empty_until_picked_and_templates_show_their_name(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        tasks = ui_home / "tasks"
        write_atomically(tasks / "greet.json", json.dumps(GREET))
        write_atomically(tasks / "deploy.json", json.dumps(DEPLOY))
        await ui.wait(
            lambda: any(len(m.tasks) >= 6 for m in ui.log.of(messages.TasksChanged)),
            "the two task files listed",
        )
        menu = await open_menu(ui)
        listing = menu.query_one(TaskList)
        labels = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        names = [label.split()[0] for label in labels]
        assert names[:2] == ["deploy-‹target›", "greet-world"]
        assert not any("{{" in label for label in labels)

        assert boxes(listing) == ["▐ ▌"] * listing.option_count
        await ui.pilot.press("down", "space")  # pick the second entry
        await ui.wait(lambda: boxes(listing)[1] == "▐✓▌", "the picked entry's tick")
        assert [box for i, box in enumerate(boxes(listing)) if i != 1] == ["▐ ▌"] * (
            listing.option_count - 1
        )
        await ui.pilot.press("space")
        await ui.wait(lambda: boxes(listing)[1] == "▐ ▌", "the tick gone again")

        # Enter on greet: the dialog is titled with the name it will run as, and follows it.
        await ui.pilot.press("enter")
        modal = await ui.wait(
            lambda: isinstance(ui.app.screen, VariablesScreen) and ui.app.screen, "the dialog"
        )
        title = modal.query_one("#variables-title", Label)
        assert str(title.render()) == "Run greet-world"
        await ui.pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await ui.pilot.press(*"bob")
        await ui.wait(lambda: str(title.render()) == "Run greet-bob", "the title to follow")
        await ui.pilot.press("enter")  # Enter in the field runs
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the dialog to close")
        job = await ui.wait(
            lambda: next((j for j in ui.app.jobs.values() if j["name"] == "greet-bob"), None),
            "the greet-bob job",
        )
        assert job["variables"] == {"who": "bob"}


async def test_enter_runs_from_any_field_and_an_empty_field_takes_its_default(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        menu = await open_menu(ui)
        listing = menu.query_one(TaskList)
        await ui.pilot.press("down")  # countdown: from (default 10), delay (default 1)
        assert "countdown" in str(listing.get_option_at_index(listing.highlighted).prompt)
        await ui.pilot.press("enter")
        modal = await ui.wait(
            lambda: isinstance(ui.app.screen, VariablesScreen) and ui.app.screen, "the dialog"
        )
        first, second = modal.query(Input)
        assert first.placeholder == "(empty: takes the default '10')"
        assert "no default" not in first.placeholder
        first.focus()
        await ui.pilot.press("backspace", "backspace")  # emptied: the default is used
        preview = modal.query_one("#variables-preview")
        await ui.wait(lambda: "Count down from 10" in str(preview.content), "the default used")
        second.focus()
        await ui.pilot.press("backspace", "0", "enter")  # Enter in the second field runs too
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the dialog to close")
        job = await ui.wait(
            lambda: next((j for j in ui.app.jobs.values() if j["name"] == "countdown"), None),
            "the countdown job",
        )
        assert [s["desc"] for s in job["steps"]] == ["Count down from 10", "Lift off"]
        assert job["variables"]["delay"] == "0"


async def test_enter_does_not_run_what_the_preview_refused(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await open_menu(ui)
        await ui.pilot.press("down", "down", "enter")  # git-status: 'repo' has no default
        modal = await ui.wait(
            lambda: isinstance(ui.app.screen, VariablesScreen) and ui.app.screen, "the dialog"
        )
        repo = modal.query_one("#var-repo", Input)
        assert repo.placeholder == "(no default: a value is required)"
        run = modal.query_one("#variables-run")
        await ui.wait(lambda: run.disabled, "Run disabled for the missing value")
        repo.focus()
        await ui.pilot.press("enter")
        assert ui.app.screen is modal and ui.app.jobs == {}
