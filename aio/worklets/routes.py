"""The core's worklets API (on the unix socket).

GET    /worklets                   every worklet, oldest first
POST   /worklets                   {"repo", "branch"?, "name"?, "env"?}: clone and build one
GET    /worklets/{ref}             one worklet (number or name)
GET    /worklets/{ref}/wait        ?timeout=S: answers once it is running, stopped or in error
POST   /worklets/{ref}/start       {"build"?}: start a stopped one (its build first with build)
POST   /worklets/{ref}/stop        kill its build and server; answers once they have ended
POST   /worklets/{ref}/restart     {"build"?}: stop, then start
POST   /worklets/{ref}/pull        fetch, fast-forward, rebuild and restart
POST   /worklets/{ref}/prompt      {"text"}: a headless Claude session in its clone
POST   /worklets/{ref}/pr          {"title"?}: its changes on a new branch, pushed (and a PR)
DELETE /worklets/{ref}             ?data=1: remove it (and its KV data)

Every change is also an event on `/events`: {"type": "worklet", "worklet": {...}} and
{"type": "worklet_removed", "id": N}.
"""

from __future__ import annotations

from aiohttp import web

from aio.core.http import RequestError, query_seconds, read_json
from aio.worklets.service import WorkletService

WORKLETS = web.AppKey("worklets", WorkletService)
MAX_REPO_CHARS = 4096
MAX_PROMPT_CHARS = 32 * 1024  # it travels in an argv-sized message to claude
MAX_WAIT_SECONDS = 3600


def add_worklet_routes(app: web.Application, service: WorkletService) -> None:
    """Serve the worklets API from `service` on `app`."""
    app[WORKLETS] = service
    app.add_routes(ROUTES)


def _service(request: web.Request) -> WorkletService:
    return request.app[WORKLETS]


def _answer(worklet, status: int = 200) -> web.Response:
    return web.json_response({"worklet": worklet.to_dict()}, status=status)


def _text(body: dict, key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"field '{key}': expected a non-empty string")
    if len(value) > limit or "\x00" in value:
        raise RequestError(f"field '{key}': at most {limit} characters, no NUL")
    return value


def _flag(body: dict, key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise RequestError(f"field '{key}': expected true or false")
    return value


def _ref(request: web.Request) -> str:
    ref = request.match_info["ref"]
    if len(ref) > 100:
        raise RequestError("a worklet is named by its number or its name", 404)
    return ref


async def list_worklets(request: web.Request) -> web.Response:
    return web.json_response({"worklets": [w.to_dict() for w in _service(request).list()]})


async def add_worklet(request: web.Request) -> web.Response:
    body = await read_json(request)
    repo = _text(body, "repo", MAX_REPO_CHARS)
    if repo is None:
        raise RequestError("field 'repo': expected a git URL or an absolute path")
    worklet = await _service(request).add(
        repo, _text(body, "branch", 250), _text(body, "name", 100), body.get("env") or {}
    )
    return _answer(worklet, 201)


async def get_worklet(request: web.Request) -> web.Response:
    return _answer(_service(request).get(_ref(request)))


async def wait_worklet(request: web.Request) -> web.Response:
    timeout = query_seconds(request, "timeout", 60.0, MAX_WAIT_SECONDS)
    service = _service(request)
    return _answer(await service.wait_settled(service.get(_ref(request)), timeout))


async def start_worklet(request: web.Request) -> web.Response:
    build = _flag(await read_json(request), "build")
    return _answer(await _service(request).start_worklet(_ref(request), build))


async def stop_worklet(request: web.Request) -> web.Response:
    return _answer(await _service(request).stop_worklet(_ref(request)))


async def restart_worklet(request: web.Request) -> web.Response:
    build = _flag(await read_json(request), "build")
    return _answer(await _service(request).restart_worklet(_ref(request), build))


async def pull_worklet(request: web.Request) -> web.Response:
    return _answer(await _service(request).pull(_ref(request)))


async def prompt_worklet(request: web.Request) -> web.Response:
    text = _text(await read_json(request), "text", MAX_PROMPT_CHARS)
    if text is None:
        raise RequestError("field 'text': expected the prompt")
    service = _service(request)
    session = await service.prompt(_ref(request), text)
    worklet = service.get(_ref(request))
    return web.json_response({"worklet": worklet.to_dict(), "session": session.to_dict()})


async def pr_worklet(request: web.Request) -> web.Response:
    title = _text(await read_json(request), "title", 1000)
    service = _service(request)
    proposed = await service.propose(_ref(request), title)
    return web.json_response({"worklet": service.get(_ref(request)).to_dict(), **proposed})


async def remove_worklet(request: web.Request) -> web.Response:
    data = request.query.get("data") in ("1", "true", "yes")
    return _answer(await _service(request).remove(_ref(request), data))


ROUTES = [
    web.get("/worklets", list_worklets),
    web.post("/worklets", add_worklet),
    web.get("/worklets/{ref}", get_worklet),
    web.get("/worklets/{ref}/wait", wait_worklet),
    web.post("/worklets/{ref}/start", start_worklet),
    web.post("/worklets/{ref}/stop", stop_worklet),
    web.post("/worklets/{ref}/restart", restart_worklet),
    web.post("/worklets/{ref}/pull", pull_worklet),
    web.post("/worklets/{ref}/prompt", prompt_worklet),
    web.post("/worklets/{ref}/pr", pr_worklet),
    web.delete("/worklets/{ref}", remove_worklet),
]
