"""Fixtures of the todo tests: private homes under /tmp, `aio serve`, in-process cores, time.

Every home is a fresh folder under /tmp (short enough for a unix socket path). At teardown the
cores a test started are stopped by their own pid or handle, and no process that carries the
home in its environment may be left running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from core_harness import processes_with_home
from todo_harness import CoreStarter, FakeClock, TodoHome, local_zone


@pytest.fixture
def todo_home() -> Iterator[TodoHome]:
    """A fresh `$AIO_HOME` for the real CLI; its cores and processes are gone afterwards."""
    root = Path(tempfile.mkdtemp(prefix="aiot", dir="/tmp"))
    home = TodoHome(root)
    try:
        yield home
    finally:
        strays = home.close()
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes of {home.path} left running: {strays}"


@pytest.fixture
def served(todo_home: TodoHome) -> TodoHome:
    """A home with a real `aio serve` running on it."""
    todo_home.serve()
    return todo_home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC for the test."""
    with local_zone("UTC"):
        yield


@pytest.fixture
def core_home() -> Iterator[Path]:
    """A fresh home (not created yet) for in-process cores; removed after the test."""
    root = Path(tempfile.mkdtemp(prefix="aiotc", dir="/tmp"))
    home = root / "h"
    try:
        yield home
    finally:
        strays = processes_with_home(home)
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes of {home} left running: {strays}"


@pytest.fixture
async def cores(core_home: Path) -> AsyncIterator[CoreStarter]:
    starter = CoreStarter(core_home)
    try:
        yield starter
    finally:
        await starter.stop_all()
