"""The Claude screen against a real core whose sessions are real: the `claude` CLI in a job's
PTY, pointed at the Messages API stub (the `claude_core` fixture), its status from its hooks."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

from claude_harness import ClaudeHome
from core_harness import AioHome, make_repo
from pilot_harness import Dashboard, open_dashboard
from textual.widgets import Input, Static

from aio.screens import messages
from aio.screens.claude import ClaudeScreen
from aio.screens.claude_forms import NewSessionScreen, RemoveScreen, SendScreen
from aio.screens.confirm import ConfirmScreen
from aio.screens.log_view import LogScreen, LogView
from aio.widgets.claude_table import ClaudeTable
from aio.widgets.transcript_view import TranscriptView

TUI_PROMPT = "shift+tab to cycle"  # the TUI's prompt line, once it is up


def status_cell(dash: Dashboard, number: int) -> str | None:
    table = dash.app.screen.query_one(ClaudeTable)
    if str(number) not in table.sessions:
        return None
    return table.get_cell(str(number), "status").plain


def statuses_seen(dash: Dashboard, number: int) -> list[str]:
    return [
        m.session["status"]
        for m in dash.log.of(messages.ClaudeSessionChanged)
        if m.session["id"] == number
    ]


async def post_hook(home: AioHome, number: int, session_id: str, event: str) -> None:
    """Run the real `aio hook` as Claude does (its JSON on stdin)."""
    hook = {"session_id": session_id, "hook_event_name": event}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aio",
        "hook",
        stdin=asyncio.subprocess.PIPE,
        env={**home.env, "AIO_CLAUDE_SESSION": str(number)},
    )
    await proc.communicate(json.dumps(hook).encode())
    assert proc.returncode == 0


async def start_from_the_form(dash: Dashboard, folder: str) -> int:
    """Press 4 then n, fill the folder, submit; the new session's number."""
    await dash.pilot.press("4")
    await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "the Claude screen")
    await dash.pilot.press("n")
    await dash.wait(lambda: isinstance(dash.app.screen, NewSessionScreen), "the new form")
    dash.app.screen.query_one("#claude-folder", Input).value = folder
    await dash.pilot.pause()
    await dash.pilot.click("#claude-start")
    try:
        note = await dash.wait_notification("started")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the toasts: {dash.log.notifications()}") from None
    return int(note.split("claude session ")[1].split()[0])


def transcript_text(dash: Dashboard) -> str:
    view = dash.app.screen.query_one(TranscriptView)
    return "\n".join(strip.text for strip in view.lines) if view.display else ""


async def test_the_empty_state_says_what_the_screen_is_for(core: AioHome) -> None:
    async with open_dashboard(core.path) as dash:
        await dash.pilot.press("4")
        await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "the Claude screen")
        empty = dash.app.screen.query_one("#claude-empty", Static)
        assert empty.display and not dash.app.screen.query_one(ClaudeTable).display
        assert "Press n to start a session" in str(empty.render())
        await dash.pilot.press("1")  # the other screens' keys still work from here
        await dash.wait(lambda: dash.app.current_mode == "jobs", "the Jobs screen")


