"""The core's Claude sessions API (on the unix socket).

GET    /claude/sessions               aio's sessions, oldest first (?all=1: every session on
                                      disk too, and `index`: its file count and cold build time)
POST   /claude/sessions               {"cwd", "model"?, "prompt"?, "worktree"?, "base"?}: start an
                                      interactive session (`note` says why it is queued)
GET    /claude/sessions/{ref}         one session (aio number or Claude session id)
POST   /claude/sessions/{ref}/stop    kill its job; the record is kept, resumable
POST   /claude/sessions/{ref}/resume  continue it in a new job, same aio number
DELETE /claude/sessions/{ref}         forget one not running (?keep_worktree=1 keeps its worktree)
POST   /claude/sessions/{ref}/send    {"text"}: a follow-up (a user line to a headless session,
                                      typed text and Enter to an interactive one)
GET    /claude/sessions/{ref}/transcript  ?after=N: its transcript from entry N (also for a
                                      session on disk that aio never ran)
GET    /claude/sessions/{ref}/diff    `git status` and `git diff HEAD` of its worktree (else cwd)
POST   /claude/hooks                  a hook: {"aio_session", "hook_event_name", ...}
POST   /claude/hooks/{N}              a hook as the hook entry forwards it: Claude's input as is
                                      (?complete=1 when it is all of it)
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from aio.claude.headless import MAX_MESSAGE_BYTES
from aio.claude.hook_entry import HEAD_BYTES
from aio.claude.hook_input import FIELDS, MAX_FIELD_CHARS, hook_fields
from aio.claude.process import HOOK_EVENTS
from aio.claude.service import ClaudeService
from aio.claude.worktree import session_diff
from aio.core.http import RequestError, read_json

CLAUDE = web.AppKey("claude", ClaudeService)
MAX_PROMPT_CHARS = 32 * 1024  # an argv string may be at most 128 KiB on Linux
MAX_PATH_CHARS = 4096
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}")


def add_claude_routes(app: web.Application, service: ClaudeService) -> None:
    """Serve the Claude sessions API from `service` on `app`."""
    app[CLAUDE] = service
    app.add_routes(ROUTES)


def _service(request: web.Request) -> ClaudeService:
    return request.app[CLAUDE]


def _answer(session, status: int = 200) -> web.Response:
    return web.json_response({"session": session.to_dict()}, status=status)


def _optional_text(body: dict, key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"field '{key}': expected a string")
    if len(value) > limit:
        raise RequestError(f"field '{key}': at most {limit} characters")
    if "\x00" in value:
        raise RequestError(f"field '{key}': must not contain NUL characters")
    return value


def _ref(request: web.Request) -> str:
    ref = request.match_info["ref"]
    if len(ref) > 100:
        raise RequestError("a claude session is named by its number or its session id", 404)
    return ref


async def list_sessions(request: web.Request) -> web.Response:
    """aio's sessions; with `?all=1` every session on disk too."""
    service = _service(request)
    if request.query.get("all") in ("1", "true", "yes"):
        sessions = await service.list_all()
        index = {"files": len(service.disk.sessions()), "build_seconds": service.disk.build_seconds}
        return web.json_response({"sessions": sessions, "index": index})
    return web.json_response({"sessions": [s.to_dict() for s in service.list()]})


async def new_session(request: web.Request) -> web.Response:
    body = await read_json(request)
    cwd = _optional_text(body, "cwd", MAX_PATH_CHARS)
    if not cwd:
        raise RequestError("field 'cwd': expected the session's folder (an absolute path)")
    model = _optional_text(body, "model", 100)
    if model is not None and not _MODEL.fullmatch(model):
        raise RequestError(f"field 'model': '{model}' is not a model name")
    prompt = _optional_text(body, "prompt", MAX_PROMPT_CHARS)
    worktree, base = _worktree_fields(body)
    headless = body.get("headless", False)
    if not isinstance(headless, bool):
        raise RequestError("field 'headless': expected true or false")
    service = _service(request)
    session = await service.new(cwd, model, prompt or None, worktree, base, headless=headless)
    return _answer_noting_queue(service, session, 201)


def _worktree_fields(body: dict) -> tuple[bool, str | None]:
    worktree = body.get("worktree", False)
    if not isinstance(worktree, bool):
        raise RequestError("field 'worktree': expected true or false")
    base = _optional_text(body, "base", 250)
    if base is not None and not worktree:
        raise RequestError("field 'base': a base branch is only for a new worktree")
    if base is not None and (not base.strip() or base.startswith("-")):
        raise RequestError(f"field 'base': '{base}' is not a branch name")
    return worktree, base


