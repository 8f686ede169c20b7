"""Fixtures of the core tests: a private `$AIO_HOME` whose processes are all gone afterwards.

Every integration test gets its own short-lived home under /tmp and drives the real `aio`
console script in subprocesses. The home's finalizer stops the core it started and then makes
sure no process that carries this `AIO_HOME` in its environment (the core, a job, an attach) is
left running.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_harness import AioHome


@pytest.fixture
def home() -> Iterator[AioHome]:
    """A fresh `$AIO_HOME`; its core and every process of it are gone after the test."""
    root = Path(tempfile.mkdtemp(prefix="aio", dir="/tmp"))
    aio_home = AioHome(root)
    try:
        yield aio_home
    finally:
        aio_home.stop()
        strays = aio_home.reap_strays()
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes left running after the core stopped: {strays}"


@pytest.fixture
def core(home: AioHome) -> AioHome:
    """A home with its core already running."""
    home.start()
    return home