async def test_a_session_shows_live_from_its_hooks_with_its_tui_and_rings_when_waiting(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    async with open_dashboard(claude_core.path) as dash:
        rings: list[None] = []
        ring = dash.app.bell
        dash.app.bell = lambda: (rings.append(None), ring())[1]
        number = await start_from_the_form(dash, str(claude_home.work))
        await dash.wait(lambda: status_cell(dash, number) == "idle", "the row to turn idle", 30)
        assert "starting" in statuses_seen(dash, number), statuses_seen(dash, number)
        assert statuses_seen(dash, number)[-1] == "idle"
        await dash.wait_preview(TUI_PROMPT, timeout=20)
        session = dash.app.claude_sessions[number]
        assert dash.preview.border_title.startswith(f"claude {number} · job #{session['job']}")

        await dash.pilot.press("1")  # the ring comes in any screen
        await post_hook(claude_core, number, session["session_id"], "PermissionRequest")
        toast = await dash.wait_notification(f"claude session {number} ", "warning")
        assert "waiting for you" in toast and rings == [None]
        await dash.pilot.press("4")
        assert status_cell(dash, number) == "waiting"


async def test_s_asks_first_then_stops_the_session(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    async with open_dashboard(claude_core.path) as dash:
        number = await start_from_the_form(dash, str(claude_home.work))
        await dash.wait(lambda: status_cell(dash, number) == "idle", "the row to turn idle", 30)
        await dash.pilot.press("s")
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("n")  # no: nothing happens
        await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "the question gone")
        assert claude_core.request("GET", f"/claude/sessions/{number}")["session"]["job"]
        await dash.pilot.press("s")
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("enter")
        await dash.wait(lambda: status_cell(dash, number) == "ended", "the row to end", 20)
        note = dash.app.screen.query_one("#claude-note", Static)
        await dash.wait(lambda: note.display, "the no-job line")
        assert "no job is running it" in str(note.render())


async def test_d_shows_sessions_started_outside_aio_marked_and_r_resumes_one(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    outside = str(uuid.uuid4())
    run = claude_home.headless("--session-id", outside)
    run.send("started outside aio", close=True)
    assert run.finish() == 0, run.stderr()
    async with open_dashboard(claude_core.path) as dash:
        await dash.pilot.press("4")
        await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "the Claude screen")
        table = dash.app.screen.query_one(ClaudeTable)
        assert not table.sessions  # aio's own: none
        await dash.pilot.press("d")
        key = f"ext:{outside}"
        await dash.wait(lambda: key in table.sessions, "the outside session's row", 20)
        assert table.get_cell(key, "id").plain == "ext"
        assert "started outside aio" in table.get_cell(key, "title")
        note = dash.app.screen.query_one("#claude-note", Static)
        assert "this external session is ended" in str(note.render())

        await dash.pilot.press("r")  # resumed in aio: its row becomes aio's, with a number
        number = await dash.wait(
            lambda: next((s["id"] for s in dash.app.claude_sessions.values()), None),
            "the session to get an aio number",
        )
        await dash.wait(lambda: str(number) in table.sessions, "its aio row")
        assert key not in table.sessions
        await dash.wait(lambda: status_cell(dash, number) == "idle", "the resumed one idle", 30)
        await dash.pilot.press("d")  # back to aio's own sessions
        await dash.wait(lambda: list(table.sessions) == [str(number)], "aio's sessions only")


async def test_a_headless_session_streams_its_transcript_and_m_sends_a_follow_up(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    body = {"cwd": str(claude_home.work), "prompt": "first words", "headless": True}
    number = claude_core.request("POST", "/claude/sessions", body)["session"]["id"]
    async with open_dashboard(claude_core.path) as dash:
        await dash.pilot.press("4")
        await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "the Claude screen")
        await dash.wait(
            lambda: "stub reply to: first words" in transcript_text(dash), "the first reply", 30
        )
        assert "> first words" in transcript_text(dash)
        assert not dash.app.screen.query_one("#preview").display  # no terminal: a transcript
        await dash.wait(lambda: status_cell(dash, number) == "idle", "the turn to end", 30)

        await dash.pilot.press("m")
        await dash.wait(lambda: isinstance(dash.app.screen, SendScreen), "the send dialog")
        dash.app.screen.query_one("#claude-text", Input).value = "second words"
        await dash.pilot.press("enter")
        await dash.wait_notification(f"claude session {number}: delivered")
        # The follow-up and its reply stream in as they come (core events, no reload).
        await dash.wait(
            lambda: "stub reply to: second words" in transcript_text(dash), "the second reply", 30
        )
        text = transcript_text(dash)
        assert text.index("> second words") > text.index("stub reply to: first words")
        assert text.count("stub reply to: first words") == 1  # nothing shown twice


async def test_w_shows_the_worktree_diff_and_x_removes_keeping_the_worktree(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    from test_claude_sessions import trust

    repo = claude_home.root / "repo"
    make_repo(repo)
    trust(claude_home, claude_core.path / "claude" / "1" / "worktree")
    body = {"cwd": str(repo), "worktree": True, "prompt": "hi", "headless": True}
    session = claude_core.request("POST", "/claude/sessions", body)["session"]
    tree = Path(session["worktree"])
    (tree / "readme.txt").write_text("changed by claude\n")
    async with open_dashboard(claude_core.path) as dash:
        await dash.pilot.press("4")
        await dash.wait(lambda: status_cell(dash, 1) == "idle", "the session idle", 30)
        await dash.pilot.press("x")  # running: refused, nothing asked
        await dash.wait_notification("it is running: stop it first (s)")
        await dash.pilot.press("w")
        await dash.wait(lambda: isinstance(dash.app.screen, LogScreen), "the diff view")
        view = dash.app.screen.query_one(LogView)
        lines = [view.plain(i) for i in range(len(view.lines))]
        diff = [line for line in lines if line.startswith(("+", "-"))]
        assert "-main" in diff and "+changed by claude" in diff, lines
        await dash.pilot.press("escape")
        await dash.wait(lambda: isinstance(dash.app.screen, ClaudeScreen), "back")

        claude_core.request("POST", "/claude/sessions/1/stop")
        await dash.wait(lambda: status_cell(dash, 1) == "ended", "the session ended", 20)
        await dash.pilot.press("x")
        await dash.wait(lambda: isinstance(dash.app.screen, RemoveScreen), "the question")
        await dash.pilot.press("enter")  # with a worktree, Enter alone says nothing
        assert isinstance(dash.app.screen, RemoveScreen)
        await dash.pilot.press("k")
        await dash.wait(
            lambda: (
                isinstance(dash.app.screen, ClaudeScreen)
                and "1" not in dash.app.screen.query_one(ClaudeTable).sessions
            ),
            "the row gone",
        )
        assert 1 not in dash.app.claude_sessions
        assert (tree / "readme.txt").read_text() == "changed by claude\n"  # kept
