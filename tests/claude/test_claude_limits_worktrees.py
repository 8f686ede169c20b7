"""Claude session limits (the idle timeout, the most sessions at once) and sessions in their own
git worktrees: the real `aio` core runs the real `claude` TUI against the Messages API stub, in
real git repositories made here."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from claude_fixtures import CLAUDE_ENV
from claude_harness import ClaudeHome
from core_harness import AioHome, git, make_repo, wait_for
from test_claude_sessions import session, trust, wait_screen, wait_session

from aio.client.core_client import CoreError

IDLE_TIMEOUT = 2


def start_core(home: AioHome, claude_home: ClaudeHome, config: str) -> AioHome:
    """A core with `config`, whose jobs see the temporary Claude home (as `claude_core`)."""
    claude_home.make_ready_for_tui()
    for key in CLAUDE_ENV:
        home.env[key] = claude_home.env[key]
    home.write_config(config)
    home.start()
    return home


def post_hook(home: AioHome, number: int, event: str) -> None:
    """What `aio hook` posts for session `number` (under its current session id)."""
    body = {
        "aio_session": number,
        "hook_event_name": event,
        "session_id": session(home, number)["session_id"],
    }
    home.request("POST", "/claude/hooks", body)


def test_an_idle_session_is_stopped_after_the_timeout_and_a_waiting_one_is_not(
    home: AioHome, claude_home: ClaudeHome
) -> None:
    home = start_core(home, claude_home, f"claude_idle_timeout = {IDLE_TIMEOUT}\n")
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work), "--", "hello"))
    job = session(home, number)["job"]
    wait_screen(home, job, "stub reply to: hello")
    wait_session(home, number, "idle")
    # Waiting for a permission is waiting for the user: its timer is off, however long.
    post_hook(home, number, "PermissionRequest")
    time.sleep(IDLE_TIMEOUT * 2)  # proving an absence takes the time itself
    still = session(home, number)
    assert still["status"] == "waiting" and still["job"] == job
    assert home.job(job)["status"] == "running"

    post_hook(home, number, "Stop")  # idle again: the timer is armed afresh
    ended = wait_session(home, number, "ended", timeout=IDLE_TIMEOUT + 15)
    assert ended["job"] is None
    assert ended["error"] == f"stopped after {IDLE_TIMEOUT} s idle"
    assert home.wait_status(job, "killed")["status"] == "killed"

    home.ok("claude", "resume", str(number))  # kept, and resumable: the same conversation
    again = wait_session(home, number, "idle")
    assert again["error"] is None and again["job"] not in (None, job)
    wait_screen(home, again["job"], "stub reply to: hello")
    assert wait_session(home, number, "ended", timeout=IDLE_TIMEOUT + 15)["error"] == (
        f"stopped after {IDLE_TIMEOUT} s idle"
    )


def test_sessions_past_the_limit_wait_queued_and_start_in_turn(
    home: AioHome, claude_home: ClaudeHome
) -> None:
    home = start_core(home, claude_home, "claude_max_sessions = 1\n")
    work = str(claude_home.work)
    first = int(home.ok("claude", "new", "--cwd", work, "--", "first"))
    wait_screen(home, session(home, first)["job"], "stub reply to: first")  # one to resume
    wait_session(home, first, "idle")

    queued = []
    for _ in range(2):
        result = home.aio("claude", "new", "--cwd", work)
        assert result.returncode == 0, result.stderr
        number = int(result.stdout)
        assert result.stderr == (
            f"aio: claude session {number} queued: 1 sessions run (claude_max_sessions)\n"
        )
        queued.append(number)
    second, third = queued
    for number in queued:
        waiting = session(home, number)
        assert waiting["status"] == "queued" and waiting["job"] is None
    assert len(home.jobs()) == 1  # a queued session's job is not submitted yet
    refused = home.aio("claude", "resume", str(second))
    assert refused.returncode == 2 and f"claude session {second} is already queued" in (
        refused.stderr
    )

    home.ok("claude", "stop", str(first))
    wait_session(home, first, "ended")
    started = wait_session(home, second, "idle")  # first in, first started
    assert started["job"] is not None
    assert session(home, third)["status"] == "queued"

    # A queued session stopped leaves the queue; resumed, it waits in it again.
    assert home.ok("claude", "stop", str(third)).strip() == f"claude session {third}: ended"
    assert session(home, third)["error"] == "stopped while queued"
    said = home.ok("claude", "resume", str(first)).strip()
    assert said == f"claude session {first}: queued: 1 sessions run (claude_max_sessions)"
    home.ok("claude", "stop", str(second))
    assert wait_session(home, first, "idle")["job"] is not None
    assert session(home, third)["status"] == "ended"
    home.ok("claude", "stop", str(first))
    wait_session(home, first, "ended")

    # One that never ran (stopped while queued) starts afresh, under its own id, when resumed.
    home.ok("claude", "resume", str(third))
    resumed = wait_session(home, third, "idle")
    assert resumed["job"] is not None and resumed["error"] is None
    # One still queued when the core stops is ended at the next start, saying it never ran.
    fourth = int(home.ok("claude", "new", "--cwd", work))
    assert session(home, fourth)["status"] == "queued"
    home.stop()
    home.start()
    ended = wait_session(home, fourth, "ended")
    assert ended["error"] == (
        "the core stopped while it waited for a slot; it never ran (r starts it)"
    )
    assert session(home, third)["error"] == "the core stopped while this session ran"


def test_sessions_do_not_wait_for_the_workers_that_jobs_share(
    home: AioHome, claude_home: ClaudeHome
) -> None:
    home = start_core(home, claude_home, "workers = 1\n")
    busy = home.submit({"name": "busy", "steps": [{"cmd": "sleep 1000"}]})
    home.wait_status(busy, "running")
    number = int(home.ok("claude", "new", "--cwd", str(claude_home.work)))
    assert wait_session(home, number, "idle")["job"] is not None  # not queued behind `busy`
    queued = home.submit({"name": "next", "steps": [{"cmd": "true"}]})
    assert home.job(queued)["status"] == "queued"  # the session holds none of the workers
    home.ok("kill", str(busy))
    home.wait_status(queued, "done")
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")


def listed(home: AioHome) -> dict[int, dict]:
    """`aio claude ls --json`, by aio number."""
    return {s["id"]: s for s in json.loads(home.ok("claude", "ls", "--json"))}


def worktree_list(repo: Path) -> str:
    return git(repo, "worktree", "list", "--porcelain")


def test_a_worktree_session_gets_its_branch_shows_dirty_and_is_removed(
    home: AioHome, claude_home: ClaudeHome
) -> None:
    home = start_core(home, claude_home, "")
    repo = claude_home.root / "repo"
    shas = make_repo(repo)
    for n in (1, 2):  # the worktrees the two sessions get: trusted as a user would
        trust(claude_home, home.path / "claude" / str(n) / "worktree")
    prompt = "Fix the flaky test!"
    new = ("claude", "new", "--cwd", str(repo), "--worktree")
    number = int(home.ok(*new, "--base", "feature", "--", prompt))
    tree = home.path / "claude" / str(number) / "worktree"
    made = session(home, number)
    assert made["branch"] == "aio/fix-the-flaky-test"
    assert made["worktree"] == made["cwd"] == str(tree) and made["dirty"] is False
    assert git(tree, "rev-parse", "HEAD") == shas["feature"]
    assert git(tree, "symbolic-ref", "--short", "HEAD") == "aio/fix-the-flaky-test"
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"  # the repo: untouched
    wait_screen(home, made["job"], "stub reply to: Fix the flaky test!")
    wait_session(home, number, "idle")

    # A change shows once a Stop or PostToolUse hook had the worktree looked at again.
    (tree / "new.txt").write_text("work\n")
    post_hook(home, number, "Stop")
    wait_for(lambda: listed(home)[number]["dirty"] is True, 15, "the worktree listed dirty")
    assert listed(home)[number]["worktree"] == str(tree)
    assert "aio/fix-the-flaky-test *" in home.ok("claude", "ls")
    # Listing never runs git: undone, the change is still listed until the next hook.
    (tree / "new.txt").unlink()
    assert listed(home)[number]["dirty"] is True
    post_hook(home, number, "PostToolUse")
    wait_for(lambda: listed(home)[number]["dirty"] is False, 15, "the worktree listed clean")
    post_hook(home, number, "Stop")
    wait_session(home, number, "idle")

    # The same prompt again, from the repo's current branch: a name of its own.
    other = int(home.ok(*new, "--", prompt))
    second = session(home, other)
    assert second["branch"] == "aio/fix-the-flaky-test-2"
    assert git(Path(second["worktree"]), "rev-parse", "HEAD") == shas["main"]
    home.ok("claude", "stop", str(other))
    wait_session(home, other, "ended")

    refused = home.aio("claude", "rm", str(number))
    assert refused.returncode == 2
    assert f"claude session {number} is idle: stop it first" in refused.stderr
    home.ok("claude", "stop", str(number))
    wait_session(home, number, "ended")
    said = home.ok("claude", "rm", str(number)).strip()
    assert said == f"claude session {number}: removed; branch aio/fix-the-flaky-test kept"
    assert not tree.exists() and not (home.path / "claude" / str(number)).exists()
    assert str(tree) not in worktree_list(repo)
    assert "aio/fix-the-flaky-test" in git(repo, "branch", "--list", "aio/*")
    with pytest.raises(CoreError) as gone:
        session(home, number)
    assert gone.value.status == 404

    kept = Path(second["worktree"])
    said = home.ok("claude", "rm", str(other), "--keep-worktree").strip()
    assert said == f"claude session {other}: removed; worktree kept at {kept}"
    assert (kept / "readme.txt").read_text() == "main\n" and str(kept) in worktree_list(repo)
    assert not (kept.parent / "settings.json").exists()
    assert home.request("GET", "/claude/sessions") == {"sessions": []}


def test_a_bad_worktree_request_exits_2_naming_it_and_leaves_nothing(
    home: AioHome, claude_home: ClaudeHome
) -> None:
    home = start_core(home, claude_home, "")
    repo = claude_home.root / "repo"
    make_repo(repo)
    empty = claude_home.root / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    plain = claude_home.root / "plain"
    plain.mkdir()
    branches, trees = git(repo, "branch", "--list"), worktree_list(repo)
    for args, message in [
        (("--cwd", str(plain), "--worktree"), f"field 'cwd': {plain} is not in a git repository"),
        (("--cwd", str(repo), "--worktree", "--base", "nope"), f"no branch 'nope' in {repo}"),
        (("--cwd", str(empty), "--worktree"), f"field 'cwd': {empty} has no commits yet"),
        (("--cwd", str(repo), "--base", "main"), "--base: only with --worktree"),
    ]:
        result = home.aio("claude", "new", *args, "--", "some prompt")
        assert result.returncode == 2, (args, result)
        assert result.stderr.startswith("aio: ") and message in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1
    with pytest.raises(CoreError) as refused:
        home.request("POST", "/claude/sessions", {"cwd": str(repo), "worktree": "yes"})
    assert refused.value.status == 400 and "field 'worktree'" in str(refused.value)
    assert home.request("GET", "/claude/sessions") == {"sessions": []}
    assert git(repo, "branch", "--list") == branches and worktree_list(repo) == trees
    claude_folder = home.path / "claude"
    assert not claude_folder.exists() or not any(claude_folder.iterdir())
    assert home.jobs() == []
    result = home.aio("claude", "rm", "99")
    assert result.returncode == 2 and result.stderr == "aio: no claude session 99\n"


def test_the_limits_are_checked_settings(home: AioHome) -> None:
    for text, named in [
        ("claude_max_sessions = 0\n", "'claude_max_sessions' must be a whole number from 1"),
        ('claude_idle_timeout = "30m"\n', "'claude_idle_timeout' must be a whole number from 1"),
    ]:
        home.write_config(text)
        result = home.aio("ls")
        assert result.returncode != 0 and named in result.stderr, result
