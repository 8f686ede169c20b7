"""Names, titles and ids others chose are shown as they are: never read as Rich markup (where a
stray `[/x]` would stop the dashboard and `[@click=...]` would make a live link) and made
printable, in toasts and in the keyed tables of the Claude, Worklets and Flows screens."""

from __future__ import annotations

from pathlib import Path

from pilot_harness import CoreRunner, open_dashboard
from rich.text import Text
from textual.app import App

from aio.widgets.keyed_table import KeyedTable

HOSTILE = "fix [/x] [@click=app.quit]now[/] \x1b[31mred"


async def test_a_todo_title_with_markup_is_toasted_as_typed(
    ui_home: Path, cores: CoreRunner
) -> None:
    await cores.start()
    async with open_dashboard(ui_home) as ui:
        await ui.pilot.press("colon", *"t +fix [/x] parser 2h", "enter")
        await ui.wait_notification("fix [/x] parser")
        ui.app.notify(HOSTILE, title="a \x1b]0;title\x07 title")
        shown = await ui.wait_notification("[@click=app.quit]now[/]")
        assert "\x1b" not in shown and "\\x1b[31mred" in shown
        assert ui.app.is_running


class _Records(KeyedTable):
    COLUMNS = (("Name", "name"), ("Error", "error"))

    def cells(self, record: dict) -> list:
        return [record["name"], record["error"]]


class _TableApp(App):
    def compose(self):
        yield _Records(id="records")


async def test_keyed_table_cells_are_text_not_markup() -> None:
    app = _TableApp()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(_Records)
        table.load([{"id": 1, "name": "[/x]", "error": "[b]bold?[/b]"}])
        table.upsert({"id": 2, "name": "[@click=app.quit]q", "error": "[/]"})
        table.upsert({"id": 1, "name": "[/x] again", "error": "[red]"})
        await pilot.pause()
        cell = table.get_cell("1", "name")
        assert isinstance(cell, Text) and cell.plain == "[/x] again"
        assert table.get_cell("2", "error").plain == "[/]"
        assert "[@click=app.quit]q" in "".join(
            segment.text for strip in table.render_lines(table.region) for segment in strip
        )
        assert app.is_running
