"""What a newcomer meets (issue 14): an empty Jobs screen that teaches, `?` on every screen,
palette entries with their keys, a footer that fits 80 columns, a table that fits too, and a key
that starts the core again. Real cores, the real app through Pilot."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, ServedCore, core_config, job_task, open_dashboard, submit
from textual.widgets import Static

from aio.client.async_client import AsyncCoreClient
from aio.config.locations import lock_path, tasks_dir
from aio.screens import messages
from aio.screens.help import HelpScreen
from aio.screens.jobs import JobsScreen
from aio.screens.palette import palette_commands
from aio.screens.todos import TodosScreen
from aio.widgets.footer import KeysFooter, fit_keys


def footer_text(app) -> str:
    """The footer as drawn: its keys' text, in order."""
    footer = app.screen.query_one(KeysFooter)
    return " ".join(str(key.render()).strip() for key in footer.children)


async def test_the_empty_jobs_screen_says_what_aio_is_for_and_how_to_start(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        empty = ui.app.screen.query_one("#jobs-empty", Static)
        assert empty.display and not ui.table.display and not ui.preview.display
        text = str(empty.render())
        assert "aio runs your commands as jobs" in text
        for step in ("m ", str(tasks_dir(ui_home)), "4, then n", "2, then n", "?"):
            assert step in text, f"the empty state names {step!r}"

        job = await ui.submit(job_task("first", "echo hi"))
        await ui.wait_status(job, "done")
        assert not empty.display and ui.table.display and ui.preview.display


async def test_question_mark_shows_each_screens_keys_and_grammar_and_closes(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("question_mark")
        help_screen = await ui.wait(
            lambda: isinstance(ui.app.screen, HelpScreen) and ui.app.screen, "the help screen"
        )
        assert help_screen.title_line == "Keys of the Jobs screen"
        assert ("K", "Kill") in help_screen.own and ("x", "Clear") in help_screen.own
        assert ("?", "Help") in help_screen.everywhere and ("1", "Jobs") in help_screen.everywhere
        assert ("c <job>", "clear (remove) a finished job: its record, log and folder") in (
            help_screen.grammar
        )
        await ui.pilot.press("escape")
        await ui.wait(lambda: isinstance(ui.app.screen, JobsScreen), "Escape to close it")

        await ui.pilot.press("2")
        await ui.wait(lambda: isinstance(ui.app.screen, TodosScreen), "the Todos screen")
        await ui.pilot.press("question_mark")
        help_screen = await ui.wait(
            lambda: isinstance(ui.app.screen, HelpScreen) and ui.app.screen, "the help screen"
        )
        assert help_screen.title_line == "Keys of the Todos screen"
        assert any(what == "Add" for _, what in help_screen.own), "the Todos screen's own keys"
        assert all(what != "Kill" for _, what in help_screen.own), "not the Jobs screen's"
        await ui.pilot.press("question_mark")
        await ui.wait(lambda: isinstance(ui.app.screen, TodosScreen), "? to close it")


async def test_palette_entries_show_their_key_and_say_what_they_do(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        entries = {c.title: c.help for c in palette_commands(ui.app, ui.app.screen)}
        assert entries["Kill the selected job"].startswith("K · ")
        assert entries["Go to Claude"].startswith("4 · ")
        clear = [title for title in entries if "clear" in title.lower()]
        assert clear == ["Clear (remove) the selected job"], "a search for 'clear' finds c/x"
        assert entries[clear[0]].startswith("x · ")
        for help_text in entries.values():
            assert help_text not in ("Stop it", "Folder too", "For good", "Web", "Toggle")
            assert len(help_text.split()) >= 3, f"{help_text!r} says too little"


async def test_the_footer_fits_80_columns_keeping_the_screen_keys_help_and_quit(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home, size=(80, 24)) as ui:
        await ui.pilot.pause(0.2)
        text = footer_text(ui.app)
        for key in ("a Attach", "K Kill", "x Clear", "? Help", "q Quit"):
            assert key in text, f"{key!r} in the footer at 80 columns: {text!r}"
        footer = ui.app.screen.query_one(KeysFooter)
        assert sum(key.outer_size.width for key in footer.children) <= 80
    async with open_dashboard(ui_home, size=(170, 30)) as ui:
        await ui.pilot.pause(0.2)
        text = footer_text(ui.app)
        for key in ("4 Claude", "5 Worklets", "1 Jobs", "q Quit", "palette"):
            assert key in text, f"{key!r} in the footer at 170 columns: {text!r}"


def test_keys_leave_the_footer_palette_first_then_the_apps_then_the_screens() -> None:
    keys = [("a", "Attach", "screen", False), ("m", "Menu", "screen", False)]
    keys += [("1", "Jobs", "app", False), ("4", "Claude", "app", False)]
    keys += [("q", "Quit", "app", True)]
    assert fit_keys(keys, 12, 200) == ([0, 1, 2, 3, 4], False, True)
    kept, compact, palette = fit_keys(keys, 12, 30)
    assert compact and not palette and kept == [0, 1, 2, 4], "4 Claude goes before 1 Jobs"
    kept, _, _ = fit_keys(keys, 12, 16)
    assert kept == [0, 4], "then the app's keys, then the screen's from the end; Quit stays"


async def test_at_80x24_the_selected_row_stays_visible_and_step_and_name_shrink_first(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start(core_config(workers=30))
    step = "a step description long enough not to fit an 80-column terminal; sleep 300"
    client = AsyncCoreClient(ui_home)
    try:
        ids = [await submit(client, job_task(f"job-with-a-long-name-{i}", step)) for i in range(30)]
    finally:
        await client.close()
    async with open_dashboard(ui_home, size=(80, 24)) as ui:
        await ui.wait_status(ids[-1], "running")
        table = ui.table
        assert table.selected_job_id == ids[-1], "the newest job is selected"
        await ui.pilot.pause(0.2)

        def row_on_screen() -> bool:
            top = table.scroll_y
            return top <= table.cursor_row < top + table.size.height - 1  # the header row

        assert row_on_screen(), "the selected (newest) row is on screen"
        widths = {c.key.value: c.get_render_width(table) for c in table.columns.values()}
        assert sum(widths.values()) <= table.scrollable_content_region.width
        assert widths["status"] >= len("running") + 2, "Status keeps its width"
        assert widths["step"] < len(step), "Step gave way"
        await ui.pilot.press("g")
        assert table.cursor_row == 0 and row_on_screen()
        await ui.pilot.press("G")
        assert table.cursor_row == 29 and row_on_screen()


async def test_with_the_core_down_S_starts_it_again(ui_home: Path, served_core: ServedCore) -> None:
    served_core.start()
    first = served_core.pid
    async with open_dashboard(ui_home) as ui:
        assert "S" not in ui.app.screen.active_bindings, "no S while the core is up"
        served_core.stop()
        await ui.wait(lambda: not ui.app.connected, "the dashboard to see the core go")
        await ui.wait_notification("S starts it again", "error")
        await ui.wait(lambda: "S" in ui.app.screen.active_bindings, "S offered")
        await ui.wait(lambda: "S Start core" in footer_text(ui.app), "S in the footer")

        await ui.pilot.press("S")
        await ui.wait(lambda: ui.app.connected, "the dashboard to reconnect", timeout=30)
        assert len(ui.log.of(messages.CoreConnected)) == 2
        served_core.pid = int(lock_path(ui_home).read_text().strip())  # stopped at the end
        assert served_core.pid != first, "a new core runs"
        assert "S" not in ui.app.screen.active_bindings


async def test_the_first_frames_styles_are_read_before_it(ui_home: Path, cores: CoreRunner) -> None:
    """Every widget class on the Jobs screen has its DEFAULT_CSS among those handed to Textual
    before the first frame (aio/screens/first_frame.py), so it is parsed once."""
    from aio.screens.first_frame import first_frame_classes

    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.pause(0.2)
        preloaded = {base for cls in first_frame_classes() for base in cls._css_bases(cls)}
        on_screen = {
            base
            for node in ui.app.screen.walk_children()
            for base in node._node_bases
            if base.__dict__.get("DEFAULT_CSS", "").strip()
        }
        assert on_screen <= preloaded, f"not preloaded: {on_screen - preloaded}"
