"""The Worklets screen against a real core running a real worklet: a git repo of a tiny
Python HTTP app made in the test, cloned, run as a job on its own loopback port."""

from __future__ import annotations

from pathlib import Path

from core_harness import AioHome
from pilot_harness import Dashboard, open_dashboard
from textual.widgets import Static, Tree
from worklet_harness import get_json, make_python_app, port_open

from aio.screens.confirm import ConfirmScreen
from aio.screens.worklet_forms import RemoveWorkletScreen
from aio.screens.worklets import WorkletsScreen
from aio.widgets.worklet_table import WorkletTable


def cell(dash: Dashboard, number: int, column: str) -> str | None:
    table = dash.app.screen.query_one(WorkletTable)
    if str(number) not in table.records:
        return None
    value = table.get_cell(str(number), column)
    return getattr(value, "plain", value)


async def test_the_empty_state_says_what_worklets_are(core: AioHome) -> None:
    async with open_dashboard(core.path) as dash:
        await dash.pilot.press("5")
        await dash.wait(lambda: isinstance(dash.app.screen, WorkletsScreen), "the screen")
        empty = dash.app.screen.query_one("#worklets-empty", Static)
        assert empty.display and not dash.app.screen.query_one(WorkletTable).display
        assert "Press n to add one" in str(empty.render())


async def test_a_worklet_runs_live_shows_its_store_and_stops_and_goes(
    core: AioHome, tmp_path: Path
) -> None:
    repo = make_python_app(tmp_path / "app")
    async with open_dashboard(core.path) as dash:
        await dash.pilot.press("5")
        await dash.wait(lambda: isinstance(dash.app.screen, WorkletsScreen), "the screen")
        number = core.request("POST", "/worklets", {"repo": str(repo)})["worklet"]["id"]
        await dash.wait(lambda: cell(dash, number, "status") == "running", "running", 60)
        url = cell(dash, number, "url")
        assert url.startswith("http://127.0.0.1:")
        assert get_json(url)["greeting"] == "hello from python"
        await dash.wait_preview("app listening on", timeout=20)  # its server's output, live

        core.request(
            "POST",
            f"/kv/worklets/{number}/set",
            {"namespace": "visits", "key": "count", "value": {"n": 3}},
        )
        await dash.pilot.press("v")
        tree = dash.app.screen.query_one("#kv-tree", Tree)
        await dash.wait(lambda: tree.root.children, "the namespaces")
        namespace = tree.root.children[0]
        assert str(namespace.label) == "visits"
        namespace.expand()
        await dash.wait(
            lambda: [n for n in namespace.children if n.data and n.data[0] == "key"], "its keys"
        )
        tree.select_node(namespace.children[0])
        value = dash.app.screen.query_one("#kv-value", Static)
        await dash.wait(lambda: '"n": 3' in str(value.render()), "the value")
        await dash.pilot.press("v")  # back to its output

        port = int(url.rsplit(":", 1)[1].strip("/"))
        await dash.pilot.press("K")  # k moves the selection, as on every table
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("enter")
        await dash.wait(lambda: cell(dash, number, "status") == "stopped", "stopped", 30)
        assert not port_open(port)

        await dash.pilot.press("x")
        await dash.wait(lambda: isinstance(dash.app.screen, RemoveWorkletScreen), "the question")
        await dash.pilot.press("y")
        await dash.wait(lambda: cell(dash, number, "status") is None, "the row gone", 30)
        assert number not in dash.app.worklets
        await dash.wait_notification("its KV data is kept")
