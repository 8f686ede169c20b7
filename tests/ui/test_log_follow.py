"""The log view follows a running job like `less +F` (issue 14): new lines scroll in while the
view is at the end; scrolling up stops following; End or G goes back and follows again."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, job_task, open_dashboard, type_into_job

from aio.screens.log_view import LogScreen, LogView

# 60 lines at once, then one line per line typed, until "stop".
CHATTY = 'seq 1 60; while read -r x; do [ "$x" = stop ] && break; echo "got $x"; done'


async def test_the_log_follows_a_running_job_until_scrolled_up_and_again_from_the_end(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home, size=(100, 30)) as ui:
        job = await ui.submit(job_task("chatty", CHATTY))
        await ui.wait_status(job, "running")
        await ui.wait_preview("60")
        await ui.select(job)
        await ui.pilot.press("l")
        screen = await ui.wait(
            lambda: isinstance(ui.app.screen, LogScreen) and ui.app.screen, "the log screen"
        )
        view = screen.query_one(LogView)
        title = screen.query_one("#log-title")
        await ui.wait(lambda: "following the end" in str(title.render()), "following")
        await ui.wait(lambda: view.at_end and view.scroll_y > 0, "the view at the end")

        await type_into_job(ui.app.core, job, "one\r")
        await ui.wait(lambda: "got one" in view.lines, "the new line in the log view")
        await ui.wait(lambda: view.at_end and view.scroll_y > 0, "the view at the end")

        await ui.pilot.press("up", "up", "up")
        await ui.wait(lambda: "not following" in str(title.render()), "following to stop")
        held = view.scroll_y
        await type_into_job(ui.app.core, job, "two\r")
        await ui.wait(lambda: "got two" in view.lines, "the next line read")
        await ui.pilot.pause(0.2)
        assert view.scroll_y == held, "scrolled up, the view stays where the user put it"

        await ui.pilot.press("G")
        await ui.wait(lambda: view.at_end, "G to go to the end")
        assert "following the end" in str(title.render())
        await type_into_job(ui.app.core, job, "three\r")
        await ui.wait(lambda: "got three" in view.lines and view.at_end, "following again")

        await type_into_job(ui.app.core, job, "stop\r")
        await ui.wait(lambda: " · done · " in str(title.render()), "the title to say done")
        assert "following" not in str(title.render())
        assert view.lines.count("got three") == 1, "no line read twice"
