"""The flows' signed HTTP API on 127.0.0.1 (config `flow_port`: absent is off, 0 any free port;
`flow_secret` is required with it): the seed's paths, `POST /events`, `GET /events`,
`GET /events/{id}`, `POST /events/{id}/replay`, `GET /runs`, `GET /runs/{id}`,
`POST /runs/{id}/cancel` and `GET /healthz`.

Every request but `/healthz` is checked before anything runs, in this order:

    403  an `Origin` header that is not a loopback page (a web page must not send events)
    401  config `flow_token` set and no `Authorization: Bearer <flow_token>`
    401  a missing, bad, stale or already used signature (aio.flows.signature)
    413  a body over MAX_BODY_BYTES
"""

from __future__ import annotations

import hmac

from aiohttp import web

from aio.config.settings import Config
from aio.core.errors import RequestError
from aio.core.loopback import LoopbackListener, is_loopback_origin
from aio.core.server import error_middleware
from aio.flows.routes import FLOWS, flow_routes
from aio.flows.service import FlowService
from aio.flows.signature import SignatureCheck, SignatureRefused

MAX_BODY_BYTES = 1024 * 1024
CHECK = web.AppKey("flow_signatures", SignatureCheck)
TOKEN = web.AppKey("flow_token", str)


@web.middleware
async def guard_middleware(request: web.Request, handler):
    """Origin, bearer token and signature, before any handler runs."""
    if request.path == "/healthz":
        return await handler(request)
    origin = request.headers.get("Origin")
    if origin is not None and not is_loopback_origin(origin):
        raise RequestError(f"Origin '{origin[:80]}' refused: only loopback pages", 403)
    token = request.app.get(TOKEN)
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise RequestError("missing or wrong 'Authorization: Bearer TOKEN' (flow_token)", 401)
    body = await request.read()
    try:
        request.app[CHECK].verify(request.headers, body)
    except SignatureRefused as exc:
        raise RequestError(f"signature refused: {exc}", 401) from None
    return await handler(request)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def flow_http_app(service: FlowService, config: Config) -> web.Application:
    """The listener's application: the flows' routes at the root, behind the guard."""
    app = web.Application(
        middlewares=[error_middleware, guard_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[FLOWS] = service
    app[CHECK] = SignatureCheck(config.flow_secret or "", config.flow_legacy_signatures)
    if config.flow_token:
        app[TOKEN] = config.flow_token
    app.add_routes([web.get("/healthz", healthz), *flow_routes("")])
    return app


class FlowListener(LoopbackListener):
    """The signed loopback listener, on when `flow_port` is set; its state is in
    `service.http` (what `aio flow ls` shows)."""

    def __init__(self, service: FlowService, config: Config) -> None:
        super().__init__("flows", lambda: flow_http_app(service, config), config.flow_port or 0)
        self.service = service
        self.enabled = config.flow_port is not None and bool(config.flow_secret)

    async def start(self) -> None:
        if not self.enabled:
            return
        await super().start()
        self.service.http = {"enabled": True, "url": self.url, "error": self.error}

    async def stop(self) -> None:
        await super().stop()
        if self.enabled:
            self.service.http = {"enabled": True, "url": None, "error": "stopped"}
