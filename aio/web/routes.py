"""The bridge's route on the core's unix socket: `POST /web/links` makes a one-time browser
link, `{"job": N|null, "readonly": bool}`."""

from __future__ import annotations

from aiohttp import web

from aio.core.http import RequestError, read_json
from aio.jobs.manager import JobManager
from aio.web.bridge import WebBridge

BRIDGE = web.AppKey("web_bridge", WebBridge)
JOBS = web.AppKey("web_jobs", JobManager)


def add_web_routes(app: web.Application, bridge: WebBridge, jobs: JobManager) -> None:
    """Serve the link route for `bridge` on `app`."""
    app[BRIDGE] = bridge
    app[JOBS] = jobs
    app.add_routes([web.post("/web/links", web_link)])


async def web_link(request: web.Request) -> web.Response:
    bridge = request.app[BRIDGE]
    body = await read_json(request)
    job_id = None
    if body.get("job") is not None:
        job_id = request.app[JOBS].resolve(str(body["job"])).id
    if not bridge.running:
        raise RequestError(f"the browser bridge is off: {bridge.error or 'not started'}", 503)
    readonly = bool(body.get("readonly"))
    url = bridge.link(job_id, readonly)
    return web.json_response({"url": url, "job": job_id, "readonly": readonly})
