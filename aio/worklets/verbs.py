"""`aio wl`: worklets, prototypes from git repositories, each a build job and a server job."""

from __future__ import annotations

import os
import sys
import time

from aio.client.arguments import fail, parser, reports_core_errors, run_subverb
from aio.client.core_client import connect
from aio.client.paths import segment
from aio.text.json_list import write_json_list
from aio.text.printable import printable

USAGE = """\
usage: aio wl add REPO [--branch B] [--name N] [--env K=V ...] [--wait]
                                 clone a git URL or local repo, build it and run it
       aio wl ls [--json]         worklets: status, port, URL, last error
       aio wl start|restart ID [--build] [--wait]
       aio wl stop ID             stop its build and its server
       aio wl logs ID [-f] [--build]
                                 its server's log (--build: its build's); -f follows
       aio wl open ID [--browser] print its URL (and open it in a browser)
       aio wl pull ID [--wait]    fetch, fast-forward, rebuild and restart
       aio wl prompt ID TEXT      a Claude session on its code; it restarts when that ends
       aio wl pr ID [--title T]   its changes on a new branch aio/wl-NAME-STAMP, pushed
       aio wl rm ID [--data]      remove it (--data: its KV data too)

ID is a worklet's number or name. Its jobs (wl-NAME-build, wl-NAME) are on the Jobs screen.
"""

LIST_FIELDS = (
    "id", "name", "repo", "branch", "status", "port", "url", "error",
    "plan", "commit", "build_job", "run_job", "session", "folder",
)  # fmt: skip
WAIT_SLICE = 50.0  # seconds per wait request (under the client's socket timeout)


def _path(ref: str, action: str = "") -> str:
    return f"/worklets/{segment(ref)}" + (f"/{action}" if action else "")


def _line(worklet: dict) -> str:
    """A worklet in a line, printable (its error may quote its repository's build command)."""
    return printable(_said(worklet))


def _said(worklet: dict) -> str:
    status = worklet["status"]
    if status == "running":
        return f"worklet {worklet['id']} {worklet['name']}: running at {worklet['url']}"
    if status == "building":
        return f"worklet {worklet['id']} {worklet['name']}: building (job {worklet['build_job']})"
    if status == "starting":
        return f"worklet {worklet['id']} {worklet['name']}: starting (job {worklet['run_job']})"
    said = f": {worklet['error']}" if worklet.get("error") else ""
    return f"worklet {worklet['id']} {worklet['name']}: {status}{said}"


def _settle(core, worklet: dict, timeout: float) -> int:
    """Wait until the worklet is running, stopped or in error; print it; 0 only if running."""
    deadline = time.monotonic() + timeout
    while worklet["status"] not in ("running", "stopped", "error"):
        left = deadline - time.monotonic()
        if left <= 0:
            return fail(f"{_line(worklet)}; still not running after {timeout:.0f} s", 1)
        path = f"{_path(str(worklet['id']), 'wait')}?timeout={min(left, WAIT_SLICE):.1f}"
        worklet = core.request("GET", path)["worklet"]
    if worklet["status"] != "running":
        return fail(_line(worklet), 1)
    print(_line(worklet))
    return 0


def _wait_option(p) -> None:
    p.add_argument("--wait", action="store_true", help="wait until it runs (exit 1 if it fails)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds --wait waits (600)")


@reports_core_errors
def cmd_add(argv: list[str]) -> int:
    p = parser("wl add", "Clone a git repository as a worklet, build it and run it.")
    p.add_argument("repo", help="a git URL or a local repository's folder")
    p.add_argument("--branch", default=None, help="the branch to check out (default: its HEAD)")
    p.add_argument("--name", default=None, help="its name (default: from the repository)")
    p.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="an environment variable"
    )
    _wait_option(p)
    args = p.parse_args(argv)
    from aio.worklets.git_ops import is_url
    from aio.worklets.model import ENV_NAME

    env: dict[str, str] = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not ENV_NAME.fullmatch(key):
            return fail(f"--env {item!r}: expected NAME=VALUE with NAME of letters, digits and _")
        env[key] = value
    repo = args.repo if is_url(args.repo) else os.path.abspath(args.repo)
    body = {"repo": repo, "branch": args.branch, "name": args.name, "env": env}
    core = connect()
    worklet = core.request("POST", "/worklets", body)["worklet"]
    if args.wait:
        return _settle(core, worklet, args.timeout)
    print(_line(worklet))
    return 0


@reports_core_errors
def cmd_ls(argv: list[str]) -> int:
    p = parser("wl ls", "List the worklets.")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    args = p.parse_args(argv)
    worklets = connect().request("GET", "/worklets")["worklets"]
    if args.json:
        write_json_list([{k: w.get(k) for k in LIST_FIELDS} for w in worklets])
        return 0
    if not worklets:
        print("no worklets (add one: aio wl add REPO)")
        return 0
    from aio.text.table import text_table

    rows = [
        (
            str(w["id"]), w["name"], w["status"], w["url"] or "", w["branch"] or "",
            w["repo"], w["error"] or "",
        )
        for w in worklets
    ]  # fmt: skip
    headers = ("ID", "NAME", "STATUS", "URL", "BRANCH", "REPO", "ERROR")
    sys.stdout.write(text_table(headers, rows, max_widths={5: 50, 6: 80}))
    return 0


