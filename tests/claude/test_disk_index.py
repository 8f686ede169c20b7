"""The index of every Claude session on disk: its cold build from the files the real CLI writes,
the changes it follows (a file appended to, a new project folder, a deleted file, `projects/`
appearing or replaced) reading only the changed file, and the bad files it survives.

The session files are the real CLI's: one session is run with the real `claude` against the
Messages API stub, and the others are that file with its cwd, session id and prompts replaced.
The index runs on its own event loop in a thread, so the tests wait with `wait_for`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from claude_harness import ClaudeHome
from core_harness import git, make_repo, wait_for
from messages_stub import MessagesStub

from aio.claude.disk_index import ClaudeSessionIndex
from aio.claude.session_file import BRANCH_CHARS, TITLE_CHARS, read_entry

FIRST_MARK = "FIRSTPROMPTMARK"
LAST_MARK = "LASTPROMPTMARK"
DEADLINE = 15.0


def project_folder(config_dir: Path, cwd: str) -> Path:
    """The folder the CLI keeps a cwd's sessions in: every non-alphanumeric turned into '-'."""
    return config_dir / "projects" / re.sub(r"[^a-zA-Z0-9]", "-", cwd)


@dataclass
class RealSession:
    """A session file the real CLI wrote, and what it was written with."""

    text: str
    cwd: str
    session_id: str

    def render(self, cwd: str, session_id: str, first: str, last: str) -> str:
        """The same file as if the CLI had run in `cwd` under `session_id` with these prompts."""
        quoted = {key: json.dumps(value)[1:-1] for key, value in (("f", first), ("l", last))}
        return (
            self.text.replace(self.cwd, cwd)
            .replace(self.session_id, session_id)
            .replace(FIRST_MARK, quoted["f"])
            .replace(LAST_MARK, quoted["l"])
        )


@pytest.fixture(scope="module")
def real_session() -> Iterator[RealSession]:
    """Two headless turns of the real CLI in a repo on branch `feature`, whose folder name
    holds '-' and '.' (so the project folder's name does not decode back to it)."""
    root = Path(tempfile.mkdtemp(prefix="aioclidx", dir="/tmp"))
    try:
        with MessagesStub() as stub:
            home = ClaudeHome(root, stub.url)
            repo = home.work / "repo-with.dots"
            make_repo(repo)
            git(repo, "checkout", "-q", "feature")
            home.work = repo
            session_id = str(uuid.uuid4())
            run = home.headless("--session-id", session_id)
            run.send(FIRST_MARK)
            run.wait_result(1)
            run.send(LAST_MARK, close=True)
            code = run.finish()
            strays = home.close()
            assert code == 0, run.stderr()
            assert not strays, f"claude processes left running: {strays}"
            (path,) = home.session_files()
            yield RealSession(path.read_text(), str(repo), session_id)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write_session(
    config_dir: Path,
    real: RealSession,
    cwd: str,
    *,
    first: str = "the first prompt",
    last: str = "the last prompt",
    title: str | None = None,
    mtime: float | None = None,
) -> tuple[str, Path]:
    """A session file of the real CLI's format in `cwd`'s project folder (renamed to `title`
    when given); its id and path."""
    session_id = str(uuid.uuid4())
    folder = project_folder(config_dir, cwd)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session_id}.jsonl"
    text = real.render(cwd, session_id, first, last)
    path.write_text(text + (title_line(session_id, title) if title is not None else ""))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return session_id, path


def title_line(session_id: str, title: str) -> str:
    """The line `/rename` makes the CLI append."""
    return (
        json.dumps({"type": "custom-title", "customTitle": title, "sessionId": session_id}) + "\n"
    )


