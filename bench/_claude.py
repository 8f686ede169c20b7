"""What the Claude benchmarks share: the real `claude` CLI against the tests' Messages API stub,
aio sessions started through the real core, and a tree of session files on disk.

The CLI is the one bundled with claude-agent-sdk (`aio.claude.cli_path.find_claude_cli`); its
API is `MessagesStub` (tests/claude/messages_stub.py) on 127.0.0.1, and its home is a temporary
folder made by the tests' `ClaudeHome` (tests/claude/claude_harness.py: `.claude.json` with the
onboarding done, the work folder trusted, the custom API key approved), so the user's own
`~/.claude` is never read or written. These helpers import the tests' harness (it needs the
test extras: pytest and pyte, `pip install -e '.[test]'`).

`ClaudeBench` puts that home's environment (HOME, CLAUDE_CONFIG_DIR, ANTHROPIC_BASE_URL, ...)
into this process's environment for as long as it is open, so the core a benchmark starts
afterwards, every session it runs and every hook those fire use the temporary home; on exit
the environment is restored, any process still carrying a core's AIO_HOME is killed, and the
folder is removed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from _common import Core, request, wait_for

_TESTS = Path(__file__).resolve().parent.parent / "tests"
for _folder in (_TESTS, _TESTS / "claude"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from messages_stub import MessagesStub  # noqa: E402

from aio.claude.cli_path import find_claude_cli, missing_cli_message  # noqa: E402

NO_IDLE_NOTIFICATION_MS = 24 * 3600 * 1000  # the CLI's own idle notification never comes
FILES = 1000
PROJECTS = 40
MIN_SIZE = 10_000
MAX_SIZE = 5_000_000
FIRST_MARK = "BENCHFIRSTPROMPT"
LAST_MARK = "BENCHLASTPROMPT"
API_KEY = "sk-ant-api03-aio-bench-key-0123456789abcdefghijKLMNOPQRSTuv"


def require_cli() -> str:
    """The real `claude` CLI, or the end of the benchmark with what is missing."""
    cli = find_claude_cli()
    if cli is None:
        raise SystemExit(f"bench: {missing_cli_message()}")
    return str(cli)


class ClaudeBench:
    """The stub, a set-up Claude home pointed at it (the tests' `ClaudeHome`), and that home's
    environment in this process's, restored on exit; the cores made with `core()` have what
    their sessions left running killed at exit."""

    def __init__(self) -> None:
        self.root = Path("")
        self.stub: MessagesStub | None = None
        self.home = None  # claude_harness.ClaudeHome, imported when used (it needs pytest)
        self._exit = contextlib.ExitStack()
        self._cores: list[Core] = []

    def __enter__(self) -> ClaudeBench:
        from claude_fixtures import CLAUDE_ENV
        from claude_harness import ClaudeHome

        require_cli()
        self.root = Path(tempfile.mkdtemp(prefix="aiobcl"))
        try:
            self.stub = MessagesStub().start()
            self.home = ClaudeHome(self.root, self.stub.url)
            self.home.make_ready_for_tui(idle_notification_ms=NO_IDLE_NOTIFICATION_MS)
            self._exit.enter_context(environment(**{k: self.home.env[k] for k in CLAUDE_ENV}))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    @property
    def work(self) -> str:
        """The trusted work folder the sessions run in."""
        return str(self.home.work)

    def core(self, config: str = "") -> Core:
        """A `Core` (use it with `with`) whose sessions this object reaps at its own exit."""
        core = Core(config)
        self._cores.append(core)
        return core

    def __exit__(self, *exc_info) -> None:
        from core_harness import reap_home

        try:
            for core in self._cores:
                strays = reap_home(Path(core.home), grace=2) if core.home else {}
                if strays:
                    print(f"bench: killed processes left behind: {strays}", file=sys.stderr)
            if self.stub is not None:
                self.stub.close()
        finally:
            self._exit.close()
            if str(self.root):
                shutil.rmtree(self.root, ignore_errors=True)


# aio's sessions, through the real core


def session(home: str, number: int) -> dict:
    return request(home, "GET", f"/claude/sessions/{number}")["session"]


def _sessions(home: str, numbers: list[int]) -> list[dict]:
    """The sessions `numbers`; RuntimeError when one has failed (it will not get better)."""
    found = [session(home, n) for n in numbers]
    for failed in (s for s in found if s["status"] == "failed"):
        raise RuntimeError(f"claude session {failed['id']} failed: {failed['error']}")
    return found


def wait_sessions(home: str, numbers: list[int], status: str, timeout: float) -> list[dict]:
    """Wait (bounded) until every session in `numbers` has `status`."""

    def check() -> list[dict] | None:
        found = _sessions(home, numbers)
        return found if all(s["status"] == status for s in found) else None

    return wait_for(check, timeout, f"claude sessions {numbers} to be {status}", interval=0.1)


def wait_answered(bench: ClaudeBench, home: str, numbers: list[int], timeout: float) -> list[dict]:
    """Wait (bounded) until each session's file holds the stub's reply and the session is idle
    again (its Stop hook came after the reply): a session that answered its prompt."""
    projects = bench.home.config_dir / "projects"

    def answered(found: dict) -> bool:
        files = list(projects.glob(f"*/{found['session_id']}.jsonl"))
        return bool(files) and "stub reply to:" in files[0].read_text(errors="replace")

    def check() -> list[dict] | None:
        found = _sessions(home, numbers)
        done = all(s["status"] == "idle" and answered(s) for s in found)
        return found if done else None

    try:
        return wait_for(check, timeout, f"claude sessions {numbers} to answer", interval=0.1)
    except TimeoutError as exc:
        states = ", ".join(f"{s['id']} {s['status']}" for s in _sessions(home, numbers))
        raise TimeoutError(f"{exc} (now: {states})") from None


def new_sessions(core: Core, cwd: str, count: int, *extra: str, prompt: str = "") -> list[int]:
    """Start `count` sessions with `aio claude new` (each with `prompt` plus its number, if
    given); their aio numbers."""
    numbers = []
    for i in range(count):
        args = ["claude", "new", "--cwd", cwd, *extra]
        if prompt:
            args += ["--", f"{prompt} {i + 1}"]
        done = core.run(*args, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"aio claude new: exit {done.returncode}: {done.stderr.strip()}")
        numbers.append(int(done.stdout.split()[0]))
    return numbers


# A tree of session files on disk, from one the real CLI wrote


def real_session(root: Path) -> tuple[list[str], str, str]:
    """Two `-p` turns of the real CLI against the stub in a git repository under `root`; the
    session file's lines, its cwd and its session id."""
    cli = require_cli()
    work = root / "work" / "bench-repo.v1"
    work.mkdir(parents=True)
    config = root / "home" / ".claude"
    config.mkdir(parents=True)
    (root / "tmp").mkdir()
    git = ["git", "-C", str(work), "-c", "user.name=bench", "-c", "user.email=b@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    session_id = str(uuid.uuid4())
    with MessagesStub() as stub:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root / "home"),
            "LANG": "C.UTF-8",
            "CLAUDE_CONFIG_DIR": str(config),
            "ANTHROPIC_BASE_URL": stub.url,
            "ANTHROPIC_API_KEY": API_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_TMPDIR": str(root / "tmp"),
        }
        for args in (("--session-id", session_id, FIRST_MARK), ("--resume", session_id, LAST_MARK)):
            subprocess.run(
                [cli, "-p", *args], cwd=work, env=env, check=True, timeout=60,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
    (path,) = (config / "projects").glob("*/*.jsonl")
    return path.read_text().splitlines(keepends=True), str(work), session_id


class SessionMaker:
    """Session files of any size from the real file's lines."""

    def __init__(self, lines: list[str], cwd: str, session_id: str) -> None:
        first_user = next(i for i, line in enumerate(lines) if '"type":"user"' in line)
        self.head = "".join(lines[: first_user + 1])
        last_prompt = max(i for i, line in enumerate(lines) if '"type":"last-prompt"' in line)
        self.tail = "".join(lines[last_prompt:])
        self.body = [line for line in lines[first_user + 1 : last_prompt] if len(line) < 40_000]
        self.cwd, self.session_id = cwd, session_id

    def text(self, size: int, cwd: str, session_id: str, number: int) -> str:
        tool_result = json.dumps({
            "type": "user", "message": {"role": "user", "content": [{
                "type": "tool_result", "tool_use_id": f"toolu_{number}",
                "content": "result line\n" * 2700,
            }]}, "cwd": self.cwd, "sessionId": self.session_id,
        }) + "\n"  # fmt: skip
        parts, total = [self.head], len(self.head) + len(self.tail)
        index = 0
        while total < size:
            line = tool_result if index % 10 == 9 else self.body[index % len(self.body)]
            index += 1
            if total + len(line) > size + 1000 and len(line) > 1000:
                continue  # a small file gets the small lines only
            parts.append(line)
            total += len(line)
        parts.append(self.tail)
        return (
            "".join(parts)
            .replace(self.cwd, cwd)
            .replace(self.session_id, session_id)
            .replace(FIRST_MARK, f"first prompt of bench session {number}")
            .replace(LAST_MARK, f"last prompt of bench session {number}")
        )


def write_files(config: Path, maker: SessionMaker, files: int = FILES) -> list[Path]:
    """`files` session files in PROJECTS project folders under `config/projects`, sized
    log-uniformly from MIN_SIZE to MAX_SIZE (seeded), each fsynced; their paths."""
    rng = random.Random(11)
    sizes = [MIN_SIZE, MAX_SIZE] + [
        int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE)))) for _ in range(files - 2)
    ]
    paths = []
    for number, size in enumerate(sizes):
        cwd = f"/home/dev/project-{number % PROJECTS}.git/sub-dir"
        folder = config / "projects" / re.sub(r"[^a-zA-Z0-9]", "-", cwd)
        folder.mkdir(parents=True, exist_ok=True)
        session_id = str(uuid.uuid4())
        path = folder / f"{session_id}.jsonl"
        with path.open("w") as out:
            out.write(maker.text(size, cwd, session_id, number))
            out.flush()
            os.fsync(out.fileno())
        paths.append(path)
    return paths


def drop_from_cache(paths: list[Path]) -> None:
    """Out of the page cache, these files only (their pages are clean once fsynced)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


@contextlib.contextmanager
def environment(**values: str):
    """Set these environment variables of this process for the block; restored after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