def _control(verb: str, description: str, build: bool, wait: bool):
    @reports_core_errors
    def command(argv: list[str]) -> int:
        p = parser(f"wl {verb}", description)
        p.add_argument("id", help="worklet number or name")
        if build:
            p.add_argument("--build", action="store_true", help="run its build first")
        if wait:
            _wait_option(p)
        args = p.parse_args(argv)
        body = {"build": True} if build and args.build else {}
        core = connect()
        worklet = core.request("POST", _path(args.id, verb), body)["worklet"]
        if wait and args.wait:
            return _settle(core, worklet, args.timeout)
        print(_line(worklet))
        return 0

    return command


cmd_start = _control("start", "Start a stopped worklet.", build=True, wait=True)
cmd_restart = _control("restart", "Stop a worklet, then start it.", build=True, wait=True)
cmd_stop = _control("stop", "Stop a worklet's build and server.", build=False, wait=False)
cmd_pull = _control("pull", "Fetch, fast-forward, rebuild, restart.", build=False, wait=True)


@reports_core_errors
def cmd_logs(argv: list[str]) -> int:
    p = parser("wl logs", "Print a worklet's server log (the output of its run job).")
    p.add_argument("id", help="worklet number or name")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing until it ends")
    p.add_argument("--build", action="store_true", help="its build's log instead")
    args = p.parse_args(argv)
    worklet = connect().request("GET", _path(args.id))["worklet"]
    job = worklet["build_job"] if args.build else worklet["run_job"]
    if job is None:
        what = "built" if args.build else "run"
        return fail(f"worklet {worklet['id']} has not been {what} yet", 1)
    from aio.jobs.verbs import cmd_log

    return cmd_log([str(job), *(["-f"] if args.follow else [])])


@reports_core_errors
def cmd_open(argv: list[str]) -> int:
    p = parser("wl open", "Print a running worklet's URL.")
    p.add_argument("id", help="worklet number or name")
    p.add_argument("--browser", action="store_true", help="also open it in a web browser")
    args = p.parse_args(argv)
    worklet = connect().request("GET", _path(args.id))["worklet"]
    if worklet["status"] != "running":
        return fail(_line(worklet), 1)
    print(worklet["url"])
    if args.browser:
        import webbrowser

        if not webbrowser.open(worklet["url"]):
            return fail("no web browser could be opened", 1)
    return 0


@reports_core_errors
def cmd_prompt(argv: list[str]) -> int:
    p = parser("wl prompt", "Ask Claude to change a worklet (a headless session in its clone).")
    p.add_argument("id", help="worklet number or name")
    p.add_argument("text", nargs="+", help="the prompt")
    args = p.parse_args(argv)
    answer = connect().request("POST", _path(args.id, "prompt"), {"text": " ".join(args.text)})
    session, worklet = answer["session"], answer["worklet"]
    print(
        f"worklet {worklet['id']}: claude session {session['id']} (job {session['job']}); "
        f"it restarts when the session ends (follow: aio claude show {session['id']})"
    )
    return 0


@reports_core_errors
def cmd_pr(argv: list[str]) -> int:
    p = parser("wl pr", "Commit a worklet's changes to a new branch and push it.")
    p.add_argument("id", help="worklet number or name")
    p.add_argument("--title", default=None, help="the commit's and pull request's title")
    args = p.parse_args(argv)
    answer = connect().request("POST", _path(args.id, "pr"), {"title": args.title})
    print(printable(answer["branch"]))
    if answer.get("pr"):
        print(printable(answer["pr"]))
    elif answer.get("pr_error"):
        print(printable(f"aio: gh pr create failed: {answer['pr_error']}"), file=sys.stderr)
    return 0


@reports_core_errors
def cmd_rm(argv: list[str]) -> int:
    p = parser("wl rm", "Remove a worklet: its server, its clone and its record.")
    p.add_argument("id", help="worklet number or name")
    p.add_argument("--data", action="store_true", help="also delete its KV data")
    args = p.parse_args(argv)
    path = _path(args.id) + ("?data=1" if args.data else "")
    worklet = connect().request("DELETE", path)["worklet"]
    kept = "its KV data deleted" if args.data else "its KV data kept"
    print(f"worklet {worklet['id']} {worklet['name']}: removed ({kept})")
    return 0


SUBVERBS = {
    "add": cmd_add,
    "ls": cmd_ls,
    "start": cmd_start,
    "stop": cmd_stop,
    "restart": cmd_restart,
    "logs": cmd_logs,
    "open": cmd_open,
    "pull": cmd_pull,
    "prompt": cmd_prompt,
    "pr": cmd_pr,
    "rm": cmd_rm,
}


def cmd_wl(argv: list[str]) -> int:
    """Entry of `aio wl SUBVERB ...`."""
    return run_subverb("wl", USAGE, SUBVERBS, argv)
