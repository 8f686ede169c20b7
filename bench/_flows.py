"""What the flow benchmarks share: a core with the signed listener on, a flow of one `sh` step,
signed `POST /events` on a keep-alive connection, and waiting for runs over the socket."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from _common import request, wait_for

SECRET = "bench-flow-secret-0123456789"
CONFIG = f'flow_port = 0\nflow_secret = "{SECRET}"\n'
FINISHED = ("completed", "failed", "canceled")


def write_flow(home: str, name: str, event_type: str, script: str) -> None:
    """`$AIO_HOME/flows/NAME`: one sh step running `script`, triggered by `event_type`."""
    folder = Path(home, "flows", name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "step.sh").write_text(script)
    (folder / "flow.toml").write_text(
        f'name = "{name}"\nversion = 1\n[[steps]]\nname = "step"\nrunner = "sh"\n'
        f'script = "step.sh"\n[steps.trigger]\ntype = "{event_type}"\n'
    )

    def listed() -> dict | None:
        flows = request(home, "GET", "/flows")
        return flows if any(f["name"] == name for f in flows["flows"]) else None

    url = wait_for(listed, 30, f"flow {name} to be listed")["http"]["url"]
    if not url:
        raise RuntimeError("the flows' HTTP listener is not on")


def listener_url(home: str) -> str:
    return request(home, "GET", "/flows")["http"]["url"]


class Sender:
    """Signed `POST /events` on one keep-alive HTTP connection."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def send(self, event: dict) -> dict:
        body = json.dumps(event).encode()
        stamp = f"{time.time():.6f}"
        digest = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256)
        headers = {
            "content-type": "application/json",
            "x-flow-timestamp": stamp,
            "x-flow-signature-256": f"sha256={digest.hexdigest()}",
        }
        self.connection.request("POST", "/events", body=body, headers=headers)
        answer = self.connection.getresponse()
        data = json.loads(answer.read())
        if answer.status != 202:
            raise RuntimeError(f"POST /events: HTTP {answer.status}: {data}")
        return data

    def close(self) -> None:
        self.connection.close()


def wait_run(home: str, run_id: str, timeout: float = 60) -> dict:
    def finished() -> dict | None:
        run = request(home, "GET", f"/flows/runs/{run_id}")["run"]
        return run if run["processStatus"] in FINISHED else None

    return wait_for(finished, timeout, f"run {run_id} to finish")
