"""Claude sessions that are jobs: the real `aio` core runs the real `claude` TUI in a job's PTY
against the Messages API stub; the status comes from the hooks (`aio hook`), never the screen.

The core's environment (AioHome.env) carries the test's HOME, CLAUDE_CONFIG_DIR and API
settings, so every job it runs (and every hook claude runs) uses the temporary Claude home.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pyte
import pytest
from claude_harness import HOOK_EVENTS, ClaudeHome
from core_harness import (
    AioHome,
    aio_command,
    exchange,
    git,
    make_repo,
    run_reporting_heavy_imports,
    wait_for,
)
from messages_stub import MessagesStub, Responder, echo_responder

from aio.claude.process import hook_settings
from aio.client.core_client import CoreError
from aio.config.locations import socket_path

JOB_COLS, JOB_ROWS = 120, 32  # a job's PTY size (aio.jobs.execution)


def trust(claude_home: ClaudeHome, folder: Path) -> None:
    """Mark `folder` trusted in the Claude home, as a user who accepted its dialog has."""
    config_file = claude_home.config_dir / ".claude.json"
    config = json.loads(config_file.read_text())
    config["projects"][str(folder)] = {"hasTrustDialogAccepted": True}
    config_file.write_text(json.dumps(config))


def session(home: AioHome, ref: int | str) -> dict:
    return home.request("GET", f"/claude/sessions/{ref}")["session"]


def wait_session(home: AioHome, ref: int | str, status: str, timeout: float = 30.0) -> dict:
    """Wait until claude session `ref` has `status`; return it."""
    return wait_for(
        lambda: (found := session(home, ref))["status"] == status and found,
        timeout,
        f"claude session {ref} to be {status}",
    )


def rendered(home: AioHome, job: int) -> str:
    """The job's output so far as its terminal shows it (the TUI moves the cursor between
    words, so raw bytes would not hold the words with spaces)."""
    screen = pyte.Screen(JOB_COLS, JOB_ROWS)
    stream = pyte.ByteStream(screen)
    stream.feed(Path(home.job(job)["log_path"]).read_bytes())
    return "\n".join(line.rstrip().replace("\xa0", " ") for line in screen.display)


def wait_screen(home: AioHome, job: int, text: str, timeout: float = 30.0) -> str:
    try:
        return wait_for(
            lambda: text in (shown := rendered(home, job)) and shown, timeout, repr(text)
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the screen:\n{rendered(home, job)}") from None


def type_into(home: AioHome, job: int, data: bytes) -> subprocess.Popen:
    """Type `data` into job `job` through a real `aio a` whose stdin is a pipe; the attach
    stays until the job ends, so the caller ends it once the keys have arrived."""
    proc = subprocess.Popen(
        [*aio_command(), "a", str(job)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=home.env,
    )
    proc.stdin.write(data)
    proc.stdin.close()
    return proc


def end(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(10)


def hook_command(home: Path) -> list[str]:
    """The command a session's `--settings` give every hook (the hook entry as a script)."""
    hooks = hook_settings(socket_path(home))["hooks"]
    return shlex.split(hooks["Stop"][0]["hooks"][0]["command"])


def run_hook(env: dict[str, str], payload: bytes) -> tuple[subprocess.CompletedProcess, float]:
    """Run the hook command as Claude does (JSON on stdin); return it and its seconds."""
    started = time.monotonic()
    result = subprocess.run(
        hook_command(Path(env["AIO_HOME"])),
        input=payload,
        capture_output=True,
        env=env,
        timeout=30,
    )
    return result, time.monotonic() - started


def held_turns() -> tuple[threading.Event, threading.Event, Responder]:
    """A responder that holds each conversation turn until `release` is set (side calls such
    as a title are answered at once); `arrived` is set when a turn is being held."""
    arrived, release = threading.Event(), threading.Event()

    def respond(request: dict) -> list:
        if request.get("tools"):
            arrived.set()
            release.wait(30)
        return echo_responder(request)

    return arrived, release, respond


