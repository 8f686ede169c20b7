"""Focusing the preview gives the job the preview's size without wiping what it shows
(issue 10, item 16)."""

from __future__ import annotations

from pathlib import Path

from conftest import require_tool
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


# A full-screen program on the alternate screen: its title on the first row, the cursor parked
# near the bottom of its 32 rows (as an editor's status line puts it).
EDITOR = r"printf '\033[?1049h\033[H\033[2Jeditor-title\033[30;1H:'; read -r x"


async def test_a_full_screen_program_shows_its_top_rows_in_a_smaller_preview(
    ui_home: Path, cores: CoreRunner
) -> None:
    """issue 14: the preview crops a full-screen program to its top-left, not to its cursor."""
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("editor", EDITOR))
        await ui.wait_status(job, "running")
        await ui.select(job)
        await ui.wait(lambda: "editor-title" in ui.preview_text(), "the program's screen")
        assert ui.preview.screen_size[1] > ui.preview.content_size.height
        await ui.wait(lambda: ui.preview_rows()[0] == "editor-title", "its first row on top")


async def test_top_shows_its_header_in_the_preview(ui_home: Path, cores: CoreRunner) -> None:
    """The real `top` (it clears the screen and hides the cursor, parked on its last row)."""
    require_tool("top")
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        job = await ui.submit(job_task("top", "top -d 5"))
        await ui.wait_status(job, "running")
        await ui.select(job)
        await ui.wait(lambda: ui.preview_rows()[0].startswith("top - "), "top's header row")
        assert ui.preview_rows()[1].startswith("Tasks:")