class IndexRunner:
    """A ClaudeSessionIndex on its own event loop in a thread; every call goes through it."""

    def __init__(self, config_dir: Path) -> None:
        self.changes: list[tuple[list[dict], list[str]]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.index = self.call(self._make, config_dir)

    def _make(self, config_dir: Path) -> ClaudeSessionIndex:
        return ClaudeSessionIndex(
            config_dir, lambda changed, gone: self.changes.append((changed, gone))
        )

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` on the index's loop; its result."""

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(DEADLINE)

    def start(self) -> IndexRunner:
        asyncio.run_coroutine_threadsafe(self.index.start(), self.loop).result(DEADLINE)
        return self

    def sessions(self) -> list[dict]:
        return self.call(self.index.sessions)

    def get(self, session_id: str) -> dict | None:
        return self.call(self.index.get, session_id)

    def reads(self) -> dict[str, int]:
        return self.call(self.index.read_counts)

    def wait_entry(self, session_id: str, check: Callable[[dict], bool], what: str) -> dict:
        """Wait until the session's entry passes `check`; return it."""

        def passes() -> dict | None:
            entry = self.get(session_id)
            return entry if entry is not None and check(entry) else None

        return wait_for(passes, DEADLINE, what)

    def close(self) -> None:
        started = time.monotonic()
        asyncio.run_coroutine_threadsafe(self.index.stop(), self.loop).result(DEADLINE)
        took = time.monotonic() - started
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(DEADLINE)
        self.loop.close()
        assert took < 3, f"stopping the index took {took:.1f} s"


@pytest.fixture
def config_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="aioidx", dir="/tmp"))
    try:
        yield root / "claude-config"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def runner(config_dir: Path) -> Iterator[IndexRunner]:
    """An index over `config_dir`, not started yet; stopped (and checked to stop) after."""
    made = IndexRunner(config_dir)
    try:
        yield made
    finally:
        made.close()


def test_cold_build_lists_every_session_with_its_real_cwd_branch_and_title(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    now = time.time()
    real_path = project_folder(config_dir, real_session.cwd) / f"{real_session.session_id}.jsonl"
    real_path.parent.mkdir(parents=True)
    real_path.write_text(real_session.text)
    os.utime(real_path, (now - 30, now - 30))
    renamed, renamed_path = write_session(
        config_dir, real_session, "/srv/app.v2/my-service", mtime=now - 10,
        first="fix the login", last="and the logout", title="Login work",
    )  # fmt: skip
    plain, _ = write_session(config_dir, real_session, "/home/u/x-y.z", mtime=now - 20)
    runner.start()

    entries = runner.sessions()
    assert [e["session_id"] for e in entries] == [renamed, plain, real_session.session_id]
    real = entries[2]
    assert real == {
        "session_id": real_session.session_id,
        "cwd": real_session.cwd,  # not the folder name "-tmp-...-repo-with-dots" decoded
        "branch": "feature",
        "title": LAST_MARK,  # no custom title: the last prompt
        "first_prompt": FIRST_MARK,
        "updated_at": real_path.stat().st_mtime,
        "size": real_path.stat().st_size,
        "path": str(real_path),
    }
    assert entries[0]["cwd"] == "/srv/app.v2/my-service"
    assert entries[0]["title"] == "Login work"  # the custom title wins
    assert entries[0]["first_prompt"] == "fix the login"
    assert entries[0]["path"] == str(renamed_path)
    assert entries[1]["cwd"] == "/home/u/x-y.z" and entries[1]["title"] == "the last prompt"
    assert runner.get(renamed.upper()) == entries[0]
    assert runner.get(str(uuid.uuid4())) is None
    assert set(runner.reads().values()) == {1}, runner.reads()  # each file read once


def test_entries_agree_with_the_sdks_own_listing(
    real_session: RealSession,
    config_dir: Path,
    runner: IndexRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the index shows is what claude_agent_sdk.list_sessions shows, file for file."""
    sdk = pytest.importorskip("claude_agent_sdk")
    for number in range(5):
        write_session(
            config_dir, real_session, f"/work/p-{number}.d", first=f"first {number}",
            last=f"last {number}", title=f"title {number}" if number % 2 else None,
        )  # fmt: skip
    runner.start()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config_dir))
    listed = {info.session_id: info for info in sdk.list_sessions()}
    entries = runner.sessions()
    assert len(entries) == len(listed) == 5
    for entry in entries:
        info = listed[entry["session_id"]]
        assert (entry["cwd"], entry["branch"]) == (info.cwd, info.git_branch)
        assert (entry["title"], entry["first_prompt"]) == (info.summary, info.first_prompt)
        assert (entry["size"], int(entry["updated_at"] * 1000)) == (
            info.file_size,
            info.last_modified,
        )


def test_changes_show_without_reading_the_other_files(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    made = [write_session(config_dir, real_session, f"/repo/many-{n % 4}.x") for n in range(12)]
    runner.start()
    assert len(runner.sessions()) == 12
    before = runner.reads()

    # A file appended to (the CLI's /rename): its entry changes, only it is read again.
    grown_id, grown = made[3]
    with grown.open("a") as out:
        out.write(title_line(grown_id, "renamed while indexed"))
    entry = runner.wait_entry(grown_id, lambda e: e["title"] == "renamed while indexed", "title")
    assert entry["size"] == grown.stat().st_size
    reads = runner.reads()
    assert reads[str(grown)] == 2
    assert {p: n for p, n in reads.items() if p != str(grown)} == {
        p: n for p, n in before.items() if p != str(grown)
    }

    # A new file in a new project folder.
    new_id, new_path = write_session(config_dir, real_session, "/brand/new-project.git")
    entry = runner.wait_entry(new_id, lambda e: e["cwd"] == "/brand/new-project.git", "new file")
    assert runner.sessions()[0]["session_id"] == new_id  # the newest
    assert runner.reads()[str(new_path)] == 1

    # A deleted file.
    gone_id, gone = made[7]
    gone.unlink()
    wait_for(lambda: runner.get(gone_id) is None, DEADLINE, "the deleted session to go")
    reads = runner.reads()
    assert str(gone) not in reads
    untouched = {str(path) for _, path in made} - {str(grown), str(gone)}
    assert all(reads[path] == 1 for path in untouched), reads
    assert len(runner.sessions()) == 12

    # Events that change no content (a folder's mtime, a file's mode) make no read.
    before = runner.reads()
    os.utime(made[0][1].parent)
    os.chmod(made[1][1], 0o600)
    sentinel_id, sentinel = made[2]
    with sentinel.open("a") as out:
        out.write(title_line(sentinel_id, "sentinel"))
    runner.wait_entry(sentinel_id, lambda e: e["title"] == "sentinel", "the sentinel change")
    assert runner.reads() == before | {str(sentinel): before[str(sentinel)] + 1}

    # The callback heard each change: the grown and new entries, then the removal.
    changed_ids = [e["session_id"] for changed, _ in runner.changes for e in changed]
    assert grown_id in changed_ids and new_id in changed_ids
    assert ([], [gone_id]) in runner.changes


def test_a_missing_config_folder_then_projects_created_removed_and_made_again(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    assert not config_dir.exists()
    runner.start()
    assert runner.sessions() == []
    first_id, _ = write_session(config_dir, real_session, "/late/comer")  # makes every folder
    runner.wait_entry(first_id, lambda e: e["cwd"] == "/late/comer", "the first session")

    shutil.rmtree(config_dir / "projects")
    wait_for(lambda: runner.sessions() == [], DEADLINE, "the index to empty")
    second_id, _ = write_session(config_dir, real_session, "/made/again")
    runner.wait_entry(second_id, lambda e: e["cwd"] == "/made/again", "the new projects/ folder")
    assert [e["session_id"] for e in runner.sessions()] == [second_id]


def test_bad_files_neither_break_nor_block_the_index(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    folder = project_folder(config_dir, "/bad/files")
    folder.mkdir(parents=True)
    empty = str(uuid.uuid4())
    (folder / f"{empty}.jsonl").write_bytes(b"")
    binary = str(uuid.uuid4())
    (folder / f"{binary}.jsonl").write_bytes(bytes(range(256)) * 4000 + os.urandom(100_000))
    half = str(uuid.uuid4())
    whole = real_session.render("/bad/files", half, "half first", "half last")
    cut = whole.index("half last") + 3  # the CLI stopped in the middle of a line
    (folder / f"{half}.jsonl").write_text(whole[:cut])
    garbage = str(uuid.uuid4())
    (folder / f"{garbage}.jsonl").write_text('{"type": "user", "cwd": 12}\n[1, 2\nnot json\n')
    os.mkfifo(folder / f"{uuid.uuid4()}.jsonl")  # opening it to read would block forever
    (folder / f"{uuid.uuid4()}.jsonl").mkdir()
    (folder / "notes.jsonl").write_text(real_session.text)  # not a session id: not a session
    # A 5 MB file whose first prompt pushes the cwd far past the SDK's 64 KB head.
    pasted, pasted_path = write_session(
        config_dir, real_session, "/big/paste", first="p" * 2_500_000
    )
    # A 5 MB file with a tool result in the middle (the common big session).
    big, big_path = write_session(config_dir, real_session, "/big/output")
    big_output = json.dumps({"type": "user", "toolUseResult": {"stdout": "o" * 5_000_000}})
    with big_path.open("a") as out:
        out.write(big_output + "\n")
        out.write(real_session.render("/big/output", big, "x", "late prompt"))
    runner.start()

    listed = {e["session_id"]: e for e in runner.sessions()}
    assert set(listed) == {empty, binary, half, garbage, pasted, big}
    unknown = ("cwd", "branch", "title", "first_prompt")
    assert [listed[empty][key] for key in unknown] == [None] * 4
    assert (listed[empty]["size"], listed[empty]["path"]) == (0, str(folder / f"{empty}.jsonl"))
    assert listed[binary]["cwd"] is None and listed[binary]["size"] == 1_124_000
    assert listed[half]["cwd"] == "/bad/files" and listed[half]["first_prompt"] == "half first"
    assert listed[garbage]["cwd"] is None  # a number is no cwd
    assert listed[pasted]["cwd"] == "/big/paste"  # found past the head, by the bounded scan
    assert listed[pasted]["title"] == "the last prompt"
    assert pasted_path.stat().st_size > 5_000_000
    assert listed[big]["cwd"] == "/big/output" and listed[big]["title"] == "late prompt"
    assert listed[big]["branch"] == "feature"

    # Still alive: the half-written file completed shows its last prompt.
    with (folder / f"{half}.jsonl").open("a") as out:
        out.write(whole[cut:])
    runner.wait_entry(half, lambda e: e["title"] == "half last", "the completed file")


def test_text_fields_are_capped_and_a_cwd_must_be_a_path(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    long_title, _ = write_session(
        config_dir, real_session, "/caps", first="f" * 1000, title="t" * 10_000
    )
    odd = real_session.render("relative/dir", str(uuid.uuid4()), "a", "b")
    odd = odd.replace('"gitBranch":"feature"', '"gitBranch":"' + "b" * 1000 + '"')
    odd_id = str(uuid.uuid4())
    folder = project_folder(config_dir, "relative/dir")
    folder.mkdir(parents=True)
    (folder / f"{odd_id}.jsonl").write_text(odd)
    runner.start()

    capped = runner.get(long_title)
    assert len(capped["title"]) == TITLE_CHARS and capped["title"].endswith("\u2026")
    assert len(capped["first_prompt"]) <= TITLE_CHARS
    weird = runner.get(odd_id)
    assert weird["cwd"] is None
    assert len(weird["branch"]) == BRANCH_CHARS


def test_a_file_appended_to_while_it_is_read(
    real_session: RealSession, config_dir: Path, runner: IndexRunner
) -> None:
    """A writer appends 5 MB in pieces while the index and a reader loop read the file: no
    read fails, and the index settles on the final file."""
    session_id, path = write_session(config_dir, real_session, "/busy/session")
    runner.start()
    piece = real_session.render("/busy/session", session_id, "again", "more").encode()
    filler = (json.dumps({"type": "progress", "data": "z" * 60_000}) + "\n").encode()
    done = threading.Event()
    problems: list[BaseException] = []

    def read_while_written() -> None:
        while not done.is_set():
            try:
                entry = read_entry(path, session_id, path.stat())
                assert entry["session_id"] == session_id and entry["cwd"] == "/busy/session"
            except BaseException as exc:
                problems.append(exc)
                return

    reader = threading.Thread(target=read_while_written)
    reader.start()
    try:
        with path.open("ab") as out:
            while out.tell() < 5_000_000:
                out.write(filler)
                out.write(piece[: len(piece) // 2])  # a line cut in two, like a slow write
                out.flush()
                out.write(piece[len(piece) // 2 :])
                out.flush()
            out.write(title_line(session_id, "the final title").encode())
    finally:
        done.set()
        reader.join(DEADLINE)
    assert not problems, problems
    size = path.stat().st_size
    runner.wait_entry(
        session_id, lambda e: e["size"] == size and e["title"] == "the final title", "final"
    )


def test_importing_the_index_loads_neither_the_sdk_nor_watchfiles() -> None:
    """The SDK costs most of a second to import: only the core's running index may load it."""
    code = (
        "import sys, aio.claude.disk_index\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'claude_agent_sdk', 'watchfiles'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "[]"