def _answer_noting_queue(service: ClaudeService, session, status: int = 200) -> web.Response:
    """The session, and `note` (why it waits, while it is queued for a slot)."""
    body = {"session": session.to_dict(), "note": service.queue_note(session)}
    return web.json_response(body, status=status)


async def remove_session(request: web.Request) -> web.Response:
    keep = request.query.get("keep_worktree") in ("1", "true", "yes")
    return _answer(await _service(request).remove(_ref(request), keep))


async def get_session(request: web.Request) -> web.Response:
    return _answer(_service(request).resolve(_ref(request)))


async def stop_session(request: web.Request) -> web.Response:
    return _answer(await _service(request).stop_session(_ref(request)))


async def resume_session(request: web.Request) -> web.Response:
    service = _service(request)
    return _answer_noting_queue(service, await service.resume(_ref(request)))


async def send_to_session(request: web.Request) -> web.Response:
    """A follow-up; answers once it is delivered, with its transcript entry (headless)."""
    ref = _ref(request)
    text = _optional_text(await read_json(request), "text", MAX_MESSAGE_BYTES)
    if text is None:
        raise RequestError("field 'text': expected the message to send")
    service = _service(request)
    entry = await service.send(ref, text)
    return web.json_response({"session": service.resolve(ref).to_dict(), "entry": entry})


async def get_transcript(request: web.Request) -> web.Response:
    """The transcript from entry `after` on (0: all of it)."""
    after = request.query.get("after", "0")
    if not after.isdigit() or len(after) > 12:
        raise RequestError(f"query 'after': expected an entry count, not '{after[:40]}'")
    session, entries = await _service(request).transcript(_ref(request))
    return web.json_response(
        {
            "session": session.to_dict() if session is not None else None,
            "total": len(entries),
            "entries": entries[int(after) :],
        }
    )


async def get_diff(request: web.Request) -> web.Response:
    """What changed in the session's worktree (else its cwd, when that is in git)."""
    session = _service(request).resolve(_ref(request))
    folder = session.worktree or session.cwd
    diff = await asyncio.to_thread(session_diff, folder)
    return web.json_response({"session": session.to_dict(), "folder": folder, "diff": diff})


async def post_hook(request: web.Request) -> web.Response:
    """A hook as JSON: `{"aio_session", "hook_event_name", ...}`."""
    body = await read_json(request)
    number = body.get("aio_session")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise RequestError("field 'aio_session': expected an aio session number")
    fields = {name: _optional_text(body, name, MAX_FIELD_CHARS) for name in FIELDS}
    return await _hook(request, number, fields)


async def post_raw_hook(request: web.Request) -> web.Response:
    """A hook as the hook entry forwards it: Claude's own input (at most HEAD_BYTES of it;
    `complete=1` when that is all of it), for aio session N."""
    raw = request.match_info["number"]
    if not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise RequestError(f"path: '{raw[:40]}' is not an aio session number")
    complete = request.query.get("complete", "0") == "1"
    if request.content_length is None or request.content_length > HEAD_BYTES:
        raise RequestError(f"body: expected at most {HEAD_BYTES} bytes with a Content-Length", 413)
    head = await request.content.read(HEAD_BYTES)
    return await _hook(request, int(raw), hook_fields(head, complete))


async def _hook(request: web.Request, number: int, fields: dict) -> web.Response:
    event = fields.get("hook_event_name")
    if event not in HOOK_EVENTS:
        shown = event[:60] if isinstance(event, str) else event
        raise RequestError(f"field 'hook_event_name': unknown hook event {shown!r}")
    await _service(request).hook(number, event, fields)
    return web.json_response({"ok": True})


ROUTES = [
    web.get("/claude/sessions", list_sessions),
    web.post("/claude/sessions", new_session),
    web.get("/claude/sessions/{ref}", get_session),
    web.post("/claude/sessions/{ref}/stop", stop_session),
    web.post("/claude/sessions/{ref}/resume", resume_session),
    web.post("/claude/sessions/{ref}/send", send_to_session),
    web.get("/claude/sessions/{ref}/transcript", get_transcript),
    web.get("/claude/sessions/{ref}/diff", get_diff),
    web.delete("/claude/sessions/{ref}", remove_session),
    web.post("/claude/hooks", post_hook),
    web.post("/claude/hooks/{number}", post_raw_hook),
]
