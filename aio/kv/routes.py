"""The KV store's HTTP API: to worklet processes on the loopback listener (aio.kv.listener),
and to aio's own clients on the core's unix socket. Both run the same methods
(aio.kv.methods: a JSON object of parameters in, `{"result": ...}` out).

For worklets, under the base URL `KvService.url` (`http://127.0.0.1:PORT/kv/v1`, a worklet's
`AIO_KV_URL`):

    POST /kv/v1/{method}          `Authorization: Bearer TOKEN`; the token says which worklet
    GET  /kv/v1/client.mjs        the JavaScript client (no token needed)

    401  no token, or one that names no worklet (same answer for a forged and a revoked one)
    403  an `Origin` header that is not a loopback page (a web page must not drive the store)
    404  no such method;  405  not POST;  413  a body over MAX_BODY_BYTES
    400  a parameter that breaks a rule, names a worklet, or is unknown
    503  the store's database cannot be reached

On the unix socket (private to the user; the worklet is named by the caller):

    GET    /kv                          {"url", "backend", "error"}
    POST   /kv/worklets/{ref}/token     a new token for the worklet (the old one stops working):
                                        {"token", "url"}
    DELETE /kv/worklets/{ref}/token     revoke the worklet's token
    DELETE /kv/worklets/{ref}           remove all the worklet's data: {"result": keys removed}
    POST   /kv/worklets/{ref}/{method}  a method on the worklet's store

Every error is `{"error", "code", "kind"}` (aio.kv.errors).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from importlib import resources

from aiohttp import web

from aio.core.loopback import is_loopback_origin
from aio.kv.errors import KVAuthError, KVError, KVValidationError
from aio.kv.methods import METHODS
from aio.kv.service import KvService
from aio.kv.validation import MAX_VALUE_BYTES

log = logging.getLogger("aio.kv.routes")
MAX_BODY_BYTES = MAX_VALUE_BYTES + 64 * 1024  # one 1 MiB value and its parameters
MAX_SOCKET_BODY_BYTES = 64 * 1024 * 1024  # `aio kv W import` of a large export

Resolve = Callable[[str], int]
KV = web.AppKey("kv", KvService)
RESOLVE = web.AppKey("kv_resolve", object)


def _answer(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="application/json")


def _refusal(exc: KVError, status: int | None = None) -> web.Response:
    return web.json_response(exc.to_dict(), status=status or exc.status)


def _method(request: web.Request) -> str | None:
    name = request.match_info["method"]
    return name if name in METHODS else None


def _no_method(name: str) -> web.Response:
    known = ", ".join(METHODS)
    error = KVValidationError(f"no KV method '{name[:60]}' (known: {known})", "UNKNOWN_METHOD")
    return _refusal(error, 404)


class BodyTooLarge(KVValidationError):
    """A request body past the limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body: more than {limit} bytes", "TOO_LARGE")

    @property
    def status(self) -> int:
        return 413


