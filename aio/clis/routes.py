"""The core's API for external CLIs (the CLIs screen's way to the registry).

GET    /clis                     registered and discovered tools, with quick checks
POST   /clis/{id}/doctor         the full doctor, including the build step
POST   /clis/{id}/run            {"args": [...], "cwd": ...}: run the tool as a job
DELETE /clis/{id}                uninstall the active registration
POST   /clis/changed             `aio install` changed the registry: tell the dashboards
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from aio.clis.install import InstallError
from aio.clis.manage import doctor, uninstall
from aio.clis.registry import ToolNotFound, list_tools, resolve
from aio.core.events import EventBus
from aio.core.http import RequestError, read_json
from aio.jobs.manager import JobManager
from aio.jobs.tasks import StepSpec, TaskSpec


@dataclass(frozen=True)
class ClisContext:
    """What the CLI routes need of the core: its home, the dev roots, events and jobs."""

    home: Path
    dev_roots: list[str]
    events: EventBus
    jobs: JobManager


CLIS = web.AppKey("clis", ClisContext)


def add_cli_routes(app: web.Application, context: ClisContext) -> None:
    """Serve the external-CLI API on `app`."""
    app[CLIS] = context
    app.add_routes(ROUTES)


def _core(request: web.Request) -> ClisContext:
    return request.app[CLIS]


def _tool_id(request: web.Request) -> str:
    return request.match_info["id"]


async def _resolve(core, name: str):
    try:
        return await asyncio.to_thread(resolve, core.home, name, core.dev_roots)
    except ToolNotFound as exc:
        raise RequestError(str(exc), 404) from None


async def list_clis(request: web.Request) -> web.Response:
    core = _core(request)

    def gather() -> list[dict]:
        tools = []
        for record in list_tools(core.home, core.dev_roots):
            entry = record.to_dict()
            checks = doctor(record, build=False)
            entry["checks"] = [c.to_dict() for c in checks]
            entry["healthy"] = all(c.ok for c in checks)
            tools.append(entry)
        return tools

    return web.json_response({"clis": await asyncio.to_thread(gather)})


async def doctor_cli(request: web.Request) -> web.Response:
    core = _core(request)
    record = await _resolve(core, _tool_id(request))
    checks = await asyncio.to_thread(doctor, record)
    return web.json_response({"id": record.id, "checks": [c.to_dict() for c in checks]})


async def uninstall_cli(request: web.Request) -> web.Response:
    core = _core(request)
    try:
        record = await asyncio.to_thread(uninstall, core.home, _tool_id(request), core.dev_roots)
    except ToolNotFound as exc:
        raise RequestError(str(exc), 404) from None
    except InstallError as exc:
        raise RequestError(str(exc), 409) from None
    core.events.publish({"type": "clis_changed"})
    return web.json_response({"uninstalled": record.id, "kind": record.kind})


async def run_cli(request: web.Request) -> web.Response:
    """Run a tool as a job, so it can be watched and attached like any other."""
    core = _core(request)
    body = await read_json(request)
    args = body.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise RequestError("field 'args': expected a list of strings")
    record = await _resolve(core, _tool_id(request))
    command = [sys.executable, "-m", "aio", "cli", "run", record.id, "--", *args]
    shown = shlex.join(["aio", "cli", record.id, "--", *args]) if args else f"aio cli {record.id}"
    spec = TaskSpec(name=f"cli-{record.id}", steps=(StepSpec(shown, shlex.join(command)),))
    cwd = body.get("cwd")
    job = await core.jobs.submit(spec, caller_cwd=cwd if isinstance(cwd, str) else None)
    return web.json_response({"job": job.to_dict()}, status=201)


async def clis_changed(request: web.Request) -> web.Response:
    _core(request).events.publish({"type": "clis_changed"})
    return web.json_response({"ok": True})


ROUTES = [
    web.get("/clis", list_clis),
    web.post("/clis/changed", clis_changed),
    web.post("/clis/{id}/doctor", doctor_cli),
    web.post("/clis/{id}/run", run_cli),
    web.delete("/clis/{id}", uninstall_cli),
]
