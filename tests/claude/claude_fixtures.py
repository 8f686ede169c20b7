"""The Claude fixtures, shared by tests/claude and tests/ui (whose conftest imports them): the
Messages API stub, a private home for the real CLI, and a core whose jobs see that home."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from claude_harness import ClaudeHome
from core_harness import AioHome
from messages_stub import MessagesStub

CLAUDE_ENV = (
    "HOME",
    "CLAUDE_CONFIG_DIR",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
    "CLAUDE_CODE_TMPDIR",
    "LANG",
)


@pytest.fixture
def stub() -> Iterator[MessagesStub]:
    """The Messages API on 127.0.0.1, answering with `echo_responder` until a test sets one."""
    with MessagesStub() as server:
        yield server


@pytest.fixture
def claude_home(stub: MessagesStub) -> Iterator[ClaudeHome]:
    """A temporary HOME and CLAUDE_CONFIG_DIR pointed at `stub`; nothing of it runs after."""
    root = Path(tempfile.mkdtemp(prefix="aioclaude", dir="/tmp"))
    home = ClaudeHome(root, stub.url)
    try:
        yield home
    finally:
        strays = home.close()
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"claude processes left running: {strays}"


@pytest.fixture
def claude_core(home: AioHome, claude_home: ClaudeHome) -> AioHome:
    """A running core whose jobs see the temporary Claude home of a set-up machine (with the
    CLI's own idle notification at its 60 s default, so none comes in the middle of a test).

    The core's environment (AioHome.env) carries the test's HOME, CLAUDE_CONFIG_DIR and API
    settings, so every job it runs (and every hook claude runs) uses the temporary Claude home."""
    claude_home.make_ready_for_tui()
    for key in CLAUDE_ENV:
        home.env[key] = claude_home.env[key]
    home.start()
    return home
