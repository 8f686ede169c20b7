"""`aio wl prompt`: a headless Claude session (the real `claude` CLI against the tests' Messages
API stub) in the worklet's clone; once its turn is answered the session ends and the worklet
restarts."""

from __future__ import annotations

from claude_harness import claude_cli
from core_harness import AioHome, wait_for
from messages_stub import MessagesStub, user_texts
from worklet_harness import add, get_json, make_python_app, wait_new_run, worklet


def test_prompt_runs_claude_in_the_clone_and_restarts_the_worklet(
    claude_core: AioHome, stub: MessagesStub
) -> None:
    claude_cli()  # skipped without the CLI (a failure under AIO_REQUIRE_ALL=1)
    home = claude_core
    added = add(home, str(make_python_app(home.src / "app")))
    out = home.ok("wl", "prompt", "app", "make", "it", "greet", "in", "French")
    number = int(out.split("claude session ")[1].split()[0])
    session = home.request("GET", f"/claude/sessions/{number}")["session"]
    assert session["cwd"] == f"{added['folder']}/repo" and session["mode"] == "headless"
    assert worklet(home, "app")["session"] == number
    busy = home.aio("wl", "prompt", "app", "again")
    assert busy.returncode == 2 and f"claude session {number} is still at work" in busy.stderr
    wait_for(lambda: worklet(home, "app")["session"] is None, 60, "the prompt's session to end")
    ended = home.request("GET", f"/claude/sessions/{number}")["session"]
    assert ended["status"] == "ended"
    assert [user_texts(turn.body) for turn in stub.turns()] == [["make it greet in French"]]
    again = wait_new_run(home, "app", added["run_job"])
    assert get_json(again["url"]) == {"greeting": "hello from python"}
