"""One selection on the Jobs screen, by job number: the highlighted row, the preview, its header
and every key act on the same job while other jobs come and go (issue 10, item 15)."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, Dashboard, job_task, open_dashboard, run_aio


def shown_job(ui: Dashboard) -> dict:
    """What each part of the screen says about which job is selected."""
    title = ui.preview.border_title or ""
    return {
        "highlighted row": ui.table.selected_job_id,
        "preview header": int(title[1:].split()[0]) if title.startswith("#") else title,
        "preview stream": ui.app.screen.previewed_job_id,
    }


async def assert_one_selection(ui: Dashboard, job_id: int, marker: str) -> None:
    """Every part names `job_id`, and the preview shows that job's output."""
    try:
        await ui.wait(
            lambda: set(shown_job(ui).values()) == {job_id},
            f"the row, the preview and its header to name job {job_id}",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the screen shows {shown_job(ui)}") from None
    await ui.wait_preview(marker)


async def test_the_selection_follows_its_job_across_inserts_and_removals(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        first = await ui.submit(job_task("first", "echo first-output"))
        second = await ui.submit(job_task("second", "echo second-output"))
        target = await ui.submit(job_task("target", "echo target-output; sleep 300"))
        below = await ui.submit(job_task("below", "echo below-output; sleep 300"))
        for job in (first, second):
            await ui.wait_status(job, "done")
        for job in (target, below):
            await ui.wait_status(job, "running")
        await ui.select(target)
        await assert_one_selection(ui, target, "target-output")

        inserted = await ui.submit(job_task("inserted", "echo inserted-output; sleep 300"))
        await ui.wait_status(inserted, "running")
        await assert_one_selection(ui, target, "target-output")

        await ui.pilot.press("colon", *f"c {first}", "enter")  # the command bar
        await ui.wait(lambda: first not in ui.table.jobs, f"job {first}'s row to go")
        await assert_one_selection(ui, target, "target-output")

        await run_aio(ui_home, "rm", str(second))  # another terminal
        await ui.wait(lambda: second not in ui.table.jobs, f"job {second}'s row to go")
        await assert_one_selection(ui, target, "target-output")
        assert "second-output" not in ui.preview_text()

        await ui.pilot.press("K", "y")
        await ui.wait_status(target, "killed")
        assert ui.status_cell(below) == "running", "only the selected job is killed"
        assert ui.status_cell(inserted) == "running", "only the selected job is killed"

        await ui.pilot.press("x", "y")  # the selected job itself goes: its neighbour takes over
        await ui.wait(lambda: target not in ui.table.jobs, f"job {target}'s row to go")
        await assert_one_selection(ui, below, "below-output")
        await ui.pilot.press("K", "enter")
        await ui.wait_status(below, "killed")
        assert ui.status_cell(inserted) == "running", "only the selected job is killed"
