"""`aio flow`: flows (flow.toml manifests), their events and runs, through the core's socket."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from aio.client.arguments import fail, parser, reports_core_errors, run_subverb
from aio.client.core_client import connect
from aio.client.paths import query, segment
from aio.text.json_list import write_json
from aio.text.printable import printable

USAGE = """\
usage: aio flow ls [--json]         flows, their steps and triggers, manifest errors, HTTP state
       aio flow dispatch TYPE [--payload JSON|@FILE] [--id ID] [--source S] [--wait]
                                   send an event; prints the answer; --wait waits for its runs
                                   (exit 1 if one failed or was canceled, 3 if one needs
                                   attention)
       aio flow events [--type T] [--limit N] [--json]
       aio flow runs [--status S] [--event ID] [--limit N] [--json]
       aio flow show RUN [--json]   a run: its attempts, jobs, result and error
       aio flow replay EVENT [--wait]
                                   run an event again (new runs for the steps it matches now)
       aio flow cancel RUN          kill a run's step (its job); the run is canceled

Flows are the folders with a flow.toml in .codex/flows/ and flows/ of $AIO_HOME and of each
folder in the config's flow_workspaces. A step's job shows on the Jobs screen (aio a JOB).
"""

WAIT_SLICE = 50.0  # seconds per wait request (under the client's socket timeout)
MAX_PAYLOAD_BYTES = 1024 * 1024


def _path(kind: str, ref: str, action: str = "") -> str:
    return f"/flows/{kind}/{segment(ref)}" + (f"/{action}" if action else "")


def _read_payload(text: str | None) -> object:
    """The --payload value: JSON text, or @FILE holding it. ValueError says what is wrong."""
    if text is None:
        return {}
    where = "--payload"
    if text.startswith("@"):
        where = f"--payload {text}"
        path = Path(text[1:])
        try:
            if path.stat().st_size > MAX_PAYLOAD_BYTES:
                raise ValueError(f"{where}: the file is over 1 MiB")
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"{where}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{where}: cannot read: {getattr(exc, 'strerror', exc)}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deeply") from None


def run_line(run: dict) -> str:
    """One run in a line: id, flow/step, statuses, attempts, job, error; printable (ids and
    errors come from event senders and from steps' output)."""
    result = f", result {run['resultStatus']}" if run.get("resultStatus") else ""
    mark = " (needs attention)" if run.get("needsAttention") else ""
    job = f", job {run['job']}" if run.get("job") is not None else ""
    said = f": {run['error']}" if run.get("error") else ""
    return printable(
        f"{run['id']} {run['flowName']}/{run['stepName']}: {run['processStatus']}{result}{mark}"
        f" (attempt {run['attemptCount']}{job}){said}"
    )


def _exit_code(runs: list[dict]) -> int:
    if any(r["effectiveStatus"] in ("failed", "canceled") for r in runs):
        return 1
    return 3 if any(r["needsAttention"] for r in runs) else 0


def _wait(core, event_id: str, timeout: float, only: list[str]) -> int:
    """Wait for the event's runs to end; print those in `only`; the exit code they call for."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        wait = query({"timeout": f"{max(0.0, min(left, WAIT_SLICE)):.1f}"})
        answer = core.request("GET", f"{_path('events', event_id, 'wait')}?{wait}")
        runs = [r for r in answer["runs"] if r["id"] in only]
        if all(r["processStatus"] in ("completed", "failed", "canceled") for r in runs):
            break
        if left <= 0:
            for run in runs:
                print(run_line(run))
            return fail(f"event {event_id}: runs still under way after {timeout:.0f} s", 1)
    for run in runs:
        print(run_line(run))
    return _exit_code(runs)


def _wait_option(p) -> None:
    p.add_argument("--wait", action="store_true", help="wait for the runs (exit 1/3, see usage)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds --wait waits (600)")


@reports_core_errors
def cmd_ls(argv: list[str]) -> int:
    p = parser("flow ls", "List the flows, their steps and triggers, and manifest errors.")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    args = p.parse_args(argv)
    listing = connect().request("GET", "/flows")
    if args.json:
        write_json(listing)
        return 0
    from aio.text.table import text_table

    rows = []
    for flow in listing["flows"]:
        for step in flow["steps"]:
            trigger = step["trigger"] or {}
            rows.append(
                (
                    flow["name"], f"{flow['version']:g}", step["name"], step["runner"],
                    trigger.get("type") or "-", trigger.get("schema") or "", flow["root"],
                )
            )  # fmt: skip
    if rows:
        headers = ("FLOW", "VERSION", "STEP", "RUNNER", "TRIGGER", "SCHEMA", "ROOT")
        sys.stdout.write(text_table(headers, rows, max_widths={6: 80}))
    else:
        print("no flows (add one: $AIO_HOME/flows/NAME/flow.toml)")
    for shadow in listing["shadowed"]:
        print(printable(f"shadowed: {shadow['name']} in {shadow['root']} (by {shadow['by']})"))
    for error in listing["errors"]:
        print(printable(f"error: {error['error']}"))
    http = listing["http"]
    if http.get("url"):
        print(f"http: {http['url']} (signed events: POST {http['url']}/events)")
    elif http.get("enabled"):
        print(f"http: not listening: {http.get('error')}")
    else:
        print("http: off (set flow_port and flow_secret in config.toml)")
    return 0


@reports_core_errors
def cmd_dispatch(argv: list[str]) -> int:
    p = parser("flow dispatch", "Send an event to the flows; prints the core's answer.")
    p.add_argument("type", help="the event type (a step's trigger type)")
    p.add_argument("--payload", default=None, help="the payload: JSON, or @FILE (default {})")
    p.add_argument("--id", default=None, help="the event id, its idempotency key (default: new)")
    p.add_argument("--source", default=None, help="who sends it")
    _wait_option(p)
    args = p.parse_args(argv)
    try:
        payload = _read_payload(args.payload)
    except ValueError as exc:
        return fail(str(exc))
    event = {"id": args.id or f"aio-{uuid.uuid4().hex}", "type": args.type, "payload": payload}
    if args.source is not None:
        event["source"] = args.source
    core = connect()
    answer = core.request("POST", "/flows/events", event)
    write_json(answer)
    return _wait(core, answer["eventId"], args.timeout, answer["runIds"]) if args.wait else 0


@reports_core_errors
def cmd_events(argv: list[str]) -> int:
    p = parser("flow events", "List the newest flow events.")
    p.add_argument("--type", default=None, help="only events of this type")
    p.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    args = p.parse_args(argv)
    wanted = {"limit": str(args.limit), **({"type": args.type} if args.type else {})}
    events = connect().request("GET", f"/flows/events?{query(wanted)}")["events"]
    if args.json:
        write_json(events)
        return 0
    if not events:
        print("no events (send one: aio flow dispatch TYPE)")
        return 0
    from aio.text.table import text_table

    rows = [
        (e["id"], e["type"], e.get("source") or "", e["receivedAt"], " ".join(e["runIds"]))
        for e in events
    ]
    headers = ("EVENT", "TYPE", "SOURCE", "RECEIVED", "RUNS")
    sys.stdout.write(text_table(headers, rows, max_widths={0: 60, 4: 80}))
    return 0


@reports_core_errors
def cmd_runs(argv: list[str]) -> int:
    p = parser("flow runs", "List the newest flow runs.")
    p.add_argument("--status", default=None, help="only runs with this process or result status")
    p.add_argument("--event", default=None, help="only the runs of this event")
    p.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    args = p.parse_args(argv)
    wanted = {"limit": str(args.limit)}
    wanted.update({k: v for k, v in (("status", args.status), ("eventId", args.event)) if v})
    runs = connect().request("GET", f"/flows/runs?{query(wanted)}")["runs"]
    if args.json:
        write_json(runs)
        return 0
    if not runs:
        print("no runs")
        return 0
    from aio.text.table import text_table

    rows = [
        (
            r["id"], f"{r['flowName']}/{r['stepName']}", r["processStatus"],
            r["resultStatus"] or "", "!" if r["needsAttention"] else "", str(r["attemptCount"]),
            str(r["job"] or ""), r["eventId"], r["error"] or "",
        )
        for r in runs
    ]  # fmt: skip
    headers = ("RUN", "STEP", "PROCESS", "RESULT", "!", "ATTEMPTS", "JOB", "EVENT", "ERROR")
    sys.stdout.write(text_table(headers, rows, max_widths={7: 40, 8: 80}))
    return 0


@reports_core_errors
def cmd_show(argv: list[str]) -> int:
    p = parser("flow show", "Show one run: its attempts, jobs, result and error.")
    p.add_argument("run", help="the run id (run_...)")
    p.add_argument("--json", action="store_true", help="print it as JSON")
    args = p.parse_args(argv)
    run = connect().request("GET", _path("runs", args.run))["run"]
    if args.json:
        write_json(run)
        return 0
    print(run_line(run))
    print(printable(f"  event {run['eventId']}{' (replay)' if run['replay'] else ''}"))
    print(printable(f"  flow {run['flowName']} v{run['flowVersion']:g} in {run['flowRoot']}"))
    for attempt in run["attempts"]:
        said = f": {attempt['error']}" if attempt["error"] else ""
        code = f", exit {attempt['exitCode']}" if attempt["exitCode"] is not None else ""
        print(
            printable(f"  {attempt['id']}: {attempt['status']} (job {attempt['job']}{code}){said}")
        )
    if run["resultPayload"] is not None:
        print(f"  FLOW_RESULT {json.dumps(run['resultPayload'])}")  # ASCII JSON
    if run["nextEventIds"]:
        print(printable(f"  next events: {' '.join(run['nextEventIds'])}"))
    if run["job"] is not None:
        print(f"  output: aio log {run['job']}")
    return 0


@reports_core_errors
def cmd_replay(argv: list[str]) -> int:
    p = parser("flow replay", "Run a stored event again: new runs for the steps it matches.")
    p.add_argument("event", help="the event id")
    _wait_option(p)
    args = p.parse_args(argv)
    core = connect()
    answer = core.request("POST", _path("events", args.event, "replay"), {})
    write_json(answer)
    return _wait(core, args.event, args.timeout, answer["runIds"]) if args.wait else 0


@reports_core_errors
def cmd_cancel(argv: list[str]) -> int:
    p = parser("flow cancel", "Kill a run's step (its job); the run is canceled.")
    p.add_argument("run", help="the run id (run_...)")
    args = p.parse_args(argv)
    run = connect().request("POST", _path("runs", args.run, "cancel"), {})["run"]
    print(run_line(run))
    return 0


SUBVERBS = {
    "ls": cmd_ls,
    "dispatch": cmd_dispatch,
    "events": cmd_events,
    "runs": cmd_runs,
    "show": cmd_show,
    "replay": cmd_replay,
    "cancel": cmd_cancel,
}


def cmd_flow(argv: list[str]) -> int:
    """Entry of `aio flow SUBVERB ...`."""
    return run_subverb("flow", USAGE, SUBVERBS, argv)
