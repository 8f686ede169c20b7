"""The Flows screen against a real core running real flows: flow folders made in the test with
`sh` steps, an event dispatched from the form (its payload checked live against the step's
schema), its run shown with its result, and a running step's run canceled from the screen."""

from __future__ import annotations

from core_harness import AioHome
from flows_harness import sh_step, wait_flow, wait_run, write_flow
from pilot_harness import Dashboard, open_dashboard
from textual.widgets import Static, TextArea

from aio.screens.confirm import ConfirmScreen
from aio.screens.flow_forms import DispatchScreen
from aio.screens.flows import FlowsScreen
from aio.widgets.flow_tables import FlowRunsTable, FlowStepsTable

SCHEMA = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def runs(dash: Dashboard) -> dict[str, dict]:
    return dash.app.screen.query_one(FlowRunsTable).records


async def open_flows(dash: Dashboard) -> FlowsScreen:
    await dash.pilot.press("6")
    return await dash.wait(
        lambda: isinstance(dash.app.screen, FlowsScreen) and dash.app.screen, "the Flows screen"
    )


async def test_the_empty_state_says_what_flows_are(core: AioHome) -> None:
    async with open_dashboard(core.path) as dash:
        screen = await open_flows(dash)
        empty = screen.query_one("#flows-empty", Static)
        await dash.wait(lambda: empty.display, "the empty state")
        assert "flow.toml declares steps" in str(empty.render())


async def test_dispatch_checks_the_payload_live_runs_and_a_running_run_is_canceled(
    core: AioHome,
) -> None:
    done = 'echo \'FLOW_RESULT {"status": "completed"}\'\n'
    hello, scripts = sh_step("hello", "greet", done)
    hello["trigger"]["schema"] = "schema.json"
    write_flow(core.path / "flows" / "greet", "greet", [hello], scripts, {"schema.json": SCHEMA})
    slow, slow_scripts = sh_step("wait", "slow", "sleep 60\n")
    write_flow(core.path / "flows" / "slow", "slow", [slow], slow_scripts)
    wait_flow(core, "greet")
    wait_flow(core, "slow")
    async with open_dashboard(core.path) as dash:
        screen = await open_flows(dash)
        steps = screen.query_one(FlowStepsTable)
        await dash.wait(lambda: "greet/hello" in steps.records, "the flow's step listed")

        await dash.pilot.press("d")
        form = await dash.wait(
            lambda: isinstance(dash.app.screen, DispatchScreen) and dash.app.screen, "the form"
        )
        check = form.query_one("#flow-check", Static)
        form.query_one("#flow-type").value = "greet"
        form.query_one("#flow-payload", TextArea).text = "{"
        await dash.wait(lambda: "payload: not JSON" in str(check.render()), "a JSON error")
        form.query_one("#flow-payload", TextArea).text = "{}"
        await dash.wait(lambda: "$.name is required" in str(check.render()), "the schema's word")
        form.query_one("#flow-payload", TextArea).text = '{"name": "ada"}'
        await dash.wait(lambda: "runs greet/hello" in str(check.render()), "the step it runs")
        await dash.pilot.press("ctrl+s")
        await dash.wait_notification("accepted")
        await dash.wait(
            lambda: any(r.get("resultStatus") == "completed" for r in runs(dash).values()),
            "the run completed on screen",
            30,
        )

        started = core.request("POST", "/flows/events", {"id": "slow-1", "type": "slow"})
        (slow_run,) = started["runIds"]
        await dash.wait(
            lambda: runs(dash).get(slow_run, {}).get("processStatus") == "running", "running", 30
        )
        table = screen.query_one(FlowRunsTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(slow_run))
        await dash.pilot.press("x")
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("enter")
        await dash.wait(
            lambda: runs(dash).get(slow_run, {}).get("processStatus") == "canceled", "canceled", 30
        )
        assert wait_run(core, slow_run, "canceled")["processStatus"] == "canceled"
