"""What the flow tests share: flow folders written on disk, events sent through the real `aio`
CLI or the signed loopback listener, and deadline waits on runs."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from core_harness import AioHome, atomic_write, wait_for

SECRET = "flow-secret-for-tests-0123456789"
FINISHED = ("completed", "failed", "canceled")


def toml_value(value: object) -> str:
    """A TOML value for a string, number, boolean or list (JSON spells them the same way)."""
    return json.dumps(value)


def write_flow(
    folder: Path,
    name: str,
    steps: list[dict],
    scripts: dict[str, str] | None = None,
    schemas: dict[str, object] | None = None,
    config: dict | None = None,
    version: float = 1,
) -> Path:
    """A flow folder: its scripts and schemas first, then its flow.toml (atomically, so a
    watcher never reads half of it). A step's `trigger` is a dict ({type, schema?})."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in (scripts or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    for rel, schema in (schemas or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(schema))
    lines = [f"name = {toml_value(name)}", f"version = {toml_value(version)}"]
    if config:
        lines.append("[config]")
        lines += [f"{k} = {toml_value(v)}" for k, v in config.items()]
    for raw in steps:
        step = dict(raw)
        trigger = step.pop("trigger", None)
        lines.append("[[steps]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in step.items()]
        if trigger is not None:
            lines.append("[steps.trigger]")
            lines += [f"{k} = {toml_value(v)}" for k, v in trigger.items()]
    atomic_write(folder / "flow.toml", "\n".join(lines) + "\n")
    return folder


def sh_step(name: str, event_type: str, body: str, **extra) -> tuple[dict, dict[str, str]]:
    """A `sh` step triggered by `event_type` whose script is `body`: (step, scripts)."""
    script = f"steps/{name}.sh"
    step = {"name": name, "runner": "sh", "script": script, "trigger": {"type": event_type}}
    return {**step, **extra}, {script: body}


def first_json(text: str) -> dict:
    """The JSON object a verb printed first (`dispatch --wait` prints run lines after it)."""
    value, _end = json.JSONDecoder().raw_decode(text.lstrip())
    return value


def dispatch(home: AioHome, event_type: str, payload: object = None, *args: str) -> dict:
    """`aio flow dispatch` an event; the core's answer."""
    extra = ["--payload", json.dumps(payload)] if payload is not None else []
    return first_json(home.ok("flow", "dispatch", event_type, *extra, *args))


def run(home: AioHome, run_id: str) -> dict:
    return home.request("GET", f"/flows/runs/{run_id}")["run"]


def wait_run(home: AioHome, run_id: str, *statuses: str, timeout: float = 30.0) -> dict:
    """Wait until the run's process status is one of `statuses` (default: finished)."""
    wanted = statuses or FINISHED

    def reached() -> dict | None:
        found = run(home, run_id)
        return found if found["processStatus"] in wanted else None

    return wait_for(reached, timeout, f"run {run_id} to be {'/'.join(wanted)}")


def listing(home: AioHome) -> dict:
    return json.loads(home.ok("flow", "ls", "--json"))


def wait_listing(home: AioHome, check, what: str, timeout: float = 15.0) -> dict:
    """Wait until `check(aio flow ls --json)` is true; return that listing."""
    return wait_for(lambda: (found := listing(home)) and check(found) and found, timeout, what)


def flow_names(found: dict) -> list[str]:
    return [f["name"] for f in found["flows"]]


# The signed loopback listener


def signature(secret: str, body: bytes, timestamp: str | None) -> str:
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str = SECRET, when: float | None = None) -> dict:
    stamp = f"{time.time() if when is None else when:.6f}"
    return {"x-flow-timestamp": stamp, "x-flow-signature-256": signature(secret, body, stamp)}


def http_request(
    url: str, method: str, path: str, body: bytes = b"", headers: dict | None = None
) -> tuple[int, dict]:
    """One HTTP request to the listener at `url`; (status, decoded JSON answer)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    return answer.status, json.loads(data) if data else {}


def wait_flow(home: AioHome, name: str, steps: int | None = None) -> dict:
    """Wait until the running core lists flow `name` (with `steps` steps, if given)."""

    def listed(found: dict) -> bool:
        flow = next((f for f in found["flows"] if f["name"] == name), None)
        return flow is not None and (steps is None or len(flow["steps"]) == steps)

    return wait_listing(home, listed, f"flow {name} to be listed")
