"""Fixtures of the Claude tests: the Messages API stub, and a private home for the real CLI
whose processes are all gone afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from claude_harness import ClaudeHome
from messages_stub import MessagesStub


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
