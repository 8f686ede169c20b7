"""Focusing the preview gives the job the preview's size without wiping what it shows
(issue 10, item 16)."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, job_task, open_dashboard

ASK = "echo top-line; printf 'name? '; read -r x; echo \"got $x\""


async def test_focusing_the_preview_keeps_a_prompt_on_the_top_rows(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("ask", ASK))
        await ui.wait_status(job, "running")
        await ui.select(job)
        await ui.wait(lambda: ui.preview_rows()[:2] == ["top-line", "name?"], "the prompt")
        rows = ui.preview.screen_size[1]
        size = ui.preview.content_size
        assert rows > size.height, "the job's PTY starts taller than the preview"

        await ui.pilot.press("i")
        assert ui.app.focused is ui.preview
        await ui.wait(
            lambda: ui.preview.screen_size == (size.width, size.height),
            "the emulator to take the preview's size",
        )
        assert ui.preview_rows()[:2] == ["top-line", "name?"], "the top rows are still shown"

        await ui.pilot.press(*"bob")
        await ui.wait(lambda: ui.preview_rows()[1] == "name? bob", "the typed text after 'name?'")
        await ui.pilot.press("enter")
        await ui.wait(
            lambda: ui.preview_rows()[:3] == ["top-line", "name? bob", "got bob"], "the answer"
        )
        await ui.wait_status(job, "done")
