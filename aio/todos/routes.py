"""The core's todo API (on the unix socket; the dashboard's way to todos).

GET    /todos[?all=1]           open todos, most urgent first (all=1: completed too;
                                 limit=N&offset=M: a page of them, with the total)
POST   /todos                   {"title", "deadline", "virtual_deadline"} (timestamps)
PUT    /todos/{id}              the same fields: replace a todo's title and deadlines
POST   /todos/complete          {"ids": [...]}         POST /todos/delete   {"ids": [...]}
POST   /todos/{id}/reopen       mark a completed todo open again
POST   /todos/changed           `aio t` changed the database: re-arm, tell the dashboards
"""

from __future__ import annotations

from aiohttp import web

from aio.core.http import RequestError, is_number, read_json
from aio.todos.grammar import LATEST_DEADLINE, MAX_TITLE
from aio.todos.model import TodoNotFound
from aio.todos.service import TodoService

TODOS = web.AppKey("todos", TodoService)


def add_todo_routes(app: web.Application, todos: TodoService) -> None:
    """Serve the todo API from `todos` on `app`."""
    app[TODOS] = todos
    app.add_routes(ROUTES)


def _service(request: web.Request) -> TodoService:
    return request.app[TODOS]


async def _body(request: web.Request) -> dict:
    return await read_json(request)


def _fields(body: dict) -> tuple[str, float | None, float | None]:
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise RequestError("field 'title': expected a non-empty string")
    if len(title) > MAX_TITLE:
        raise RequestError(f"field 'title': at most {MAX_TITLE} characters")
    times = []
    for key in ("deadline", "virtual_deadline"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise RequestError(f"field '{key}': expected a timestamp or null")
        if value is not None and not 0 <= value <= LATEST_DEADLINE:  # also NaN and infinity
            raise RequestError(f"field '{key}': expected a timestamp from 0 to the year 9999")
        times.append(float(value) if value is not None else None)
    real, virtual = times
    if real is not None and virtual is not None and virtual > real:
        raise RequestError("field 'virtual_deadline': must not be later than 'deadline'")
    return title.strip(), real, virtual


def _ids(body: dict) -> tuple[int, ...]:
    ids = body.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise RequestError("field 'ids': expected a non-empty list of todo numbers")
    return tuple(ids)


def _answer(service, todos) -> web.Response:
    now = service.clock()
    return web.json_response({"todos": [t.to_dict(now) for t in todos]})


async def list_todos(request: web.Request) -> web.Response:
    """Todos, most urgent first; `limit=N` (and `offset=M`) send only N of them, from the
    M-th on, with the total."""
    service = _service(request)
    every = request.query.get("all") in ("1", "true", "yes")
    raw_limit = request.query.get("limit")
    if raw_limit is not None and (not is_number(raw_limit) or int(raw_limit) == 0):
        raise RequestError("query 'limit': expected a whole number above 0")
    raw_offset = request.query.get("offset")
    if raw_offset is not None and not is_number(raw_offset):
        raise RequestError("query 'offset': expected a whole number")
    if raw_limit or raw_offset:  # a page, sorted by SQLite: what the dashboard shows
        limit = int(raw_limit) if raw_limit else 1 << 62
        offset = int(raw_offset) if raw_offset else 0
        shown, total = await service.call("first", limit, every, offset)
    else:
        shown = await service.call("list", every)
        total = len(shown)
    now = service.clock()
    return web.json_response({"todos": [t.to_dict(now) for t in shown], "total": total})


async def add_todo(request: web.Request) -> web.Response:
    service = _service(request)
    todo = await service.call("add", *_fields(await _body(request)))
    return web.json_response({"todo": todo.to_dict(service.clock())}, status=201)


async def edit_todo(request: web.Request) -> web.Response:
    service = _service(request)
    todo_id = _path_id(request)
    try:
        todo = await service.call("edit", todo_id, *_fields(await _body(request)))
    except TodoNotFound as exc:
        raise RequestError(str(exc), 404) from None
    return web.json_response({"todo": todo.to_dict(service.clock())})


async def _each(request: web.Request, method: str) -> web.Response:
    """Complete or delete the todos a body names: all of them or, if one is unknown, none."""
    service = _service(request)
    try:
        return _answer(service, await service.call(method, _ids(await _body(request))))
    except TodoNotFound as exc:
        raise RequestError(str(exc), 404) from None


async def complete_todos(request: web.Request) -> web.Response:
    return await _each(request, "complete")


async def delete_todos(request: web.Request) -> web.Response:
    return await _each(request, "delete")


async def reopen_todo(request: web.Request) -> web.Response:
    service = _service(request)
    try:
        todo = await service.call("reopen", _path_id(request))
    except TodoNotFound as exc:
        raise RequestError(str(exc), 404) from None
    return web.json_response({"todo": todo.to_dict(service.clock())})


async def todos_changed(request: web.Request) -> web.Response:
    await _service(request).changed()
    return web.json_response({"ok": True})


def _path_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not is_number(raw) or len(raw) > 18:
        raise RequestError(f"'{raw}' is not a todo number", 404)
    return int(raw)


ROUTES = [
    web.get("/todos", list_todos),
    web.post("/todos", add_todo),
    web.post("/todos/complete", complete_todos),
    web.post("/todos/delete", delete_todos),
    web.post("/todos/changed", todos_changed),
    web.put("/todos/{id}", edit_todo),
    web.post("/todos/{id}/reopen", reopen_todo),
]