def test_interactive_session_lives_by_its_hooks_stops_and_resumes(
    claude_core: AioHome, claude_home: ClaudeHome, stub: MessagesStub
) -> None:
    home = claude_core
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    first = session(home, number)
    # SessionStart fires only once the TUI is up: until then the session is starting.
    assert first["status"] in ("queued", "starting"), first
    assert first["mode"] == "interactive" and first["cwd"] == str(claude_home.work)
    job = first["job"]
    assert isinstance(job, int)
    idle = wait_session(home, number, "idle")
    session_id = idle["session_id"]
    assert idle["job"] == job and session_id == first["session_id"]
    wait_screen(home, job, "shift+tab to cycle")  # the prompt; no onboarding or trust dialog
    settings = json.loads((home.path / "claude" / str(number) / "settings.json").read_text())
    assert sorted(settings["hooks"]) == sorted(HOOK_EVENTS)
    (entry,) = settings["hooks"]["Notification"][0]["hooks"]
    assert shlex.split(entry["command"])[1:] == hook_command(home.path)[1:]
    assert entry["command"].endswith(f"/aio/claude/hook_entry.py {home.path / 'core.sock'}")
    assert not (claude_home.config_dir / "settings.json").exists()  # the user's: untouched

    arrived, release, stub.responder = held_turns()
    typist = type_into(home, job, b"hello aio")
    wait_screen(home, job, "\u276f hello aio")
    end(typist)
    typist = type_into(home, job, b"\r")
    assert arrived.wait(30), "the turn never reached the stub"
    assert wait_session(home, number, "working")["job"] == job
    release.set()
    wait_screen(home, job, "stub reply to: hello aio")
    wait_session(home, number, "idle")
    end(typist)
    session_file = claude_home.config_dir / "projects"
    assert [p.name for p in session_file.glob("*/*.jsonl")] == [f"{session_id}.jsonl"]

    listed = json.loads(home.ok("claude", "ls", "--json"))
    assert listed == [
        {
            "id": number,
            "session_id": session_id,
            "status": "idle",
            "cwd": str(claude_home.work),
            "branch": None,
            "title": None,
            "updated_at": listed[0]["updated_at"],
            "source": "aio",
            "job": job,
            "worktree": None,
            "dirty": None,
        }
    ]
    table = home.ok("claude", "ls")
    assert table.splitlines()[0].split()[:3] == ["ID", "STATUS", "JOB"]
    (row,) = [line.split() for line in table.splitlines()[1:]]
    assert row[:4] == [str(number), "idle", str(job), str(claude_home.work)]
    assert row[-1] == session_id

    refused = home.aio("claude", "resume", str(number))
    assert refused.returncode == 2
    assert f"claude session {number} is already running (job {job})" in refused.stderr

    assert home.ok("claude", "stop", str(number)).strip() == (
        f"claude session {number}: stopping job {job}"
    )
    stopped = wait_session(home, number, "ended")
    assert stopped["job"] is None and stopped["session_id"] == session_id
    assert home.wait_status(job, "killed")["status"] == "killed"

    # Resumed by Claude's session id: the same aio number and conversation, a new job.
    said = home.ok("claude", "resume", session_id).strip()
    resumed = session(home, number)
    second_job = resumed["job"]
    assert said == f"claude session {number}: resumed as job {second_job}"
    assert second_job not in (None, job)
    back = wait_session(home, number, "idle")
    assert back["session_id"] == session_id and back["id"] == number
    wait_screen(home, second_job, "stub reply to: hello aio")  # the earlier turn, replayed
    assert [s["id"] for s in home.request("GET", "/claude/sessions")["sessions"]] == [number]

    # A 6 MB PostToolUse (a tool's whole output) is read only at its head, and still counts.
    big = {
        "session_id": session_id,
        "hook_event_name": "PostToolUse",
        "tool_response": {"stdout": "x" * 6_000_000},
    }
    env = {**home.env, "AIO_CLAUDE_SESSION": str(number)}
    result, _ = run_hook(env, json.dumps(big).encode())
    assert result.returncode == 0 and result.stdout == b""
    assert session(home, number)["status"] == "working"
    for event, kind, status in [
        ("Stop", None, "idle"),
        ("PermissionRequest", None, "waiting"),
        ("Stop", None, "idle"),
        ("Notification", "permission_prompt", "waiting"),
        ("Notification", "idle_prompt", "idle"),
        ("Notification", "elicitation_dialog", "waiting"),
        ("Notification", "auth_success", "waiting"),  # not about the session's state
        ("UserPromptSubmit", None, "working"),
        ("Stop", None, "idle"),
    ]:
        hook = {"session_id": session_id, "hook_event_name": event, "notification_type": kind}
        result, _ = run_hook(env, json.dumps(hook).encode())
        assert result.returncode == 0
        assert session(home, number)["status"] == status, (event, kind)
    # A hook from another session id (one a /clear left behind) changes nothing.
    other = {"session_id": "00000000-0000-4000-8000-000000000000", "hook_event_name": "PreToolUse"}
    run_hook(env, json.dumps(other).encode())
    assert session(home, number)["status"] == "idle"


