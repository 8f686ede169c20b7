"""What the worklet tests share: real git repositories of tiny apps (a stdlib Python HTTP
server with a worklet.toml, a Node one), HTTP reads of a worklet's port, and waits on a
worklet's status through the real core."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

from core_harness import AioHome, git, require_tool, wait_for

# A tiny server: `/` answers its greeting, `/env` its environment's aio part, `/kv` what the
# KV client does (only where aio.kv.from_env exists). It binds $HOST:$PORT, as worklets must.
PYTHON_APP = """\
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

GREETING = open("greeting.txt").read().strip()


def kv_report():
    try:
        import aio.kv as kv
    except ImportError:
        return {"available": False}
    if not hasattr(kv, "from_env"):
        return {"available": False}
    store = kv.from_env()
    store.set("visits", "count", 1)
    return {"available": True, "count": store.increment("visits", "count", 2)}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/env":
            names = ("PORT", "HOST", "AIO_WORKLET_ID", "AIO_KV_URL", "AIO_KV_TOKEN", "GREET")
            data = {k: os.environ.get(k) for k in names}
        elif self.path == "/kv":
            data = kv_report()
        else:
            data = {"greeting": GREETING}
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


print("app listening on", os.environ["PORT"], flush=True)
HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
"""

NODE_APP = """\
const http = require("http");
const server = http.createServer((req, res) => {
  res.writeHead(200, {"Content-Type": "application/json"});
  res.end(JSON.stringify({greeting: "hello from node", port: process.env.PORT}));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  console.log("node listening on " + process.env.PORT);
});
"""


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_python_app(
    folder: Path, greeting: str = "hello from python", toml: str | None = None
) -> Path:
    """A git repo (branch main) of PYTHON_APP with a worklet.toml running it."""
    require_tool("git")
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "app.py").write_text(PYTHON_APP)
    (folder / "greeting.txt").write_text(greeting + "\n")
    (folder / "worklet.toml").write_text(toml or 'run = ["python3", "app.py"]\n')
    commit_all(folder, "first")
    return folder


def make_node_app(folder: Path) -> Path:
    """A git repo of a Node server whose package.json has a start script (no dependencies)."""
    require_tool("node")
    require_tool("npm")
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "server.js").write_text(NODE_APP)
    package = {"name": "tiny", "version": "1.0.0", "scripts": {"start": "node server.js"}}
    (folder / "package.json").write_text(json.dumps(package))
    commit_all(folder, "first")
    return folder


def worklet(home: AioHome, ref: int | str) -> dict:
    return home.request("GET", f"/worklets/{ref}")["worklet"]


def wait_worklet(home: AioHome, ref: int | str, status: str, timeout: float = 30.0) -> dict:
    """Wait until worklet `ref` has `status`; the failure shows its record."""

    def reached() -> dict | None:
        found = worklet(home, ref)
        return found if found["status"] == status else None

    try:
        return wait_for(reached, timeout, f"worklet {ref} to be {status}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the worklet: {worklet(home, ref)}") from None


def wait_new_run(home: AioHome, ref: int | str, old_job: int, timeout: float = 30.0) -> dict:
    """Wait until worklet `ref` runs again, in a run job other than `old_job`."""

    def reached() -> dict | None:
        found = worklet(home, ref)
        return found if found["status"] == "running" and found["run_job"] != old_job else None

    try:
        return wait_for(reached, timeout, f"worklet {ref} to run again (not in job {old_job})")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the worklet: {worklet(home, ref)}") from None


def get_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def add(home: AioHome, *args: str) -> dict:
    """`aio wl add ARGS --wait`, which must succeed; the worklet it made."""
    out = home.ok("wl", "add", *args, "--wait", "--timeout", "60")
    assert "running at http://127.0.0.1:" in out, out
    number = int(out.split()[1])
    return worklet(home, number)
