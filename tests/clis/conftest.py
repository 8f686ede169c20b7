"""Fixtures of the external-CLI tests: a private `$AIO_HOME` and `$HOME`, and catalogs served
from a local path or by a real HTTP server on 127.0.0.1.

At teardown the core a test started (if any) is stopped, and no process that carries the
test's `AIO_HOME` in its environment (a tool, a job, a core) may be left running.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from clis_harness import Catalog, CliEnv


@pytest.fixture
def cli_env() -> Iterator[CliEnv]:
    """A fresh `$AIO_HOME` and `$HOME` under a short /tmp folder; nothing of it runs after."""
    root = Path(tempfile.mkdtemp(prefix="aioc", dir="/tmp"))
    env = CliEnv(root)
    try:
        yield env
    finally:
        env.stop_core()
        strays = env.reap_strays()
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes left running: {strays}"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class CatalogServer:
    """A real HTTP server on 127.0.0.1 serving one folder; counts the requests it answered."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        self.gates: dict[str, threading.Barrier] = {}
        server = self

        class Handler(_QuietHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                gate = server.gates.get(self.path)
                if gate is not None:
                    gate.wait()
                super().do_GET()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def hold(self, path: str, parties: int) -> threading.Barrier:
        """Answer requests for `path` only once `parties` of them are waiting (so that as many
        clients are surely downloading at the same time)."""
        self.gates[path] = threading.Barrier(parties, timeout=30)
        return self.gates[path]

    def close(self) -> None:
        for gate in self.gates.values():
            gate.abort()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def catalog_server(cli_env: CliEnv) -> Iterator[CatalogServer]:
    (cli_env.root / "catalog-http").mkdir()
    server = CatalogServer(cli_env.root / "catalog-http")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def http_catalog(cli_env: CliEnv, catalog_server: CatalogServer) -> Catalog:
    """An (empty) catalog served over HTTP; AIO_CLI_CATALOG points at its URL."""
    catalog = Catalog(catalog_server.folder, base_url=catalog_server.url)
    cli_env.set_catalog(catalog.location)
    return catalog


@pytest.fixture
def local_catalog(cli_env: CliEnv) -> Catalog:
    """An (empty) catalog read from a local path; AIO_CLI_CATALOG points at the file."""
    catalog = Catalog(cli_env.root / "catalog-local", wrap=True)
    cli_env.set_catalog(catalog.location)
    return catalog
