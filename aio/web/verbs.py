"""`aio web [N]`: a one-time link to the browser bridge (and a browser, where one can open)."""

from __future__ import annotations

import os
import sys

from aio.client.arguments import parser, reports_core_errors
from aio.client.core_client import connect
from aio.client.paths import segment


def can_open_browser() -> bool:
    """Whether a browser could show a window here (not over a bare SSH session, say)."""
    return bool(os.environ.get("BROWSER") or os.environ.get("DISPLAY"))


def open_browser(url: str) -> bool:
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


@reports_core_errors
def cmd_web(argv: list[str]) -> int:
    p = parser(
        "web",
        "Print a one-time link that opens the jobs page, or job N's terminal, in a browser "
        "(the link works once, for five minutes).",
    )
    p.add_argument("job", nargs="?", help="job number or name (default: the jobs page)")
    p.add_argument("--read-only", action="store_true", help="the viewer may watch but not type")
    p.add_argument("--no-open", action="store_true", help="only print the link")
    args = p.parse_args(argv)
    core = connect()
    job = None
    if args.job is not None:
        job = core.request("GET", f"/jobs/{segment(args.job)}")["job"]["id"]
    answer = core.request("POST", "/web/links", {"job": job, "readonly": args.read_only})
    print(answer["url"])
    sys.stdout.flush()
    if not args.no_open and can_open_browser():
        open_browser(answer["url"])
    return 0
