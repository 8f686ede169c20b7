"""The real `claude` CLI against the loopback Messages API stub: headless turns and resume, the
hooks given by --settings, the session files, the interactive TUI in a PTY, and tool results
far past the 1 MiB line that breaks the SDK's default reader.

These are the facts aio's Claude sessions stand on; each test fails if the CLI stops behaving
so (a hook renamed, a file moved, a start-up dialog added).
"""

from __future__ import annotations

import json
import sys
import uuid

import pytest
from claude_harness import API_KEY, ClaudeHome
from core_harness import git, make_repo, wait_for
from messages_stub import (
    MessagesStub,
    Text,
    ToolUse,
    tool_result_text,
    tool_results,
    user_texts,
)

MIB = 1024 * 1024
FIVE_MB = 5_000_000


def texts_of(run_messages: list[dict], kind: str) -> list[str]:
    """The text blocks of the stream's messages of type `kind` (assistant or user)."""
    return [
        block["text"]
        for message in run_messages
        if message["type"] == kind and isinstance(message["message"]["content"], list)
        for block in message["message"]["content"]
        if block.get("type") == "text"
    ]


def tool_use_then_text(tool: ToolUse):
    """A responder that asks for `tool` on the first request only, then answers with text (a
    compaction the CLI may ask for in between gets a summary, never the tool again)."""
    asked = False

    def respond(request: dict) -> list:
        nonlocal asked
        if not asked:
            asked = True
            return [tool]
        if tool_results(request):
            return [Text(f"stub saw {len(tool_results(request))} tool results")]
        return [Text("stub summary")]

    return respond


