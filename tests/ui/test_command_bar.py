"""The command bar (issue 14): history across runs, Tab completion, Escape, the screen's grammar
as placeholder, `a 21` selecting job 21, and core refusals in the dashboard's words."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, job_task, open_dashboard
from textual.widgets import Input

from aio.screens.registry import JOBS_GRAMMAR, TODOS_GRAMMAR
from aio.screens.todos import TodosScreen
from aio.screens.wording import dashboard_wording
from aio.widgets.command_completion import complete
from aio.widgets.command_history import MAX_ENTRIES, CommandHistory, history_path


def bar_input(ui) -> Input:
    return ui.app.screen.query_one("#command-input", Input)


async def test_up_and_down_walk_the_history_and_it_survives_a_restart(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("colon", *"l 99", "enter")
        await ui.wait_notification("no job 99", "error")
        await ui.pilot.press("colon", *"frobnicate", "enter")
        await ui.wait_notification("unknown command", "warning")
        await ui.pilot.press("colon", *"half-typed")
        await ui.pilot.press("up")
        assert bar_input(ui).value == "frobnicate"
        await ui.pilot.press("up")
        assert bar_input(ui).value == "l 99"
        await ui.pilot.press("up")  # nothing older
        assert bar_input(ui).value == "l 99"
        await ui.pilot.press("down", "down")
        assert bar_input(ui).value == "half-typed", "past the newest, the draft comes back"
        await ui.pilot.press("escape")
        assert bar_input(ui).value == "", "Escape clears the prompt"
        assert ui.app.focused is not bar_input(ui), "and leaves it"
    assert history_path(ui_home).read_text() == "l 99\nfrobnicate\n"

    from aio.widgets import command_bar

    command_bar._HISTORIES.clear()  # a new process would read the file again
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("colon", "up")
        assert bar_input(ui).value == "frobnicate", "the history of the last run"


def test_the_history_file_is_bounded_and_skips_repeats(tmp_path: Path) -> None:
    history = CommandHistory(tmp_path / "command_history")
    for number in range(MAX_ENTRIES + 50):
        history.add(f"l {number}")
    history.add(f"l {MAX_ENTRIES + 49}")  # the same as the newest: not kept twice
    lines = (tmp_path / "command_history").read_text().splitlines()
    assert len(lines) == MAX_ENTRIES
    assert lines[0] == "l 50" and lines[-1] == f"l {MAX_ENTRIES + 49}"
    assert [p.name for p in tmp_path.iterdir()] == ["command_history"], "no temporary left"
    assert CommandHistory(tmp_path / "command_history").entries == lines


def test_completion_of_verbs_jobs_and_tasks() -> None:
    jobs = {2: {"name": "build"}, 21: {"name": "bump"}, 3: {"name": "lint"}}
    tasks = [{"name": "hello"}, {"name": "countdown"}]
    assert complete("cl", jobs, tasks) == ("claude ", ["claude"])
    assert complete("c", jobs, tasks) == ("c", ["c", "claude"]), "two verbs: both offered"
    assert complete("a 3", jobs, tasks) == ("a 3 ", ["3"])
    assert complete("l b", jobs, tasks) == ("l bu", ["build", "bump"]), "as far as certain"
    assert complete("k #2", jobs, tasks) == ("k #2", ["21", "2"])
    assert complete("r co", jobs, tasks) == ("r countdown ", ["countdown"])
    assert complete("t +x", jobs, tasks) == ("t +x", []), "no completion in a todo"


async def test_tab_completes_in_the_bar_and_cycles_through_choices(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        first = await ui.submit(job_task("build-app", "echo one"))
        second = await ui.submit(job_task("bump-version", "echo two"))
        await ui.wait_status(second, "done")
        await ui.pilot.press("colon", *"l", "tab")
        assert bar_input(ui).value == "l "
        await ui.pilot.press("b", "tab")
        assert bar_input(ui).value == "l bu"
        await ui.pilot.press("i", "tab")
        assert bar_input(ui).value == "l build-app "
        await ui.pilot.press("escape", "colon", *"k ", "tab")
        assert bar_input(ui).value == f"k {second}", "the newest number first"
        await ui.pilot.press("tab")
        assert bar_input(ui).value == f"k {first}", "Tab again: the next choice"
        await ui.pilot.press("escape", "colon", *"r count", "tab")
        assert bar_input(ui).value == "r countdown ", "a menu task's name"


async def test_the_placeholder_is_the_screens_grammar(ui_home: Path, cores: CoreRunner) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        assert bar_input(ui).placeholder == JOBS_GRAMMAR
        await ui.pilot.press("2")
        await ui.wait(lambda: isinstance(ui.app.screen, TodosScreen), "the Todos screen")
        assert bar_input(ui).placeholder == TODOS_GRAMMAR
        await ui.pilot.press("4")
        await ui.wait(lambda: ui.app.current_mode == "claude", "the Claude screen")
        assert bar_input(ui).placeholder.startswith("claude prompt")


async def test_a_job_command_selects_the_job_so_the_next_key_acts_on_it(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        first = await ui.submit(job_task("first", "sleep 300"))
        second = await ui.submit(job_task("second", "sleep 300"))
        await ui.wait_status(second, "running")
        await ui.select(second)
        await ui.pilot.press("colon", *f"a {first}", "enter")  # headless: cannot attach
        await ui.wait_notification("cannot attach here", "error")
        assert ui.table.selected_job_id == first
        await ui.wait(lambda: ui.preview.border_title.startswith(f"#{first} "), "its preview")
        await ui.pilot.press("colon", *"l second", "enter")  # by name
        await ui.wait(lambda: ui.app.screen.__class__.__name__ == "LogScreen", "the log")
        await ui.pilot.press("escape")
        assert ui.table.selected_job_id == second


async def test_core_refusals_speak_dashboard(ui_home: Path, cores: CoreRunner) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("long", "sleep 300"))
        await ui.wait_status(job, "running")
        await ui.pilot.press("colon", *f"c {job}", "enter")
        said = await ui.wait_notification(f"job {job} is running: kill it first (K)", "error")
        assert "aio kill" not in said


def test_the_cli_wording_of_known_core_messages_is_rewritten() -> None:
    core = "job 8 is running; kill it first (aio kill 8)"
    assert dashboard_wording(core) == "job 8 is running: kill it first (K)"
    assert dashboard_wording(core, kill="ctrl+k") == "job 8 is running: kill it first (ctrl+k)"
    build = "the build failed at step 2; see aio wl logs 3 --build"
    assert dashboard_wording(build) == "the build failed at step 2; l shows the build's log"
    assert dashboard_wording("no job 99") == "no job 99"
