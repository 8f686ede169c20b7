"""The core's local API: HTTP requests and WebSocket streams on the unix socket.

    GET    /health                 who is serving
    GET    /jobs                   every job
    POST   /jobs                   queue a task: {"path": FILE} or {"task": {...}}, "vars", "cwd"
    GET    /jobs/{ref}             one job (number or name)
    POST   /jobs/{ref}/kill        kill a running job, cancel a queued one
    DELETE /jobs/{ref}             remove a finished job, its folder and worktree
    GET    /jobs/{ref}/attach      WebSocket: output out (binary), input and resize in
    GET    /events                 WebSocket: a snapshot, then every state change
    GET    /tasks                  task files for the menu, and watch-folder errors
    POST   /tasks/preview          a task resolved with "vars" (what would run), or the error
    ...                            todos: see aio/core/todo_routes.py
    ...                            external CLIs: see aio/core/cli_routes.py
    POST   /web/links              a one-time browser link: {"job": N|null, "readonly": bool}
    POST   /shutdown               stop the core (running jobs are killed)

Errors are JSON `{"error": "..."}` with a 4xx status; a client's mistake never stops the core.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from aio import __version__
from aio.core.cli_routes import ROUTES as CLI_ROUTES
from aio.core.jobs import JobError
from aio.core.streams import attach_handler, events_handler
from aio.core.tasks import TaskError, TaskSpec, load_task_file, parse_task, resolve_task
from aio.core.todo_routes import ROUTES as TODO_ROUTES

if TYPE_CHECKING:
    from aio.core.daemon import Core

log = logging.getLogger("aio.core.server")
CORE_KEY = web.AppKey("core", object)


def core_of(request: web.Request) -> Core:
    return request.app[CORE_KEY]


def error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return error(f"{request.method} {request.path}: {exc.reason}", exc.status)
        raise
    except JobError as exc:
        return error(str(exc), exc.status)
    except TaskError as exc:
        return error(str(exc), 400)
    except Exception as exc:
        log.exception("%s %s failed", request.method, request.path)
        return error(f"internal error: {type(exc).__name__}: {exc}", 500)


async def read_json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise JobError("request body: expected a JSON object") from None
    if not isinstance(body, dict):
        raise JobError("request body: expected a JSON object")
    return body


async def health(request: web.Request) -> web.Response:
    core = core_of(request)
    bridge = core.web
    return web.json_response(
        {
            "ok": True,
            "pid": core.pid,
            "version": __version__,
            "home": str(core.home),
            "web": {"running": bridge.running, "port": bridge.port, "error": bridge.error},
        }
    )


async def list_jobs(request: web.Request) -> web.Response:
    jobs = core_of(request).jobs.list()
    return web.json_response({"jobs": [j.to_dict() for j in jobs]})


def task_from_body(body: dict) -> TaskSpec:
    """The resolved task a request names: a file path or an inline task, with its vars."""
    variables = body.get("vars") or {}
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise JobError("field 'vars': expected an object of name -> string value")
    if isinstance(body.get("path"), str):
        spec = load_task_file(body["path"])
    elif isinstance(body.get("task"), dict):
        spec = parse_task(body["task"], body.get("source") or "task")
    else:
        raise JobError("request body: expected 'path' (a task file) or 'task' (a task object)")
    return resolve_task(spec, variables)


async def create_job(request: web.Request) -> web.Response:
    core = core_of(request)
    body = await read_json(request)
    spec = task_from_body(body)
    cwd = body.get("cwd")
    job = await core.jobs.submit(spec, caller_cwd=cwd if isinstance(cwd, str) else None)
    return web.json_response({"job": job.to_dict()}, status=201)


async def preview_task(request: web.Request) -> web.Response:
    spec = task_from_body(await read_json(request))
    return web.json_response({"task": spec.to_dict()})


async def get_job(request: web.Request) -> web.Response:
    job = core_of(request).jobs.resolve(request.match_info["ref"])
    return web.json_response({"job": job.to_dict()})


async def kill_job(request: web.Request) -> web.Response:
    jobs = core_of(request).jobs
    job = jobs.kill(jobs.resolve(request.match_info["ref"]))
    return web.json_response({"job": job.to_dict()})


async def remove_job(request: web.Request) -> web.Response:
    jobs = core_of(request).jobs
    job = jobs.resolve(request.match_info["ref"])
    await jobs.remove(job)
    return web.json_response({"removed": job.id})


async def list_tasks(request: web.Request) -> web.Response:
    watcher = core_of(request).watcher
    return web.json_response({"tasks": watcher.tasks(), "errors": watcher.errors})


async def web_link(request: web.Request) -> web.Response:
    core = core_of(request)
    body = await read_json(request)
    job_id = None
    if body.get("job") is not None:
        job_id = core.jobs.resolve(str(body["job"])).id
    if not core.web.running:
        raise JobError(f"the browser bridge is off: {core.web.error or 'not started'}", 503)
    url = core.web.link(job_id, bool(body.get("readonly")))
    return web.json_response({"url": url, "job": job_id, "readonly": bool(body.get("readonly"))})


async def shutdown(request: web.Request) -> web.Response:
    core_of(request).request_stop()
    return web.json_response({"ok": True, "stopping": True})


def build_app(core: Core) -> web.Application:
    """The aiohttp application serving `core`."""
    app = web.Application(middlewares=[error_middleware], client_max_size=2 * 1024 * 1024)
    app[CORE_KEY] = core
    app.add_routes(
        [
            web.get("/health", health),
            web.get("/jobs", list_jobs),
            web.post("/jobs", create_job),
            web.get("/jobs/{ref}", get_job),
            web.post("/jobs/{ref}/kill", kill_job),
            web.delete("/jobs/{ref}", remove_job),
            web.get("/jobs/{ref}/attach", attach_handler),
            web.get("/events", events_handler),
            web.get("/tasks", list_tasks),
            web.post("/tasks/preview", preview_task),
            web.post("/web/links", web_link),
            *TODO_ROUTES,
            *CLI_ROUTES,
            web.post("/shutdown", shutdown),
        ]
    )
    return app
