"""The Flows screen's tables: flows with their steps and triggers, events, and runs (process
and result status, a needs-attention mark), each kept by key as core events come."""

from __future__ import annotations

from rich.text import Text

from aio.text.printable import printable
from aio.widgets.keyed_table import KeyedTable

STATUS_STYLES = {
    "queued": "dim",
    "running": "bold cyan",
    "completed": "green",
    "changed": "green",
    "skipped": "dim",
    "failed": "bold red",
    "canceled": "yellow",
    "blocked": "bold black on yellow",
    "needs_intervention": "bold black on yellow",
}


class FlowStepsTable(KeyedTable):
    """One row per step of every flow (a manifest that does not load: one row, its error)."""

    COLUMNS = (
        ("Flow", "flow"),
        ("Step", "step"),
        ("Runner", "runner"),
        ("Trigger", "trigger"),
        ("Schema", "schema"),
    )

    def key_of(self, record: dict) -> str:
        return record["key"]

    def cells(self, row: dict) -> list:
        if row.get("error"):
            return [Text("error", style="bold red"), Text(printable(row["error"], 120)), "", "", ""]
        trigger = row.get("trigger") or {}
        return [
            printable(row["flow"], 40),
            printable(row["step"], 40),
            row.get("runner") or "",
            printable(trigger.get("type") or "-", 40),
            "yes" if trigger.get("schema") else "-",
        ]


def step_rows(listing: dict) -> list[dict]:
    """The rows of FlowStepsTable from `GET /flows`."""
    rows = []
    for flow in listing.get("flows", []):
        for step in flow.get("steps", []):
            rows.append(
                {
                    "key": f"{flow['name']}/{step['name']}",
                    "flow": flow["name"],
                    "step": step["name"],
                    "runner": step.get("runner"),
                    "trigger": step.get("trigger"),
                }
            )
    for index, error in enumerate(listing.get("errors", [])):
        text = error if isinstance(error, str) else error.get("error") or str(error)
        rows.append({"key": f"error:{index}", "error": text})
    return rows


class FlowEventsTable(KeyedTable):
    """Events, newest first: id, type, source, when received, how many runs it started."""

    COLUMNS = (
        ("Event", "id"),
        ("Type", "type"),
        ("Source", "source"),
        ("Received", "received"),
        ("Runs", "runs"),
    )

    def cells(self, event: dict) -> list:
        refused = len(event.get("unmatched") or [])
        runs = str(len(event.get("runIds") or []))
        return [
            printable(event["id"], 40),
            printable(event["type"], 40),
            printable(event.get("source") or "-", 30),
            (event.get("receivedAt") or "")[:19].replace("T", " "),
            runs + (f" ({refused} refused)" if refused else ""),
        ]


class FlowRunsTable(KeyedTable):
    """Runs, newest first: the effective status stands out when the run needs attention."""

    COLUMNS = (
        ("Run", "id"),
        ("Flow/step", "step"),
        ("Process", "process"),
        ("Result", "result"),
        ("!", "attention"),
        ("Tries", "attempts"),
        ("Job", "job"),
        ("Event", "event"),
    )

    def cells(self, run: dict) -> list:
        process = run.get("processStatus") or ""
        result = run.get("resultStatus") or "-"
        return [
            run["id"],
            printable(f"{run.get('flowName')}/{run.get('stepName')}", 50),
            Text(process, style=STATUS_STYLES.get(process, "")),
            Text(result, style=STATUS_STYLES.get(result, "")),
            Text("!", style="bold black on yellow") if run.get("needsAttention") else "",
            str(run.get("attemptCount") or 0),
            "-" if run.get("job") is None else f"#{run['job']}",
            printable(run.get("eventId") or "", 30),
        ]