def test_headless_turn_streams_the_reply_fires_hooks_and_resumes(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    session_id = str(uuid.uuid4())
    run = claude_home.headless("--session-id", session_id)
    run.send("hello headless", close=True)
    assert run.finish() == 0, run.stderr()

    messages = run.messages()
    init = next(m for m in messages if m["type"] == "system" and m.get("subtype") == "init")
    assert init["session_id"] == session_id
    assert init["cwd"] == str(claude_home.work)
    assert texts_of(messages, "assistant") == ["stub reply to: hello headless"]
    result = messages[-1]
    assert result["type"] == "result" and result["subtype"] == "success"
    assert result["result"] == "stub reply to: hello headless"
    assert result["session_id"] == session_id

    (turn,) = stub.turns()
    assert user_texts(turn.body) == ["hello headless"]
    assert turn.headers["x-api-key"] == API_KEY
    assert turn.body["stream"] is True

    # The session file lands in the temporary config folder, named by the session id.
    (session_file,) = claude_home.session_files()
    assert session_file.name == f"{session_id}.jsonl"
    assert session_file.parent.parent == claude_home.config_dir / "projects"
    lines = [json.loads(line) for line in session_file.read_text().splitlines()]
    first_user = next(line for line in lines if line["type"] == "user")
    assert first_user["cwd"] == str(claude_home.work)
    assert first_user["message"]["content"] == "hello headless"

    hooks = claude_home.hook_events()
    assert [hook["hook_event_name"] for hook in hooks] == [
        "SessionStart",
        "UserPromptSubmit",
        "Stop",
        "SessionEnd",
    ]
    for hook in hooks:
        assert hook["session_id"] == session_id
        assert hook["cwd"] == str(claude_home.work)
        assert hook["transcript_path"] == str(session_file)
    start, prompt, stop, end = hooks
    assert start["source"] == "startup"
    assert prompt["prompt"] == "hello headless"
    assert stop["last_assistant_message"] == "stub reply to: hello headless"
    assert end["reason"] == "other"  # stdin closed

    # A second -p run with --resume continues the same conversation under the same id.
    again = claude_home.headless("--resume", session_id)
    again.send("and a follow-up", close=True)
    assert again.finish() == 0, again.stderr()
    assert again.messages()[-1]["result"] == "stub reply to: and a follow-up"
    assert again.messages()[-1]["session_id"] == session_id
    second = stub.turns()[-1].body
    sent = json.dumps(second["messages"])
    assert "hello headless" in sent and "stub reply to: hello headless" in sent
    assert claude_home.session_files() == [session_file]
    resumed = claude_home.hooks_named("SessionStart")[-1]
    assert resumed["source"] == "resume" and resumed["session_id"] == session_id


def test_headless_session_takes_follow_ups_on_stdin(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    """One `-p` process, stdin left open: each user line is a new turn of the same session."""
    session_id = str(uuid.uuid4())
    run = claude_home.headless("--session-id", session_id)
    run.send("first")
    assert run.wait_result(1)["result"] == "stub reply to: first"
    assert run.proc.poll() is None  # still waiting for the next message
    run.send("second", close=True)
    second = run.wait_result(2)
    assert second["result"] == "stub reply to: second"
    assert second["session_id"] == session_id
    assert run.finish() == 0
    assert [user_texts(turn.body)[-1] for turn in stub.turns()] == ["first", "second"]
    assert len(claude_home.hooks_named("Stop")) == 2


def test_headless_tool_use_fires_the_tool_hooks(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    command = "echo tool-output-marker"
    stub.responder = tool_use_then_text(ToolUse("Bash", {"command": command}))
    run = claude_home.headless("--allowedTools", "Bash")
    run.send("run a tool", close=True)
    assert run.finish() == 0, run.stderr()
    assert run.messages()[-1]["result"] == "stub saw 1 tool results"

    _, second = stub.turns()
    (result,) = tool_results(second.body)
    assert tool_result_text(result) == "tool-output-marker"
    tool_use_id = result["tool_use_id"]

    (pre,) = claude_home.hooks_named("PreToolUse")
    (post,) = claude_home.hooks_named("PostToolUse")
    assert pre["tool_name"] == post["tool_name"] == "Bash"
    assert pre["tool_input"]["command"] == command
    assert pre["tool_use_id"] == post["tool_use_id"] == tool_use_id
    assert post["tool_response"]["stdout"] == "tool-output-marker"
    names = [hook["hook_event_name"] for hook in claude_home.hook_events()]
    assert names.index("UserPromptSubmit") < names.index("PreToolUse") < names.index("Stop")


def test_headless_bash_printing_5_mb_keeps_the_stream_and_the_output(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    """The CLI keeps a 5 MB Bash output out of the stream (a preview and a file path instead):
    the stream goes on to the result, and the whole output is in the session's folder."""
    command = f"{sys.executable} -c \"print('x' * {FIVE_MB})\""
    stub.responder = tool_use_then_text(ToolUse("Bash", {"command": command}))
    session_id = str(uuid.uuid4())
    run = claude_home.headless("--session-id", session_id, "--allowedTools", "Bash")
    run.send("print a lot", close=True)
    assert run.finish(timeout=20) == 0, run.stderr()
    assert run.messages()[-1]["result"] == "stub saw 1 tool results"

    (result,) = tool_results(stub.turns()[-1].body)
    preview = tool_result_text(result)
    assert preview.startswith("<persisted-output>"), preview[:200]
    saved = claude_home.config_dir / "projects"
    (output_file,) = saved.glob(f"*/{session_id}/tool-results/*.txt")
    assert str(output_file) in preview
    assert output_file.read_text() == "x" * FIVE_MB + "\n"


def test_headless_5_mb_tool_input_streams_lines_far_past_1_mib(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    """A 5 MB Write puts two stream-json lines of over 5 MB on stdout (the tool_use and its
    tool_use_result); read without a line limit, both parse and the stream goes on."""
    target = claude_home.work / "big.txt"
    content = "y" * FIVE_MB
    tool = ToolUse("Write", {"file_path": str(target), "content": content})
    stub.responder = tool_use_then_text(tool)
    run = claude_home.headless("--allowedTools", "Write")
    run.send("write a big file", close=True)
    assert run.finish(timeout=20) == 0, run.stderr()

    big = [line for line in run.lines if len(line) > MIB]
    assert len(big) >= 2, [len(line) for line in run.lines]
    kinds = {json.loads(line)["type"] for line in big}
    assert kinds == {"assistant", "user"}
    assert run.messages()[-1]["result"] == "stub saw 1 tool results"
    assert target.read_text() == content
    (post,) = claude_home.hooks_named("PostToolUse")  # a hook's stdin carries it all, too
    assert post["tool_input"]["content"] == content


def test_interactive_tui_reaches_the_prompt_replies_and_fires_hooks(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    claude_home.make_ready_for_tui(idle_notification_ms=300)
    session_id = str(uuid.uuid4())
    tui = claude_home.tui("--session-id", session_id, "--permission-mode", "default")

    # No onboarding, trust or API-key dialog: SessionStart fires only once the prompt is up.
    (start,) = claude_home.wait_hook("SessionStart")
    assert start["session_id"] == session_id and start["source"] == "startup"
    tui.wait_text("manual mode on")
    tui.write(b"hello tui")
    tui.wait_text("\u276f hello tui")
    tui.write(b"\r")
    screen = tui.wait_text("stub reply to: hello tui")
    assert "Detected a custom API key" not in screen and "trust this folder" not in screen

    (prompt,) = claude_home.wait_hook("UserPromptSubmit")
    assert prompt["prompt"] == "hello tui"
    (stop,) = claude_home.wait_hook("Stop")
    assert stop["last_assistant_message"] == "stub reply to: hello tui"
    idle = claude_home.wait_hook("Notification")[0]
    assert idle["notification_type"] == "idle_prompt"
    assert idle["message"] == "Claude is waiting for your input"
    assert user_texts(stub.turns()[-1].body) == ["hello tui"]

    tui.write(b"/exit")
    tui.wait_text("Exit the CLI")  # the command menu
    tui.write(b"\r")
    (end,) = claude_home.wait_hook("SessionEnd")
    assert end["reason"] == "prompt_input_exit"
    wait_for(lambda: not tui.proc.isalive(), 10, "the TUI to exit after /exit")
    (session_file,) = claude_home.session_files()
    assert session_file.name == f"{session_id}.jsonl"


def test_interactive_clear_moves_to_a_new_session_id_told_by_the_hooks(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    """`/clear` ends the session (SessionEnd, reason clear) and starts another under a new id
    in the same process (SessionStart, source clear); the new id gets its own file."""
    claude_home.make_ready_for_tui()
    first_id = str(uuid.uuid4())
    tui = claude_home.tui("--session-id", first_id, "--permission-mode", "default")
    claude_home.wait_hook("SessionStart")
    tui.wait_text("manual mode on")
    tui.write(b"before clear")
    tui.wait_text("\u276f before clear")
    tui.write(b"\r")
    tui.wait_text("stub reply to: before clear")
    tui.write(b"/clear")
    tui.wait_text("\u276f /clear")
    tui.write(b"\r")

    _, restart = claude_home.wait_hook("SessionStart", count=2)
    assert restart["source"] == "clear"
    new_id = restart["session_id"]
    assert new_id != first_id
    (end,) = claude_home.wait_hook("SessionEnd")
    assert end["session_id"] == first_id and end["reason"] == "clear"
    tui.write(b"after clear")
    tui.wait_text("\u276f after clear")
    tui.write(b"\r")
    tui.wait_text("stub reply to: after clear")
    _, prompt = claude_home.wait_hook("UserPromptSubmit", count=2)
    assert prompt["session_id"] == new_id
    names = {path.stem for path in claude_home.session_files()}
    assert names == {first_id, new_id}
    assert "before clear" not in json.dumps(stub.turns()[-1].body["messages"])


def test_interactive_permission_prompt_fires_permission_hooks(
    claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    """A tool that needs approval: PermissionRequest fires when the dialog opens, Notification
    (permission_prompt) some seconds later; answering Yes runs the tool."""
    claude_home.make_ready_for_tui()
    made = claude_home.work / "made-by-tool"
    stub.responder = tool_use_then_text(ToolUse("Bash", {"command": f"touch {made}"}))
    tui = claude_home.tui("--permission-mode", "default")
    claude_home.wait_hook("SessionStart")
    tui.wait_text("manual mode on")
    tui.write(b"make a file")
    tui.wait_text("make a file")
    tui.write(b"\r")

    tui.wait_text("Do you want to proceed?")
    (request,) = claude_home.wait_hook("PermissionRequest", timeout=5)
    assert request["tool_name"] == "Bash" and request["tool_input"]["command"] == f"touch {made}"
    assert not made.exists() and not claude_home.hooks_named("PostToolUse")
    notice = claude_home.wait_hook("Notification", timeout=15)[0]
    assert notice["notification_type"] == "permission_prompt"
    assert notice["message"] == "Claude needs your permission"

    tui.write(b"\r")  # "1. Yes" is the selected answer
    claude_home.wait_hook("PostToolUse")
    claude_home.wait_hook("Stop")
    tui.wait_text("stub saw 1 tool results")
    assert made.exists()


def test_sdk_lists_the_session_with_its_real_cwd_and_branch(
    claude_home: ClaudeHome, stub: MessagesStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`claude_agent_sdk.list_sessions` and friends read what the CLI wrote: the cwd from the
    file (not the folder name), the git branch, the first and last prompts."""
    sdk = pytest.importorskip("claude_agent_sdk")
    repo = claude_home.work / "repo-with.dots"
    make_repo(repo)
    git(repo, "checkout", "-q", "feature")
    claude_home.work = repo
    session_id = str(uuid.uuid4())
    run = claude_home.headless("--session-id", session_id)
    run.send("first prompt")
    run.wait_result(1)
    run.send("latest prompt", close=True)
    assert run.finish() == 0

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude_home.config_dir))
    (info,) = sdk.list_sessions()
    assert info.session_id == session_id
    assert info.cwd == str(repo)  # the folder is named "-...-repo-with-dots": not decodable
    assert info.git_branch == "feature"
    assert info.first_prompt == "first prompt"
    assert info.summary == "latest prompt"
    assert info.file_size == claude_home.session_files()[0].stat().st_size
    assert sdk.get_session_info(session_id).cwd == str(repo)
    assert [s.session_id for s in sdk.list_sessions(directory=str(repo))] == [session_id]
    messages = sdk.get_session_messages(session_id)
    assert [m.type for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0].message["content"] == "first prompt"
