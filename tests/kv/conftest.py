"""Fixtures of the KV tests: a throwaway Postgres cluster for the session, and a real core per
backend for each test module, each with real worklets (tests/kv/kv_harness.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_harness import AioHome
from kv_harness import KvCore, PostgresCluster, Worklet, require_postgres

BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A private Postgres server for the whole session, removed at the end."""
    cluster = PostgresCluster(require_postgres())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def kv_core(request: pytest.FixtureRequest) -> Iterator[KvCore]:
    """A real core with the SQLite or the Postgres KV backend, shared by a module's tests."""
    root = Path(tempfile.mkdtemp(prefix="aiokv", dir="/tmp"))
    home = AioHome(root)
    try:
        if request.param == "postgres":
            cluster = request.getfixturevalue("postgres")
            home.write_config(cluster.config(cluster.new_database()))
        core = KvCore(home, request.param)
        core.start()
        yield core
    finally:
        home.stop()
        strays = home.reap_strays()
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes left running after the core stopped: {strays}"


@pytest.fixture
def worklet(kv_core: KvCore) -> Worklet:
    """A worklet with an empty store."""
    return kv_core.worklet(0)


@pytest.fixture
def other(kv_core: KvCore) -> Worklet:
    """A second worklet of the same core, its store empty too."""
    return kv_core.worklet(1)
