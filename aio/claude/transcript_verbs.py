"""`aio claude send` and `aio claude show`: follow-ups to a session, and its transcript."""

from __future__ import annotations

import sys
import time

from aio.claude.transcript_text import format_entry
from aio.client.arguments import fail, parser, reports_core_errors
from aio.client.core_client import connect
from aio.client.paths import segment
from aio.text.json_list import write_json
from aio.text.printable import printable

POLL_SECONDS = 0.2  # how often `send --wait` looks for the reply


def _path(ref: str, tail: str) -> str:
    return f"/claude/sessions/{segment(ref)}/{tail}"


@reports_core_errors
def cmd_show(argv: list[str]) -> int:
    p = parser("claude show", "Print a session's transcript (also of one aio never ran).")
    p.add_argument("id", help="aio session number or Claude session id")
    p.add_argument("--json", action="store_true", help="print the entries as JSON")
    args = p.parse_args(argv)
    entries = connect().request("GET", _path(args.id, "transcript"))["entries"]
    if args.json:
        write_json(entries)
    elif not entries:
        print(f"claude session {args.id}: nothing in its transcript yet")
    else:
        for entry in entries:
            print(format_entry(entry))
    return 0


@reports_core_errors
def cmd_send(argv: list[str]) -> int:
    p = parser(
        "claude send",
        "Send a follow-up: to a headless session as its next message, to an interactive one "
        "as typed text and Enter.",
    )
    p.add_argument("id", help="aio session number or Claude session id")
    p.add_argument("text", nargs="+", help="the message (its words are joined by spaces)")
    p.add_argument(
        "--wait", action="store_true", help="wait for the reply and print it (headless only)"
    )
    args = p.parse_args(argv)
    client = connect()
    if args.wait:
        session = client.request("GET", f"/claude/sessions/{segment(args.id)}")["session"]
        if session["mode"] != "headless":
            return fail(f"--wait: claude session {session['id']} is interactive, not headless")
    answer = client.request("POST", _path(args.id, "send"), {"text": " ".join(args.text)})
    number = answer["session"]["id"]
    if not args.wait:
        print(f"claude session {number}: delivered")
        return 0
    return _wait_reply(client, str(number), answer["entry"])


def _wait_reply(client, number: str, sent: dict) -> int:
    """Wait for the result of the turn `sent` began; print its text."""
    seen = 0
    ended_seen = False
    while True:
        data = client.request("GET", _path(number, f"transcript?after={seen}"))
        seen = data["total"]
        for entry in data["entries"]:
            if (
                entry.get("kind") == "result"
                and entry.get("job") == sent["job"]
                and entry.get("turn") == sent["turn"]
            ):
                if entry.get("is_error"):
                    print(
                        f"aio: claude session {number}: {printable(entry['text'])}", file=sys.stderr
                    )
                    return 1
                print(format_entry({"text": entry["text"]}))
                return 0
        if data["session"]["job"] != sent["job"]:
            if ended_seen:  # looked once more, after its output was read to the end
                print(f"aio: claude session {number} ended before it replied", file=sys.stderr)
                return 1
            ended_seen = True
        time.sleep(POLL_SECONDS)
