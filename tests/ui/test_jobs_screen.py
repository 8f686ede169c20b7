"""The Jobs screen driven by Pilot against a real in-process core: live table, preview, keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pilot_harness import (
    CoreRunner,
    MessageLog,
    ServedCore,
    core_config,
    job_task,
    key_latency,
    open_dashboard,
    type_into_job,
)
from textual.widgets import DataTable

from aio.screens import messages
from aio.screens.confirm import ConfirmScreen
from aio.screens.jobs import JobsScreen


def statuses_of(log: MessageLog, job_id: int) -> list[str]:
    """The statuses job `job_id` went through, as JobChanged messages told the app."""
    seen: list[str] = []
    for message in log.of(messages.JobChanged):
        status = message.job["status"]
        if message.job["id"] == job_id and (not seen or seen[-1] != status):
            seen.append(status)
    return seen


async def test_jobs_appear_live_and_go_queued_running_done(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start(core_config(workers=1))
    async with open_dashboard(ui_home) as ui:
        assert len(ui.log.of(messages.CoreConnected)) == 1
        assert ui.table.row_count == 0

        blocker = await ui.submit(job_task("blocker", "read -r go; echo released $go"))
        await ui.wait_status(blocker, "running")
        waiting = await ui.submit(job_task("waiting", "read -r go; echo second $go"))
        await ui.wait_status(waiting, "queued")
        assert ui.table.row_count == 2
        assert "1 running · 1 queued" in ui.app.sub_title

        await type_into_job(ui.app.core, blocker, "one\r")
        await ui.wait_status(blocker, "done")
        await ui.wait_status(waiting, "running")
        await ui.wait(
            lambda: (
                str(ui.table.get_cell(str(waiting), "step")) == "1/1 read -r go; echo second $go"
            ),
            "the Step cell to show the running step",
        )
        await type_into_job(ui.app.core, waiting, "two\r")
        await ui.wait_status(waiting, "done")

        assert statuses_of(ui.log, waiting) == ["queued", "running", "done"]
        assert ui.table.get_cell(str(waiting), "exit") == "0"
        assert str(ui.table.get_cell(str(waiting), "name")) == "waiting"
        assert "0 running · 0 queued" in ui.app.sub_title


async def test_selecting_a_row_previews_that_jobs_output(ui_home: Path, cores: CoreRunner) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        first = await ui.submit(job_task("alpha", "echo alpha-output"))
        second = await ui.submit(job_task("beta", "echo beta-output"))
        await ui.wait_status(first, "done")
        await ui.wait_status(second, "done")

        await ui.select(second)
        await ui.wait_preview("beta-output")
        assert "alpha-output" not in ui.preview_text()
        assert ui.preview.border_title == f"#{second} beta · done"

        await ui.select(first)
        await ui.wait_preview("alpha-output")
        assert "beta-output" not in ui.preview_text()
        assert ui.preview.border_title == f"#{first} alpha · done"


async def test_typing_into_the_preview_reaches_the_job_and_ctrl_bracket_gives_focus_back(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("ask", "read -r x; echo got $x"))
        await ui.wait_status(job, "running")
        await ui.select(job)

        await ui.pilot.press("i")
        assert ui.app.focused is ui.preview
        # Letters that are also screen keys (menu, kill, remove, log) go to the job instead.
        await ui.pilot.press(*"mixlk", "enter")
        await ui.wait_preview("got mixlk")
        await ui.wait_status(job, "done")
        assert isinstance(ui.app.screen, JobsScreen)

        await ui.pilot.press("ctrl+right_square_bracket")
        assert isinstance(ui.app.focused, DataTable)
        assert ui.app.focused is ui.table


async def test_kill_and_remove_keys_ask_first_and_act_on_the_selected_job(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        sleeper = await ui.submit(job_task("sleeper", "sleep 300"))
        other = await ui.submit(job_task("other", "sleep 300"))
        await ui.wait_status(sleeper, "running")
        await ui.wait_status(other, "running")
        await ui.select(sleeper)

        await ui.pilot.press("x")  # a running job cannot be cleared: said at once, nothing asked
        await ui.wait_notification(f"job {sleeper} is running: kill it first (K)", "warning")
        assert not isinstance(ui.app.screen, ConfirmScreen)

        await ui.pilot.press("K")
        await ui.wait(lambda: isinstance(ui.app.screen, ConfirmScreen), "the kill question")
        await ui.pilot.press("space")  # any key but Enter or y is a no
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the question to go")
        await ui.pilot.pause(0.3)
        assert ui.status_cell(sleeper) == "running", "a no kills nothing"

        await ui.pilot.press("K")
        await ui.wait(lambda: isinstance(ui.app.screen, ConfirmScreen), "the kill question")
        await ui.pilot.press("y")
        await ui.wait_status(sleeper, "killed")
        assert ui.status_cell(other) == "running", "only the selected job is killed"
        await ui.wait_notification(f"job {sleeper} killed")

        await ui.pilot.press("x")
        await ui.wait(lambda: isinstance(ui.app.screen, ConfirmScreen), "the clear question")
        await ui.pilot.press("escape")
        await ui.pilot.pause(0.3)
        assert sleeper in ui.table.jobs, "Escape clears nothing"

        await ui.pilot.press("x")
        await ui.wait(lambda: isinstance(ui.app.screen, ConfirmScreen), "the clear question")
        await ui.pilot.press("enter")
        await ui.wait(lambda: sleeper not in ui.table.jobs, f"job {sleeper}'s row to go")
        assert [m.job_id for m in ui.log.of(messages.JobRemoved)] == [sleeper]
        assert other in ui.table.jobs and ui.status_cell(other) == "running"
        assert ui.table.selected_job_id == other


async def test_j_k_g_and_home_end_move_the_selection_and_k_kills_nothing(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        jobs = [await ui.submit(job_task(f"job{i}", "sleep 300")) for i in range(3)]
        for job in jobs:
            await ui.wait_status(job, "running")
        await ui.select(jobs[-1])
        await ui.pilot.press("k")
        assert ui.table.selected_job_id == jobs[1]
        await ui.pilot.press("k", "k")
        assert ui.table.selected_job_id == jobs[0]
        await ui.pilot.press("j")
        assert ui.table.selected_job_id == jobs[1]
        await ui.pilot.press("G")
        assert ui.table.selected_job_id == jobs[2]
        await ui.pilot.press("g")
        assert ui.table.selected_job_id == jobs[0]
        await ui.pilot.press("end")
        assert ui.table.selected_job_id == jobs[2]
        await ui.pilot.press("home")
        assert ui.table.selected_job_id == jobs[0]
        await ui.pilot.press("j")  # and not the Jobs screen key of old
        assert ui.table.selected_job_id == jobs[1]
        assert isinstance(ui.app.screen, JobsScreen)
        assert all(ui.status_cell(job) == "running" for job in jobs), "k killed nothing"


async def test_command_bar_kills_clears_and_warns_on_bad_input(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("long", "sleep 300"))
        await ui.wait_status(job, "running")
        command = ui.app.screen.query_one("#command-input")

        await ui.pilot.press("colon")
        assert ui.app.focused is command
        await ui.pilot.press(*f"k {job}", "enter")
        await ui.wait_status(job, "killed")
        assert ui.app.focused is ui.table, "focus goes back to the table after a command"

        await ui.pilot.press("colon", *f"c #{job}", "enter")
        await ui.wait(lambda: job not in ui.table.jobs, f"job {job} to be cleared")

        await ui.pilot.press("colon", *"frobnicate 3", "enter")
        warning = await ui.wait_notification("unknown command 'frobnicate'", "warning")
        assert "a <job> attach" in warning  # the hint
        await ui.pilot.press("colon", *"k 99", "enter")
        await ui.wait_notification("no job 99", "error")

        assert ui.app.is_running and isinstance(ui.app.screen, JobsScreen)
        other = await ui.submit(job_task("after", "echo still-live"))
        await ui.wait_status(other, "done")


async def test_log_screen_opens_and_search_finds_a_line(ui_home: Path, cores: CoreRunner) -> None:
    from aio.screens.log_view import LogScreen, LogView

    await cores.start()
    script = "for i in $(seq 1 300); do echo line-$i; done; echo the-needle-line; seq 1 100"
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("chatty", script))
        await ui.wait_status(job, "done")
        await ui.select(job)

        await ui.pilot.press("l")
        screen = await ui.wait(
            lambda: isinstance(ui.app.screen, LogScreen) and ui.app.screen, "the log screen"
        )
        view = screen.query_one(LogView)
        assert f"#{job} chatty · done" in str(screen.query_one("#log-title").render())
        await ui.wait(lambda: view.scroll_offset.y > 0, "the log to open at its end")

        await ui.pilot.press("slash")
        assert ui.app.focused is screen.query_one("#log-search")
        await ui.pilot.press(*"NEEDLE", "enter")
        await ui.wait(lambda: view.current_match is not None, "a search match")
        index = view.current_match
        assert view.plain(index) == "the-needle-line"
        top = view.scroll_offset.y
        assert top <= index < top + view.size.height, "the match is scrolled into view"

        await ui.pilot.press(*"zzz-not-there", "enter")  # the field keeps 'NEEDLE': appended
        await ui.wait_notification("'NEEDLEzzz-not-there' not found", "warning")

        view.focus()
        await ui.pilot.press("escape")
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the jobs screen again")


async def test_menu_lists_examples_and_variables_modal_runs_the_resolved_task(
    ui_home: Path, cores: CoreRunner
) -> None:
    from textual.widgets import Button, Input, SelectionList, Static

    from aio.screens.menu import MenuScreen, VariablesScreen

    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("m")
        menu = await ui.wait(
            lambda: isinstance(ui.app.screen, MenuScreen) and ui.app.screen, "the menu"
        )
        listing = menu.query_one(SelectionList)
        labels = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        names = [label.split()[0] for label in labels]
        assert names == ["ask-name", "countdown", "git-status", "hello"]
        assert all(label.endswith("— example") for label in labels)
        assert "{} from, delay" in labels[1]

        await ui.pilot.press("down")  # from the first row to countdown
        assert listing.highlighted == 1
        await ui.pilot.press("enter")
        modal = await ui.wait(
            lambda: isinstance(ui.app.screen, VariablesScreen) and ui.app.screen,
            "the variables modal",
        )
        preview = modal.query_one("#variables-preview", Static)
        await ui.wait(lambda: "Count down from 10" in str(preview.content), "the default preview")
        assert modal.query_one("#var-from", Input).value == "10"

        modal.query_one("#var-from", Input).focus()
        await ui.pilot.press("backspace", "backspace", "3")
        modal.query_one("#var-delay", Input).focus()
        await ui.pilot.press("backspace", "0")
        await ui.wait(lambda: "Count down from 3" in str(preview.content), "the preview update")
        assert "seq 3 -1 1" in str(preview.content) and "sleep 0;" in str(preview.content)
        assert "Lift off" in str(preview.content)
        assert not modal.query_one("#variables-run", Button).disabled

        await ui.pilot.click("#variables-run")
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the modal to close")
        job = await ui.wait(
            lambda: next((j for j in ui.app.jobs.values() if j["name"] == "countdown"), None),
            "the countdown job",
        )
        assert [s["desc"] for s in job["steps"]] == ["Count down from 3", "Lift off"]
        assert job["variables"] == {"from": "3", "delay": "0"}
        await ui.wait_status(job["id"], "done")
        await ui.select(job["id"])
        await ui.wait_preview("lift off")
        assert ui.preview.screen_text()[:4] == ["3", "2", "1", "lift off"]
        await ui.wait_notification("countdown queued")


async def test_a_missing_variable_disables_run_and_says_why(
    ui_home: Path, cores: CoreRunner
) -> None:
    from textual.widgets import Button, SelectionList, Static

    from aio.screens.menu import MenuScreen, VariablesScreen

    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("m")
        menu = await ui.wait(
            lambda: isinstance(ui.app.screen, MenuScreen) and ui.app.screen, "the menu"
        )
        listing = menu.query_one(SelectionList)
        await ui.pilot.press("down", "down")  # git-status: its 'repo' has no default
        assert listing.highlighted == 2
        await ui.pilot.press("enter")
        modal = await ui.wait(
            lambda: isinstance(ui.app.screen, VariablesScreen) and ui.app.screen,
            "the variables modal",
        )
        run = modal.query_one("#variables-run", Button)
        preview = modal.query_one("#variables-preview", Static)
        await ui.wait(lambda: run.disabled and str(preview.content), "the error in the preview")
        assert "missing variable 'repo'" in str(preview.content)

        await ui.pilot.press("escape")
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the modal to close")
        assert ui.app.jobs == {}, "cancelling queues nothing"


async def test_the_dashboard_follows_the_core_down_and_back_up(
    ui_home: Path, cores: CoreRunner
) -> None:
    core = await cores.start()
    async with open_dashboard(ui_home) as ui:
        done = await ui.submit(job_task("before", "echo before-restart"))
        await ui.wait_status(done, "done")
        assert ui.app.sub_title.startswith("core: live")

        await cores.stop(core)
        await ui.wait(lambda: ui.log.of(messages.CoreDisconnected), "CoreDisconnected")
        await ui.wait(lambda: "DOWN" in ui.app.sub_title, "the header to say the core is down")
        assert not ui.app.connected
        assert ui.table.has_class("-stale")
        assert ui.preview.border_title == "core down: not live"
        await ui.wait_notification("the core is down", "error")

        await cores.start()
        await ui.wait(lambda: len(ui.log.of(messages.CoreConnected)) == 2, "a second snapshot")
        await ui.wait(lambda: ui.app.sub_title.startswith("core: live"), "the header to be live")
        assert not ui.table.has_class("-stale")
        assert ui.status_cell(done) == "done", "jobs of the earlier core are listed again"

        after = await ui.submit(job_task("after", "echo after-restart"))
        await ui.wait_status(after, "done")
        await ui.select(after)
        await ui.wait_preview("after-restart")


async def test_a_real_flood_skips_in_the_preview_and_keys_still_work(
    ui_home: Path, served_core: ServedCore
) -> None:
    # The core is its own process here, as in real use: the dashboard's loop only does UI work.
    served_core.start()
    stop = ui_home.parent / "stop-the-flood"
    flood = (
        f"while [ ! -e {stop} ]; do head -c 2000000 /dev/zero | tr '\\0' x | fold -w 100; done; "
        "echo END-OF-FLOOD"
    )
    async with open_dashboard(ui_home) as ui:
        quiet = await ui.submit(job_task("quiet", "echo quiet"))
        await ui.wait_status(quiet, "done")
        job = await ui.submit(job_task("flood", flood))
        await ui.wait_status(job, "running")
        await ui.select(job)
        await ui.wait(lambda: ui.preview.skipped_bytes > 0, "the preview to skip to the tail")
        assert ui.preview.border_subtitle.startswith("output skipped: ")

        latencies = []
        for _ in range(20):  # up and down between the two rows while the flood goes on
            row = ui.table.cursor_row
            key = "up" if row else "down"
            latency = await key_latency(
                ui.pilot, key, None, lambda row=row: ui.table.cursor_row != row, f"'{key}' to move"
            )
            latencies.append(latency)
        assert ui.status_cell(job) == "running", "the keys were pressed during the flood"
        assert max(latencies) < 1.0, f"key presses took {latencies}"

        stop.touch()
        await ui.wait_status(job, "done")
        await ui.select(job)
        await ui.wait_preview("END-OF-FLOOD")


async def test_watch_folder_tasks_and_errors_reach_the_dashboard(
    ui_home: Path, cores: CoreRunner
) -> None:
    from textual.widgets import SelectionList

    from aio.screens.menu import MenuScreen

    await cores.start()
    async with open_dashboard(ui_home) as ui:
        tasks = ui_home / "tasks"
        greet = {"name": "greet", "variables": {"who": "world"}, "steps": [{"cmd": "echo {{who}}"}]}
        write_atomically(tasks / "greet.json", json.dumps(greet))
        write_atomically(tasks / "broken.json", "{not json")

        changed = await ui.wait(
            lambda: [m for m in ui.log.of(messages.TasksChanged) if m.tasks[0]["name"] == "greet"],
            "TasksChanged listing greet",
        )
        assert changed[-1].tasks[0]["path"] == str(tasks / "greet.json")
        error = await ui.wait(lambda: ui.log.of(messages.TaskFileError), "TaskFileError")
        assert error[0].path == str(tasks / "broken.json") and "bad JSON" in error[0].error
        await ui.wait_notification("broken.json: bad JSON", "error")

        await ui.pilot.press("m")
        menu = await ui.wait(
            lambda: isinstance(ui.app.screen, MenuScreen) and ui.app.screen, "the menu"
        )
        listing = menu.query_one(SelectionList)
        first = str(listing.get_option_at_index(0).prompt)
        assert first.startswith("greet  [{} who]") and first.endswith(str(tasks / "greet.json"))
        await ui.pilot.press("escape")
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "the menu to close")


def write_atomically(path: Path, text: str) -> None:
    """Write a file so the watcher never sees it half-written: a hidden temp file, renamed."""
    temp = path.parent / f".{path.name}.tmp"
    temp.write_text(text)
    os.rename(temp, path)