def test_hook_entry_exits_0_at_once_with_the_core_down(home: AioHome) -> None:
    """No core (and none started): the hook says nothing, exits 0, and does not wait."""
    env = {**home.env, "AIO_CLAUDE_SESSION": "1"}
    small = json.dumps({"session_id": "s", "hook_event_name": "Stop"}).encode()
    big = json.dumps(
        {"session_id": "s", "hook_event_name": "PostToolUse", "tool_response": "y" * 6_000_000}
    ).encode()
    _, baseline = run_hook({**env, "AIO_CLAUDE_SESSION": ""}, b"{}")
    for payload in (small, big, b"not json", b""):
        result, seconds = run_hook(env, payload)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"" and result.stderr == b""
        assert seconds < baseline + 1.0, f"the hook took {seconds:.2f}s"
    assert not home.client().is_running()
    assert not (home.path / "core.sock").exists()


def test_bad_input_to_the_claude_routes_is_a_4xx(core: AioHome, tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    bad_new = [
        ({}, "field 'cwd': expected the session's folder"),
        ({"cwd": 7}, "field 'cwd': expected a string"),
        ({"cwd": "relative/dir"}, "field 'cwd': relative/dir is not a folder"),
        ({"cwd": str(a_file)}, f"field 'cwd': {a_file} is not a folder"),
        ({"cwd": str(tmp_path), "model": "-x; rm"}, "field 'model': '-x; rm' is not a model"),
        ({"cwd": str(tmp_path), "prompt": ["a"]}, "field 'prompt': expected a string"),
        ({"cwd": str(tmp_path), "prompt": "a\x00b"}, "field 'prompt': must not contain NUL"),
        ({"cwd": str(tmp_path), "prompt": "p" * 40000}, "field 'prompt': at most 32768"),
    ]
    for body, message in bad_new:
        with pytest.raises(CoreError) as refused:
            core.request("POST", "/claude/sessions", body)
        assert refused.value.status == 400 and message in str(refused.value), body
    bad_hooks = [
        ({"hook_event_name": "Stop"}, 400, "field 'aio_session': expected"),
        ({"aio_session": True, "hook_event_name": "Stop"}, 400, "field 'aio_session'"),
        ({"aio_session": 1, "hook_event_name": "Nope"}, 400, "unknown hook event 'Nope'"),
        ({"aio_session": 1, "hook_event_name": 5}, 400, "'hook_event_name': expected a string"),
        ({"aio_session": 1, "hook_event_name": "Stop", "cwd": 3}, 400, "field 'cwd'"),
        ({"aio_session": 99, "hook_event_name": "Stop"}, 404, "no claude session 99"),
    ]
    for body, status, message in bad_hooks:
        with pytest.raises(CoreError) as refused:
            core.request("POST", "/claude/hooks", body)
        assert refused.value.status == status and message in str(refused.value), body
    # The hook entry's raw form: Claude's own bytes, for the session named in the path.
    for path, body, answer in [
        ("/claude/hooks/abc", b"{}", b"400 Bad Request"),
        ("/claude/hooks/0", b"{}", b"400 Bad Request"),
        ("/claude/hooks/99?complete=1", b'{"hook_event_name": "Stop"}', b"no claude session 99"),
        ("/claude/hooks/1?complete=1", b"not json", b"unknown hook event None"),
        ("/claude/hooks/1", b"y" * 70_000, b"413"),
    ]:
        head = f"POST {path} HTTP/1.1\r\nHost: aio\r\nContent-Length: {len(body)}\r\n"
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(core.path / "core.sock"))
            got = exchange(sock, head.encode() + b"Connection: close\r\n\r\n" + body)
        assert answer in got and not got.startswith(b"HTTP/1.1 5"), (path, got[:300])
    for method, path, message in [
        ("GET", "/claude/sessions/99", "no claude session 99"),
        ("GET", "/claude/sessions/not-an-id", "no claude session with id 'not-an-id'"),
        ("GET", "/claude/sessions/" + "9" * 120, "by its number or its session id"),
        ("POST", "/claude/sessions/99/stop", "no claude session 99"),
        ("POST", "/claude/sessions/99/resume", "no claude session 99"),
    ]:
        with pytest.raises(CoreError) as refused:
            core.request(method, path, {})
        assert refused.value.status == 404 and message in str(refused.value), path
    with pytest.raises(CoreError) as refused:
        core.request("POST", "/claude/sessions", None)
    assert refused.value.status == 400
    assert core.request("GET", "/claude/sessions") == {"sessions": []}

    result = core.aio("claude", "stop", "99")
    assert result.returncode == 2 and result.stderr == "aio: no claude session 99\n"
    result = core.aio("claude", "new", "--cwd", str(a_file))
    assert result.returncode == 2 and "is not a folder" in result.stderr
    result = core.aio("claude", "bogus")
    assert result.returncode == 2 and "unknown command 'bogus'" in result.stderr
    for verb in ("new", "ls", "stop", "resume"):
        assert "usage: aio claude " + verb in core.ok("claude", verb, "--help")
    assert core.client().is_running()  # none of it hurt the core
    assert os.path.isdir(core.path)


