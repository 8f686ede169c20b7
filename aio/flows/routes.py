"""The flows' API: on the core's unix socket under `/flows` (aio's own clients; the socket is
private, so unsigned), and the same operations at the root of the signed loopback listener
(aio.flows.listener, the seed's paths).

    GET    /flows                          flows, manifest errors, shadowed flows, HTTP state
    POST   /flows/check                    {type, payload, ...}: the steps it would run now and
                                           those whose schema refuses it; records nothing
    POST   /flows/events                   an event {id, type, source?, occurredAt?, payload}
                                           -> 202 {status: accepted|duplicate, eventId, runIds,
                                           matched, unmatched?, idempotent?}
    GET    /flows/events                   ?type=T&limit=N: the newest events first
    GET    /flows/events/{id}              {event, runs}
    GET    /flows/events/{id}/wait         ?timeout=S: {event, runs} once its runs have ended
    POST   /flows/events/{id}/replay       new runs for the steps it matches now
    GET    /flows/runs                     ?status=S&eventId=E&limit=N: the newest runs first
    GET    /flows/runs/{id}                {run}
    POST   /flows/runs/{id}/cancel         kill its attempt; {run} once it has ended

Every change is also an event on the socket's `/events` stream: {"type": "flow_event", "event"},
{"type": "flow_run", "run"} and {"type": "flows_changed"} (then GET /flows again).
"""

from __future__ import annotations

import json

from aiohttp import web

from aio.core.http import RequestError, query_seconds, read_json
from aio.flows.model import PROCESS_STATUSES, RESULT_STATUSES
from aio.flows.service import DEFAULT_LIST, MAX_LIST, FlowService

FLOWS = web.AppKey("flows", FlowService)
MAX_WAIT_SECONDS = 3600.0
STATUSES = tuple(dict.fromkeys((*PROCESS_STATUSES, *RESULT_STATUSES)))


def add_flow_routes(app: web.Application, service: FlowService) -> None:
    """Serve the flows API from `service` on the core's socket app, under /flows."""
    app[FLOWS] = service
    app.add_routes(
        [
            web.get("/flows", list_flows),
            web.post("/flows/check", check_event),
            *flow_routes("/flows"),
        ]
    )


def flow_routes(prefix: str) -> list[web.RouteDef]:
    """The event and run routes under `prefix` ("" on the signed listener)."""
    return [
        web.post(f"{prefix}/events", dispatch_event),
        web.get(f"{prefix}/events", list_events),
        web.get(f"{prefix}/events/{{id}}", get_event),
        web.get(f"{prefix}/events/{{id}}/wait", wait_event),
        web.post(f"{prefix}/events/{{id}}/replay", replay_event),
        web.get(f"{prefix}/runs", list_runs),
        web.get(f"{prefix}/runs/{{id}}", get_run),
        web.post(f"{prefix}/runs/{{id}}/cancel", cancel_run),
    ]


def _service(request: web.Request) -> FlowService:
    return request.app[FLOWS]


def _limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None:
        return DEFAULT_LIST
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_LIST:
        raise RequestError(f"limit: expected a whole number from 1 to {MAX_LIST}")
    return int(text)


def _option(request: web.Request, key: str) -> str | None:
    value = request.query.get(key)
    if value is not None and (not value or len(value) > 500):
        raise RequestError(f"{key}: expected a non-empty value of at most 500 characters")
    return value


async def list_flows(request: web.Request) -> web.Response:
    return web.json_response(_service(request).listing())


async def check_event(request: web.Request) -> web.Response:
    """What an event would run (the dashboard's dispatch form checks as the user types)."""
    return web.json_response(_service(request).check(await read_json(request)))


async def dispatch_event(request: web.Request) -> web.Response:
    answer = await _service(request).dispatch(await read_json(request))
    return web.json_response(answer, status=202)


async def list_events(request: web.Request) -> web.Response:
    events = _service(request).list_events(_option(request, "type"), _limit(request))
    return web.json_response({"events": events})


async def get_event(request: web.Request) -> web.Response:
    return web.json_response(_service(request).get_event(request.match_info["id"]))


async def wait_event(request: web.Request) -> web.Response:
    timeout = query_seconds(request, "timeout", 30.0, MAX_WAIT_SECONDS)
    answer = await _service(request).wait_event(request.match_info["id"], timeout)
    return web.json_response(answer)


async def replay_event(request: web.Request) -> web.Response:
    if request.can_read_body:
        await _ignored_body(request)
    answer = await _service(request).replay(request.match_info["id"])
    return web.json_response(answer, status=202)


async def _ignored_body(request: web.Request) -> None:
    """A replay or cancel may carry a JSON body (the seed's `{wait}`); it must be JSON."""
    text = await request.text()
    if text.strip():
        try:
            json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise RequestError("request body: expected JSON") from None


async def list_runs(request: web.Request) -> web.Response:
    status = _option(request, "status")
    if status is not None and status not in STATUSES:
        raise RequestError(f"status: expected one of {', '.join(STATUSES)}")
    runs = _service(request).list_runs(status, _option(request, "eventId"), _limit(request))
    return web.json_response({"runs": runs})


async def get_run(request: web.Request) -> web.Response:
    run = _service(request).get_run(request.match_info["id"])
    return web.json_response({"run": run.to_dict()})


async def cancel_run(request: web.Request) -> web.Response:
    if request.can_read_body:
        await _ignored_body(request)
    run = await _service(request).cancel(request.match_info["id"])
    return web.json_response({"run": run.to_dict()})
