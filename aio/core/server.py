"""The core's local API on the unix socket: the application, its error handling, and the routes
that belong to the core itself. Each domain adds its own routes (see `aio.core.daemon`).

    GET    /health                 who is serving
    POST   /shutdown               stop the core (running jobs are killed)
    ...                            jobs, tasks, events: aio/jobs/routes.py
    ...                            todos: aio/todos/routes.py
    ...                            external CLIs: aio/clis/routes.py
    ...                            browser links: aio/web/routes.py

Errors are JSON `{"error": "..."}` with a 4xx status; a client's mistake never stops the core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from aio.core.http import RequestError, error

log = logging.getLogger("aio.core.server")


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Refusals become JSON errors; anything unexpected is logged and answered 500."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return error(f"{request.method} {request.path}: {exc.reason}", exc.status)
        raise
    except RequestError as exc:
        return error(str(exc), exc.status)
    except Exception as exc:
        log.exception("%s %s failed", request.method, request.path)
        return error(f"internal error: {type(exc).__name__}: {exc}", 500)


def build_app(health: Callable[[], dict], request_stop: Callable[[], None]) -> web.Application:
    """The application with the core's own routes; `health()` is the /health answer."""

    async def health_route(_request: web.Request) -> web.Response:
        return web.json_response(health())

    async def shutdown_route(_request: web.Request) -> web.Response:
        request_stop()
        return web.json_response({"ok": True, "stopping": True})

    app = web.Application(middlewares=[error_middleware], client_max_size=2 * 1024 * 1024)
    app.add_routes([web.get("/health", health_route), web.post("/shutdown", shutdown_route)])
    return app
