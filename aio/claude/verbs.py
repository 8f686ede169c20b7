"""`aio claude`: start, list, stop and resume Claude Code sessions (each one a job)."""

from __future__ import annotations

import os
import sys
import time

from aio.client.arguments import fail, parser, reports_core_errors, run_subverb
from aio.client.core_client import connect
from aio.client.paths import segment
from aio.text.json_list import write_json_list

USAGE = """\
usage: aio claude new [--cwd DIR] [--worktree [--base BRANCH]] [--headless] [--model M]
                     [-- PROMPT...]
                                 start a session (interactive, or headless: `claude -p`);
                                 prints its aio number
       aio claude ls [--all] [--json]
                                 aio's sessions (--all: every session on disk too)
       aio claude stop ID         stop a session (its record is kept, resumable)
       aio claude resume ID       continue a session, under the same number
       aio claude send ID TEXT [--wait]
                                 a follow-up (with --wait, print a headless session's reply)
       aio claude show ID [--json]
                                 a session's transcript
       aio claude rm ID [--keep-worktree]
                                 forget a session that is not running (and its worktree)

ID is an aio session number or a Claude session id. Attach to a session with `aio a JOB`.
"""

LIST_FIELDS = (
    "id",
    "session_id",
    "status",
    "cwd",
    "branch",
    "title",
    "updated_at",
    "source",
    "job",
    "worktree",
    "dirty",
)


def _transcript_verb(name: str, argv: list[str]) -> int:
    """`send` and `show`, imported only when run (they are not on `ls`'s path)."""
    from aio.claude import transcript_verbs

    return getattr(transcript_verbs, name)(argv)


def _quote(ref: str) -> str:
    return segment(ref)


@reports_core_errors
def cmd_new(argv: list[str]) -> int:
    p = parser("claude new", "Start a Claude Code session (interactive or headless) as a job.")
    p.add_argument("--cwd", default=None, help="the session's folder (default: this one)")
    p.add_argument("--model", default=None, help="the model (e.g. sonnet, opus)")
    p.add_argument(
        "--worktree",
        action="store_true",
        help="run in a new git worktree of the repo, on a new branch aio/<slug>",
    )
    p.add_argument(
        "--base", default=None, help="the branch the worktree starts from (default: current)"
    )
    p.add_argument(
        "--headless",
        action="store_true",
        help="run `claude -p` with stream-json; follow-ups with `aio claude send`",
    )
    p.add_argument("prompt", nargs="*", help="a first prompt (after --)")
    args = p.parse_args(argv)
    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    if not os.path.isdir(cwd):
        return fail(f"--cwd: {args.cwd} is not a folder")
    if args.base is not None and not args.worktree:
        return fail("--base: only with --worktree")
    body = {"cwd": cwd, "model": args.model, "prompt": " ".join(args.prompt) or None}
    if args.worktree:
        body.update(worktree=True, base=args.base)
    if args.headless:
        body["headless"] = True
    answer = connect().request("POST", "/claude/sessions", body)
    print(answer["session"]["id"])
    if answer.get("note"):
        print(f"aio: claude session {answer['session']['id']} {answer['note']}", file=sys.stderr)
    return 0


def _ago(stamp: float | None) -> str:
    if stamp is None:
        return ""
    seconds = max(0, int(time.time() - stamp))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@reports_core_errors
def cmd_ls(argv: list[str]) -> int:
    p = parser("claude ls", "List aio's Claude sessions.")
    p.add_argument("--json", action="store_true", help="print the sessions as JSON")
    p.add_argument(
        "--all", action="store_true", help="also every other session on disk (~/.claude)"
    )
    args = p.parse_args(argv)
    path = "/claude/sessions?all=1" if args.all else "/claude/sessions"
    sessions = connect().request("GET", path)["sessions"]
    if args.json:
        write_json_list([{k: s.get(k) for k in LIST_FIELDS} for s in sessions])
        return 0
    if not sessions:
        print("no claude sessions (start one: aio claude new)")
        return 0
    from aio.text.table import text_table

    rows = [
        (
            "-" if s["id"] is None else str(s["id"]),
            s["status"],
            "" if s["job"] is None else str(s["job"]),
            s["cwd"] or "",
            (s["branch"] or "") + (" *" if s.get("dirty") else ""),
            s["title"] or "",
            _ago(s["updated_at"]),
            s["session_id"],
            *((s["source"],) if args.all else ()),
        )
        for s in sessions
    ]
    headers = ("ID", "STATUS", "JOB", "CWD", "BRANCH", "TITLE", "UPDATED", "SESSION")
    if args.all:
        headers = (*headers, "SOURCE")
    sys.stdout.write(text_table(headers, rows, max_widths={3: 50, 5: 40}))
    return 0


def _on_session(verb: str, description: str, action: str, said: str):
    @reports_core_errors
    def command(argv: list[str]) -> int:
        p = parser(f"claude {verb}", description)
        p.add_argument("id", help="aio session number or Claude session id")
        args = p.parse_args(argv)
        path = f"/claude/sessions/{_quote(args.id)}/{action}"
        answer = connect().request("POST", path, {})
        session = answer["session"]
        if answer.get("note"):
            print(f"claude session {session['id']}: {answer['note']}")
        elif session["job"] is None:
            print(f"claude session {session['id']}: {session['status']}")
        else:
            print(f"claude session {session['id']}: {said} job {session['job']}")
        return 0

    return command


@reports_core_errors
def cmd_rm(argv: list[str]) -> int:
    p = parser("claude rm", "Forget a session that is not running, with its worktree.")
    p.add_argument("id", help="aio session number or Claude session id")
    p.add_argument(
        "--keep-worktree", action="store_true", help="keep its worktree (its branch is kept)"
    )
    args = p.parse_args(argv)
    path = f"/claude/sessions/{_quote(args.id)}"
    if args.keep_worktree:
        path += "?keep_worktree=1"
    session = connect().request("DELETE", path)["session"]
    kept = f"; worktree kept at {session['worktree']}" if session.get("worktree") else ""
    if session.get("worktree") and not args.keep_worktree:
        kept = f"; branch {session['branch']} kept"
    print(f"claude session {session['id']}: removed{kept}")
    return 0


cmd_stop = _on_session(
    "stop", "Stop a session: its job is killed, its record kept.", "stop", "stopping"
)
cmd_resume = _on_session(
    "resume", "Continue a session in a new job, under the same aio number.", "resume", "resumed as"
)
SUBVERBS = {
    "new": cmd_new,
    "ls": cmd_ls,
    "stop": cmd_stop,
    "resume": cmd_resume,
    "rm": cmd_rm,
    "send": lambda argv: _transcript_verb("cmd_send", argv),
    "show": lambda argv: _transcript_verb("cmd_show", argv),
}


def cmd_claude(argv: list[str]) -> int:
    """Entry of `aio claude SUBVERB ...`."""
    return run_subverb("claude", USAGE, SUBVERBS, argv)
