"""What every domain's API routes share: the refusal a handler raises, its JSON answer, and the
JSON body reader. A leaf module: routes import it, it imports no route."""

from __future__ import annotations

import json

from aiohttp import web


class RequestError(Exception):
    """A request that cannot be met; `status` is the HTTP status to answer with (4xx: the
    client's mistake, 5xx: the core's)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error(message: str, status: int = 400) -> web.Response:
    """The JSON refusal every route answers with: `{"error": message}`."""
    return web.json_response({"error": message}, status=status)


async def read_json(request: web.Request) -> dict:
    """The request's body as a JSON object, or a RequestError saying it is not one."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError("request body: expected a JSON object") from None
    if not isinstance(body, dict):
        raise RequestError("request body: expected a JSON object")
    return body
