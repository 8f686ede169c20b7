"""What every domain's API routes share: the JSON refusal and the JSON body reader (the refusal a
handler raises, RequestError, lives in aio.core.errors). Routes import this; it imports no route."""

from __future__ import annotations

import json

from aiohttp import web

from aio.core.errors import RequestError, is_number

__all__ = ["RequestError", "error", "is_number", "query_seconds", "read_json"]


def error(message: str, status: int = 400) -> web.Response:
    """The JSON refusal every route answers with: `{"error": message}`."""
    return web.json_response({"error": message}, status=status)


async def read_json(request: web.Request) -> dict:
    """The request's body as a JSON object, or a RequestError saying it is not one."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError("request body: expected a JSON object") from None
    except RecursionError:
        raise RequestError("request body: JSON nested too deeply") from None
    if not isinstance(body, dict):
        raise RequestError("request body: expected a JSON object")
    return body


def query_seconds(request: web.Request, name: str, default: float, maximum: float) -> float:
    """The query parameter `name` as seconds from 0 to `maximum` (`default` when absent), or a
    RequestError naming it."""
    text = request.query.get(name)
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= maximum:  # also NaN
        raise RequestError(f"query '{name}': expected seconds from 0 to {maximum:g}")
    return seconds
