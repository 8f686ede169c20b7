"""Fixtures of the dashboard tests: a private `$AIO_HOME` and real in-process cores on it.

Each test gets a short home under /tmp (unix socket paths are limited to about 107 bytes) with
`AIO_HOME` pointing at it. At teardown every core the test started is stopped, and no process
that carries the home in its environment (a job, a core) may be left running.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from core_harness import reap_home

# The Claude fixtures (the Messages API stub, the CLI's home, a core on it) live with the Claude
# tests; the dashboard's Claude screen tests use the same ones.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "claude"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "worklets"))  # worklet_harness
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))  # flows_harness
from claude_fixtures import claude_core, claude_home, stub  # noqa: F401
from pilot_harness import CoreRunner, ServedCore
from tmux_terminal import TmuxTerminal


@pytest.fixture
def ui_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, private `$AIO_HOME` with a config.toml; gone after the test."""
    root = Path(tempfile.mkdtemp(prefix="aioui", dir="/tmp"))
    home = root / "h"
    home.mkdir(mode=0o700)
    # For cores started as processes: the browser bridge on a free port, not the user's 7681.
    (home / "config.toml").write_text("web_port = 0\n")
    monkeypatch.setenv("AIO_HOME", str(home))
    try:
        yield home
    finally:
        strays = reap_home(home)
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes of {home} left running after the test: {strays}"


@pytest.fixture
async def cores(ui_home: Path) -> AsyncIterator[CoreRunner]:
    """Start real cores on the test's home with `await cores.start(...)`; all stopped after."""
    runner = CoreRunner(ui_home)
    try:
        yield runner
    finally:
        await runner.stop_all()


@pytest.fixture
def served_core(ui_home: Path) -> Iterator[ServedCore]:
    """A real `aio serve` process for the test's home (call `.start()`); stopped after."""
    core = ServedCore(ui_home)
    try:
        yield core
    finally:
        core.stop()


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC for the test ("Started" is shown in local time)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def require_tool(name: str) -> str:
    """The path of a tool a test needs; skip without it, or fail when AIO_REQUIRE_ALL=1."""
    found = shutil.which(name)
    if found:
        return found
    message = f"'{name}' is not installed (this test needs it)"
    if os.environ.get("AIO_REQUIRE_ALL") == "1":
        pytest.fail(f"{message}; AIO_REQUIRE_ALL=1 forbids skipping")
    pytest.skip(message)


@pytest.fixture
def tmux(ui_home: Path) -> Iterator[TmuxTerminal]:
    """A window of a private tmux server (its own socket name), killed before the home goes."""
    require_tool("tmux")
    terminal = TmuxTerminal(f"aio-ui-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield terminal
    finally:
        terminal.kill()
