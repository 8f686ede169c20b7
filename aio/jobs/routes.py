"""The core's jobs API (on the unix socket):

GET    /jobs                   every job
POST   /jobs                   queue a task: {"path": FILE} or {"task": {...}}, "vars", "cwd"
GET    /jobs/{ref}             one job (number or name)
POST   /jobs/{ref}/kill        kill a running job, cancel a queued one
DELETE /jobs/{ref}             remove a finished job, its folder and worktree
GET    /jobs/{ref}/attach      WebSocket: output out (binary), input and resize in
GET    /events                 WebSocket: a snapshot of jobs and tasks, then every change
GET    /tasks                  task files for the menu, and watch-folder errors
POST   /tasks/preview          a task resolved with "vars" (what would run), or the error
"""

from __future__ import annotations

from aiohttp import web

from aio.core.event_stream import HEARTBEAT_SECONDS, serve_events
from aio.core.events import EventBus
from aio.core.http import read_json
from aio.jobs.attach_stream import attach_handler
from aio.jobs.manager import JobError, JobManager
from aio.jobs.tasks import TaskSpec, load_task_file, parse_task, resolve_task
from aio.jobs.watch import TaskWatcher

JOBS = web.AppKey("jobs", JobManager)
WATCHER = web.AppKey("watcher", TaskWatcher)
EVENTS = web.AppKey("events", EventBus)


def add_job_routes(
    app: web.Application, jobs: JobManager, watcher: TaskWatcher, events: EventBus
) -> None:
    """Serve the jobs API from these services on `app`."""
    app[JOBS] = jobs
    app[WATCHER] = watcher
    app[EVENTS] = events
    app.add_routes(
        [
            web.get("/jobs", list_jobs),
            web.post("/jobs", create_job),
            web.get("/jobs/{ref}", get_job),
            web.post("/jobs/{ref}/kill", kill_job),
            web.delete("/jobs/{ref}", remove_job),
            web.get("/jobs/{ref}/attach", attach_job),
            web.get("/events", event_stream),
            web.get("/tasks", list_tasks),
            web.post("/tasks/preview", preview_task),
        ]
    )


async def list_jobs(request: web.Request) -> web.Response:
    jobs = request.app[JOBS].list()
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
    body = await read_json(request)
    spec = task_from_body(body)
    cwd = body.get("cwd")
    job = await request.app[JOBS].submit(spec, caller_cwd=cwd if isinstance(cwd, str) else None)
    return web.json_response({"job": job.to_dict()}, status=201)


async def preview_task(request: web.Request) -> web.Response:
    spec = task_from_body(await read_json(request))
    return web.json_response({"task": spec.to_dict()})


async def get_job(request: web.Request) -> web.Response:
    job = request.app[JOBS].resolve(request.match_info["ref"])
    return web.json_response({"job": job.to_dict()})


async def kill_job(request: web.Request) -> web.Response:
    jobs = request.app[JOBS]
    job = jobs.kill(jobs.resolve(request.match_info["ref"]))
    return web.json_response({"job": job.to_dict()})


async def remove_job(request: web.Request) -> web.Response:
    jobs = request.app[JOBS]
    job = jobs.resolve(request.match_info["ref"])
    await jobs.remove(job)
    return web.json_response({"removed": job.id})


async def attach_job(request: web.Request) -> web.StreamResponse:
    return await attach_handler(request, request.app[JOBS])


async def list_tasks(request: web.Request) -> web.Response:
    watcher = request.app[WATCHER]
    return web.json_response({"tasks": watcher.tasks(), "errors": watcher.errors})


async def event_stream(request: web.Request) -> web.StreamResponse:
    """Push a snapshot of jobs and tasks, then every core event, until the client leaves."""
    jobs, watcher = request.app[JOBS], request.app[WATCHER]
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, compress=False)
    await ws.prepare(request)
    snapshot = {
        "jobs": [j.to_dict() for j in jobs.list()],
        "tasks": watcher.tasks(),
        "task_errors": watcher.errors,
    }
    await serve_events(request.app[EVENTS], snapshot, ws)
    return ws
