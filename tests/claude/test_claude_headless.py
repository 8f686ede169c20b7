"""Headless Claude sessions: the real core runs the real `claude -p` (stream-json both ways) as a
job against the Messages API stub; the core writes each user message to the job's stdin FIFO
and keeps the transcript from the job's stream-json output."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import threading
import uuid
from pathlib import Path

import aiohttp
import pytest
from claude_harness import ClaudeHome
from core_harness import AioHome, aio_command, wait_for
from messages_stub import MessagesStub, ToolUse, echo_responder, user_texts
from test_claude_cli_stub import FIVE_MB, MIB, tool_use_then_text
from test_claude_sessions import held_turns, session, wait_screen, wait_session

from aio.client.core_client import CoreError


class BusEvents:
    """The core's event stream (`/events`), read by a thread into `events`."""

    def __init__(self, home: AioHome) -> None:
        self.socket = str(home.path / "core.sock")
        self.events: list[dict] = []
        self._connected = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._read()), daemon=True)
        self._thread.start()
        assert self._connected.wait(30), "the event stream did not open"

    async def _read(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        connector = aiohttp.UnixConnector(path=self.socket)
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.ws_connect("http://aio/events", max_msg_size=0) as ws,
        ):
            self._connected.set()
            receiving = asyncio.ensure_future(self._receive(ws))
            await self._stop.wait()
            receiving.cancel()

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.events.append(json.loads(message.data))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def transcript(home: AioHome, ref: int | str) -> list[dict]:
    return home.request("GET", f"/claude/sessions/{ref}/transcript")["entries"]


def wait_entry(home: AioHome, ref: int | str, kind: str, text: str, timeout=30.0) -> list[dict]:
    """Wait until the transcript has an entry of `kind` whose text holds `text`."""

    def found() -> list[dict] | None:
        entries = transcript(home, ref)
        hit = any(e["kind"] == kind and text in (e.get("text") or "") for e in entries)
        return entries if hit else None

    try:
        return wait_for(found, timeout, f"a {kind} entry with {text!r}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the transcript: {transcript(home, ref)}") from None


def new_headless(home: AioHome, claude_home: ClaudeHome, prompt: str) -> int:
    return int(home.ok("claude", "new", "--headless", "--cwd", str(claude_home.work), "--", prompt))