async def read_params(request: web.Request, limit: int) -> object:
    """The body as JSON (empty: `{}`), read at most `limit` bytes far."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit)
    data = bytearray()
    while chunk := await request.content.read(65536):
        data += chunk
        if len(data) > limit:
            raise BodyTooLarge(limit)
    if not data.strip():
        return {}
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:  # also a number too long to convert
        raise KVValidationError(f"request body: not valid JSON ({exc})") from None
    except RecursionError:
        raise KVValidationError("request body: JSON nested too deeply") from None


async def _run(service: KvService, worklet: int, method: str, request: web.Request, limit: int):
    try:
        params = await read_params(request, limit)
        return _answer(await service.call(worklet, method, params))
    except KVError as exc:
        return _refusal(exc)


# The worklets' listener


def worklet_for_request(service: KvService, request: web.Request) -> int:
    """The worklet whose token the request carries, or a KVAuthError saying what is wrong."""
    header = request.headers.get("Authorization")
    if header is None:
        raise KVAuthError(
            "missing 'Authorization: Bearer TOKEN' (a worklet has it in AIO_KV_TOKEN)"
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KVAuthError("Authorization: expected 'Bearer TOKEN'")
    worklet = service.worklet_for_token(token.strip())
    if worklet is None:
        raise KVAuthError("the token names no worklet (wrong, revoked or replaced)")
    return worklet


async def worklet_call(request: web.Request) -> web.Response:
    service = request.app[KV]
    origin = request.headers.get("Origin")
    if origin is not None and not is_loopback_origin(origin):
        error = KVAuthError(f"Origin '{origin[:80]}' refused: only loopback pages", "FORBIDDEN")
        return _refusal(error, 403)
    try:
        worklet = worklet_for_request(service, request)
    except KVAuthError as exc:
        response = _refusal(exc)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    method = _method(request)
    if method is None:
        return _no_method(request.match_info["method"])
    return await _run(service, worklet, method, request, MAX_BODY_BYTES)


@functools.cache
def _javascript_text() -> str:
    """The served ES module, read once (a file read a request would block the loop)."""
    return resources.files("aio.data").joinpath("kv", "kv.mjs").read_text("utf-8")


async def javascript_client(_request: web.Request) -> web.Response:
    text = _javascript_text()
    return web.Response(
        text=text,
        content_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


async def not_post(request: web.Request) -> web.Response:
    error = KVValidationError(f"{request.method} {request.path}: KV methods are POSTed", "METHOD")
    return _refusal(error, 405)


def worklet_app(service: KvService) -> web.Application:
    """The application the worklets' listener serves."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[KV] = service
    app.add_routes(
        [
            web.get("/kv/v1/client.mjs", javascript_client),
            web.post("/kv/v1/{method}", worklet_call),
            web.route("*", "/kv/v1/{method}", not_post),
        ]
    )
    return app


# aio's own clients, on the unix socket


def add_kv_routes(app: web.Application, service: KvService, resolve: Resolve) -> None:
    """Serve the KV store on the core's socket; `resolve(ref)` names a worklet's id from a
    number or a name (or raises RequestError 404)."""
    app[KV] = service
    app[RESOLVE] = resolve
    app.add_routes(SOCKET_ROUTES)


async def _worklet(request: web.Request) -> int:
    return request.app[RESOLVE](request.match_info["ref"])


async def kv_status(request: web.Request) -> web.Response:
    service = request.app[KV]
    body = {"url": service.url, "backend": service.backend_name, "error": service.error}
    return web.json_response(body)


async def issue_token(request: web.Request) -> web.Response:
    service = request.app[KV]
    try:
        token = await service.issue_token(await _worklet(request))
    except KVError as exc:
        return _refusal(exc)
    return web.json_response({"token": token, "url": service.url})


async def revoke_token(request: web.Request) -> web.Response:
    try:
        await request.app[KV].revoke(await _worklet(request))
    except KVError as exc:
        return _refusal(exc)
    return web.json_response({"ok": True})


async def drop_data(request: web.Request) -> web.Response:
    try:
        removed = await request.app[KV].drop_data(await _worklet(request))
    except KVError as exc:
        return _refusal(exc)
    return web.json_response({"result": removed})


async def socket_call(request: web.Request) -> web.Response:
    worklet = await _worklet(request)
    method = _method(request)
    if method is None:
        return _no_method(request.match_info["method"])
    return await _run(request.app[KV], worklet, method, request, MAX_SOCKET_BODY_BYTES)


SOCKET_ROUTES = [
    web.get("/kv", kv_status),
    web.post("/kv/worklets/{ref}/token", issue_token),
    web.delete("/kv/worklets/{ref}/token", revoke_token),
    web.delete("/kv/worklets/{ref}", drop_data),
    web.post("/kv/worklets/{ref}/{method}", socket_call),
]