def test_a_session_whose_claude_ends_before_it_starts_fails_with_why(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    """Stopped before any message, a session has no conversation on disk: resumed, it starts
    afresh under its id. With an unreadable conversation file, claude exits before
    SessionStart, and the session is failed, saying so and where to look."""
    home = claude_core
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    wait_session(home, number, "idle")
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")
    assert not list((claude_home.config_dir / "projects").glob("*/*.jsonl"))

    home.ok("claude", "resume", str(number))
    again = wait_session(home, number, "idle")
    assert again["error"] is None and again["job"] is not None
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")

    broken = claude_home.config_dir / "projects" / "-broken" / f"{again['session_id']}.jsonl"
    broken.parent.mkdir(parents=True)
    broken.write_text("")
    home.ok("claude", "resume", str(number))
    job = session(home, number)["job"]
    failed = wait_session(home, number, "failed")
    assert failed["job"] is None
    assert failed["error"].startswith("claude ended before its session started (exit 1): ")
    assert f"No conversation found with session ID: {failed['session_id']}" in failed["error"]
    assert failed["error"].endswith(f"see `aio log {job}`")
    assert home.job(job)["status"] == "failed"


def test_a_missing_claude_cli_is_refused_naming_it_and_leaves_no_record(
    home: AioHome, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-claude"
    home.env["AIO_CLAUDE_CLI"] = str(missing)
    home.start()
    result = home.aio("claude", "new", "--cwd", str(tmp_path))
    assert result.returncode == 2, result
    assert result.stderr == f"aio: the claude CLI set as '{missing}' is not a runnable file\n"
    assert home.request("GET", "/claude/sessions") == {"sessions": []}
    assert home.jobs() == []


def test_a_session_resumes_by_its_id_after_a_core_restart(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    home = claude_core
    repo = claude_home.root / "repo"
    make_repo(repo)
    git(repo, "checkout", "-q", "feature")
    trust(claude_home, repo)
    number = int(home.ok("claude", "new", "--cwd", str(repo), "--", "before restart"))
    first = wait_session(home, number, "idle")
    assert first["title"] == "before restart" and first["branch"] == "feature"
    assert first["cwd"] == str(repo)
    wait_screen(home, first["job"], "stub reply to: before restart")  # the prompt on the line
    wait_session(home, number, "idle")

    home.stop()
    home.start()
    after = session(home, number)
    assert after["status"] == "ended" and after["job"] is None
    assert after["session_id"] == first["session_id"]

    home.ok("claude", "resume", first["session_id"])
    again = wait_session(home, number, "idle")
    assert again["id"] == number and again["session_id"] == first["session_id"]
    wait_screen(home, again["job"], "stub reply to: before restart")


def type_line(home: AioHome, job: int, text: str) -> subprocess.Popen:
    """Type `text` into the TUI, wait until its prompt line shows it, then press return; the
    caller ends the returned attach once it saw the return's effect (ending it sooner may
    cut the key off)."""
    typist = type_into(home, job, text.encode())
    wait_screen(home, job, f"\u276f {text}")
    end(typist)
    return type_into(home, job, b"\r")


def test_clear_moves_the_record_to_the_new_session_id(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    home = claude_core
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    first = wait_session(home, number, "idle")
    job = first["job"]
    wait_screen(home, job, "shift+tab to cycle")
    typist = type_line(home, job, "before clear")
    wait_screen(home, job, "stub reply to: before clear")
    end(typist)
    typist = type_line(home, job, "/clear")

    moved = wait_for(
        lambda: (found := session(home, number))["session_id"] != first["session_id"] and found,
        30,
        "the record to follow /clear to a new session id",
    )
    end(typist)
    assert moved["job"] == job and wait_session(home, number, "idle")["job"] == job
    assert session(home, moved["session_id"])["id"] == number
    with pytest.raises(CoreError) as gone:
        session(home, first["session_id"])
    assert gone.value.status == 404
    typist = type_line(home, job, "after clear")
    wait_screen(home, job, "stub reply to: after clear")
    end(typist)
    assert wait_session(home, number, "idle")["session_id"] == moved["session_id"]
    names = {p.stem for p in (claude_home.config_dir / "projects").glob("*/*.jsonl")}
    assert names == {first["session_id"], moved["session_id"]}

    # /exit: SessionEnd, then the job ends on its own; the session is ended, not failed.
    typist = type_into(home, job, b"/exit")
    wait_screen(home, job, "Exit the CLI")  # the command menu
    end(typist)
    typist = type_into(home, job, b"\r")
    ended = wait_session(home, number, "ended")
    assert home.wait_status(job, "done")["exit_code"] == 0
    end(typist)
    assert wait_for(lambda: session(home, number)["job"] is None, 10, "the job to be let go")
    assert ended["error"] is None and session(home, number)["status"] == "ended"


def test_claude_help_and_the_hook_start_no_core_and_import_nothing_heavy(home: AioHome) -> None:
    for verb in ("new", "ls", "stop", "resume"):
        result = home.aio("claude", verb, "--help")
        assert result.returncode == 0 and result.stdout.startswith(f"usage: aio claude {verb}")
    assert home.ok("claude", "--help").startswith("usage: aio claude new")
    bare = home.aio("claude")
    assert bare.returncode == 2 and bare.stderr.startswith("usage: aio claude new")
    assert home.ok("hook", "--help").startswith("usage: aio hook")
    assert "aio claude new|ls|send|show|stop|resume|rm" in home.ok("--help")
    env = {**home.env, "AIO_CLAUDE_SESSION": "1"}
    for args in (("hook",), ("claude", "ls", "--help")):
        result = run_reporting_heavy_imports(env, *args)
        assert result.returncode == 0, result.stderr
    # What a session's hooks run imports no aio, no site, not even json: (almost) only itself.
    hook = subprocess.run(
        [*hook_command(home.path)[:1], "-X", "importtime", *hook_command(home.path)[1:]],
        input=b'{"hook_event_name": "Stop"}',
        capture_output=True,
        env=env,
        timeout=30,
    )
    assert hook.returncode == 0 and hook.stdout == b""
    imported = {line.rsplit("|", 1)[-1].strip() for line in hook.stderr.decode().splitlines()}
    assert "_socket" in imported, imported  # it did try to post
    assert not imported & {"json", "re", "socket", "contextlib", "site", "aio"}, imported
    assert not [name for name in imported if name.startswith("aio.")], imported
    assert not home.client().is_running(), "help and hooks must not start the core"


def test_a_session_started_outside_aio_is_listed_once_and_resumed_in_its_cwd(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    home = claude_core
    # A folder whose name does not decode back from Claude's project folder name.
    repo = claude_home.root / "outside-aio.app"
    make_repo(repo)
    git(repo, "checkout", "-q", "feature")
    trust(claude_home, repo)
    claude_home.work = repo
    outside = str(uuid.uuid4())
    run = claude_home.headless("--session-id", outside)
    run.send("started outside aio", close=True)
    assert run.finish() == 0, run.stderr()

    def listed() -> list[dict] | None:
        found = json.loads(home.ok("claude", "ls", "--all", "--json"))
        return [s for s in found if s["session_id"] == outside] or None

    (entry,) = wait_for(listed, 30, "the outside session to be listed")
    assert entry["source"] == "external" and entry["id"] is None and entry["job"] is None
    assert entry["cwd"] == str(repo) and entry["branch"] == "feature"
    assert "started outside aio" in entry["title"]
    assert json.loads(home.ok("claude", "ls", "--json")) == []  # aio's own: none yet
    table = home.ok("claude", "ls", "--all")
    assert "external" in table.splitlines()[1]

    said = home.ok("claude", "resume", outside)
    number = int(said.split("claude session ")[1].split(":")[0])
    resumed = wait_session(home, number, "idle")
    assert resumed["session_id"] == outside and resumed["cwd"] == str(repo)
    wait_screen(home, resumed["job"], "stub reply to: started outside aio")
    again = json.loads(home.ok("claude", "ls", "--all", "--json"))
    assert [s["source"] for s in again if s["session_id"] == outside] == ["aio"]
    home.ok("claude", "stop", str(number))


def test_a_session_that_turns_waiting_notifies_the_desktop(
    claude_core: AioHome, claude_home: ClaudeHome
) -> None:
    """`notify-send` where it exists (here a real script on the core's PATH that records what
    it is asked to show), once per turn to waiting, as for todo reminders."""
    home = claude_core
    tools = home.root / "bin"
    tools.mkdir()
    shown = home.root / "notified.txt"
    script = tools / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {shown}\necho >> {shown}\n')
    script.chmod(0o755)
    home.stop()
    home.env["PATH"] = f"{tools}:{home.env['PATH']}"
    home.start()
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    session_id = wait_session(home, number, "idle")["session_id"]
    env = {**home.env, "AIO_CLAUDE_SESSION": str(number)}

    def hook(event: str, kind: str | None = None) -> None:
        payload = {"session_id": session_id, "hook_event_name": event, "notification_type": kind}
        assert run_hook(env, json.dumps(payload).encode())[0].returncode == 0

    def lines(count: int) -> list[str] | None:
        found = shown.read_text().splitlines() if shown.exists() else []
        return found if len(found) >= count else None

    hook("PermissionRequest")
    (first,) = wait_for(lambda: lines(1), 15, "the desktop notification")
    assert f"aio: claude session {number} needs you|{claude_home.work}|" in first
    hook("Notification", "permission_prompt")  # still waiting: no second notification
    hook("Stop")
    hook("PermissionRequest")
    assert len(wait_for(lambda: lines(2), 15, "the second notification")) == 2
    home.ok("claude", "stop", str(number))