def test_a_headless_turn_streams_into_the_transcript_and_send_wait_continues_it(
    claude_core: AioHome, claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    home = claude_core
    bus = BusEvents(home)
    try:
        arrived, release, stub.responder = held_turns()
        number = new_headless(home, claude_home, "hello headless")
        first = session(home, number)
        assert first["mode"] == "headless" and isinstance(first["job"], int)
        job = first["job"]
        assert arrived.wait(30), "the first prompt never reached the stub"
        assert wait_session(home, number, "working")["job"] == job
        entries = transcript(home, number)
        assert entries[0]["kind"] == "user" and entries[0]["text"] == "hello headless"
        assert not [e for e in entries if e["kind"] == "result"]  # the turn is still going
        release.set()
        entries = wait_entry(home, number, "assistant", "stub reply to: hello headless")
        wait_entry(home, number, "result", "stub reply to: hello headless")
        idle = wait_session(home, number, "idle")
        assert idle["job"] == job and idle["session_id"] == first["session_id"]  # still running
        streamed = wait_for(
            lambda: [e for e in bus.events if e.get("type") == "claude_transcript"] or None,
            10,
            "claude_transcript events",
        )
        assert {e["id"] for e in streamed} == {number}
        assert "stub reply to: hello headless" in [e["entry"].get("text") for e in streamed]
    finally:
        bus.close()

    shown = home.ok("claude", "show", str(number))
    assert "> hello headless" in shown and "stub reply to: hello headless" in shown
    as_json = json.loads(home.ok("claude", "show", first["session_id"], "--json"))
    assert as_json[0]["kind"] == "user" and as_json[-1]["kind"] == "result"
    folder = home.path / "claude" / str(number)
    assert stat.S_ISFIFO((folder / "stdin.fifo").stat().st_mode)
    on_disk = [json.loads(line) for line in (folder / "transcript.jsonl").read_text().splitlines()]
    assert on_disk == transcript(home, number)

    # A follow-up continues the same process and conversation; --wait prints the reply.
    reply = home.ok("claude", "send", str(number), "--wait", "second", "question")
    assert reply == "stub reply to: second question\n"
    again = session(home, number)
    assert again["job"] == job and again["session_id"] == first["session_id"]
    last_turn = [t for t in stub.turns() if t.is_turn][-1].body
    texts = [m["content"] for m in last_turn["messages"] if m["role"] == "user"]
    assert "hello headless" in json.dumps(texts) and user_texts(last_turn) == ["second question"]
    said = home.ok("claude", "send", str(number), "third")
    assert said == f"claude session {number}: delivered\n"
    wait_entry(home, number, "result", "stub reply to: third")
    assert home.job(job)["status"] == "running"  # a job: on the Jobs screen, with a log
    assert '"type":"result"' in Path(home.job(job)["log_path"]).read_text()

    # Its input is the FIFO: an attach to its job is read-only, and says so.
    said = home.root / "attach.err"
    with said.open("wb") as err:
        attach = subprocess.Popen(
            [*aio_command(), "a", str(job)],
            env=home.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        attach.stdin.write(b"typed into the pty\n")
        attach.stdin.close()
        wait_for(lambda: "read-only: input ignored" in said.read_text(), 15, "the notice")
        home.ok("claude", "stop", str(number))
        wait_session(home, number, "ended")
        assert attach.wait(15) == 0
    assert "read-only: typed keys do not reach this job" in said.read_text()
    assert "typed into the pty" not in Path(home.job(job)["log_path"]).read_text()


def test_a_5_mb_tool_input_does_not_break_the_stream_or_the_transcript(
    claude_core: AioHome, claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    home = claude_core
    target = claude_home.work / "big.txt"
    tool = ToolUse("Write", {"file_path": str(target), "content": "y" * FIVE_MB})
    stub.responder = tool_use_then_text(tool)
    number = new_headless(home, claude_home, "write a big file")
    entries = wait_entry(home, number, "result", "stub saw 1 tool results", timeout=60)
    (used,) = [e for e in entries if e["kind"] == "tool_use"]
    assert used["name"] == "Write" and used["input"].startswith(f"file_path={target}, content=yyy")
    assert len(used["input"]) < 300 and f"({FIVE_MB} chars)" in used["input"]
    assert [e["kind"] for e in entries if e["kind"] == "tool_result"] == ["tool_result"]
    job = session(home, number)["job"]
    assert Path(home.job(job)["log_path"]).stat().st_size > 2 * FIVE_MB  # both big lines
    folder = home.path / "claude" / str(number)
    assert (folder / "transcript.jsonl").stat().st_size < MIB
    # The stream goes on after the big lines.
    stub.responder = echo_responder
    reply = home.ok("claude", "send", str(number), "--wait", "after the big one")
    assert reply == "stub reply to: after the big one\n"
    # A message far past a PTY's 4 KiB input line arrives whole (stdin is not the PTY).
    long_text = "long " + "z" * 20_000
    home.request("POST", f"/claude/sessions/{number}/send", {"text": long_text})
    wait_entry(home, number, "result", f"stub reply to: {long_text}")
    assert user_texts([t for t in stub.turns() if t.is_turn][-1].body) == [long_text]
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")


def test_a_stopped_headless_session_shows_after_a_restart_and_resumes_headless(
    claude_core: AioHome, claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    home = claude_core
    number = new_headless(home, claude_home, "before the stop")
    wait_entry(home, number, "result", "stub reply to: before the stop")
    first = wait_session(home, number, "idle")
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")

    home.stop()
    home.start()
    assert session(home, number)["status"] == "ended"
    shown = home.ok("claude", "show", str(number))
    assert "> before the stop" in shown and "stub reply to: before the stop" in shown
    refused = home.aio("claude", "send", str(number), "hello?")
    assert refused.returncode == 2
    assert refused.stderr == f"aio: claude session {number} is not running (ended)\n"

    home.ok("claude", "resume", str(number))
    resumed = session(home, number)
    assert resumed["mode"] == "headless" and resumed["job"] not in (None, first["job"])
    assert wait_session(home, number, "idle")["session_id"] == first["session_id"]
    reply = home.ok("claude", "send", first["session_id"], "--wait", "after the resume")
    assert reply == "stub reply to: after the resume\n"
    last_turn = [t for t in stub.turns() if t.is_turn][-1].body
    assert "before the stop" in json.dumps(last_turn["messages"])  # the same conversation
    assert session(home, number)["session_id"] == first["session_id"]
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")


def test_send_and_show_refuse_bad_input_precisely(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    home = claude_core
    number = new_headless(home, claude_home, "first")
    wait_entry(home, number, "result", "stub reply to: first")
    bad = [
        ({}, 400, "field 'text': expected the message to send"),
        ({"text": ""}, 400, "field 'text': expected the message to send"),
        ({"text": "  \n"}, 400, "field 'text': expected the message to send"),
        ({"text": 5}, 400, "field 'text': expected a string"),
        ({"text": "a\x00b"}, 400, "field 'text': must not contain NUL"),
        ({"text": "x" * (MIB + 1)}, 400, f"field 'text': at most {MIB} characters"),
        ({"text": "x" * (MIB - 20) + "\u00e9" * 11}, 400, f"field 'text': at most {MIB} bytes"),
    ]
    for body, status, message in bad:
        with pytest.raises(CoreError) as refused:
            home.request("POST", f"/claude/sessions/{number}/send", body)
        assert refused.value.status == status and message in str(refused.value), body
    for path, status, message in [
        ("/claude/sessions/99/send", 404, "no claude session 99"),
        ("/claude/sessions/nope/transcript?after=0", 404, "no claude session with id 'nope'"),
        (f"/claude/sessions/{number}/transcript?after=-1", 400, "query 'after'"),
    ]:
        method = "POST" if path.endswith("/send") else "GET"
        with pytest.raises(CoreError) as refused:
            home.request(method, path, {"text": "x"} if method == "POST" else None)
        assert refused.value.status == status and message in str(refused.value), path
    assert len(transcript(home, number)) == 3  # nothing of the refused ones was written
    empty = home.aio("claude", "send", str(number))
    assert empty.returncode == 2 and "the following arguments are required: text" in empty.stderr
    for verb in ("send", "show"):
        assert home.ok("claude", verb, "--help").startswith(f"usage: aio claude {verb}")
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")
    assert home.client().is_running()


def test_show_reads_a_session_aio_never_ran_and_send_types_into_an_interactive_one(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    home = claude_core
    outside = str(uuid.uuid4())
    run = claude_home.headless("--session-id", outside)
    run.send("started outside aio", close=True)
    assert run.finish() == 0, run.stderr()
    shown = wait_for(
        lambda: (r := home.aio("claude", "show", outside)).returncode == 0 and r.stdout,
        30,
        "the outside session to be shown",
    )
    assert "> started outside aio" in shown and "stub reply to: started outside aio" in shown
    assert session_numbers(home) == []  # shown read-only: no record made

    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    job = wait_session(home, number, "idle")["job"]
    wait_screen(home, job, "shift+tab to cycle")
    refused = home.aio("claude", "send", str(number), "--wait", "x")
    assert refused.returncode == 2
    assert refused.stderr == f"aio: --wait: claude session {number} is interactive, not headless\n"
    home.ok("claude", "send", str(number), "typed", "by", "send")
    wait_screen(home, job, "stub reply to: typed by send")
    wait_session(home, number, "idle")
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")


def session_numbers(home: AioHome) -> list[int]:
    return [s["id"] for s in home.request("GET", "/claude/sessions")["sessions"]]
