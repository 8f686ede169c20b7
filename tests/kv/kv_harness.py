"""What the KV tests share: a throwaway Postgres cluster, a real core with worklets whose tokens
the test holds, and raw HTTP to the worklets' listener.

`PostgresCluster` is Debian's postgresql: `initdb` in a temporary folder and `pg_ctl start`
listening only on a unix socket there (`listen_addresses=''`), run as `nobody` when the tests
run as root (initdb refuses root). Its roles are those the README prescribes: `admin` (the
superuser initdb made), `aio_owner` (owns the KV tables: `kv_admin_url`) and `aio_kv` (aio's
own: `kv_url`, neither owner nor superuser, no BYPASSRLS).

`KvCore` is `aio serve` (through AioHome) with the SQLite or the Postgres backend; its
worklets are real (`aio wl add` of a tiny repo), and the test gets each one's token from the
core's socket (`POST /kv/worklets/{name}/token`).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import http.client
import itertools
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from core_harness import AioHome, git

import aio.kv

_names = itertools.count(1)


def postgres_bin() -> Path | None:
    """The folder of Debian's postgres binaries (the newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def require_postgres() -> Path:
    """The postgres binaries; skip without them, or fail when AIO_REQUIRE_ALL=1."""
    found = postgres_bin()
    if found is not None:
        return found
    message = "postgres is not installed (apt-get install -y postgresql)"
    if os.environ.get("AIO_REQUIRE_ALL") == "1":
        pytest.fail(f"{message}; AIO_REQUIRE_ALL=1 forbids skipping")
    pytest.skip(message)


class PostgresCluster:
    """A private Postgres server on a unix socket in a temporary folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="aiopg", dir="/tmp"))
        self.data = self.root / "data"
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self.run_as = ["runuser", "-u", "nobody", "--"]
        self._databases = itertools.count(1)

    def _pg(self, *args: str) -> None:
        subprocess.run(
            [*self.run_as, *args], check=True, capture_output=True, timeout=60, cwd=self.root
        )

    def start(self) -> None:
        self._pg(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "admin", "-A", "trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.root}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-o",
                 options, "start")  # fmt: skip
        self.sql("postgres", "CREATE ROLE aio_owner LOGIN; CREATE ROLE aio_kv LOGIN")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, role: str, database: str) -> str:
        return f"postgresql://{role}@/{database}?host={self.root}"

    def sql(self, database: str, script: str, role: str = "admin") -> None:
        """Run a script as `role` (default: the superuser), also from inside an event loop."""
        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(self.url(role, database))
            try:
                await conn.execute(script)
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as thread:  # its own loop, whether or not one runs here
            thread.submit(asyncio.run, run()).result()

    def new_database(self) -> str:
        """A fresh database owned by aio_owner."""
        name = f"kv{os.getpid()}_{next(self._databases)}"
        self.sql("postgres", f"CREATE DATABASE {name} OWNER aio_owner")
        return name

    def config(self, database: str) -> str:
        """The config.toml lines of a core whose KV store is this database."""
        return (
            f'kv_url = "{self.url("aio_kv", database)}"\n'
            f'kv_admin_url = "{self.url("aio_owner", database)}"\n'
        )


def worklet_repo(folder: Path) -> Path:
    """A git repo of the smallest worklet: Python's http.server on $PORT."""
    folder.mkdir(parents=True)
    code = (
        "import os, http.server as h; "
        "h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), "
        "h.SimpleHTTPRequestHandler).serve_forever()"
    )
    (folder / "worklet.toml").write_text(f"run = {json.dumps(['python3', '-c', code])}\n")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "worklet.toml")
    git(folder, "commit", "-q", "-m", "worklet")
    return folder


class Worklet:
    """A real worklet of a KvCore, with the token the test got for it."""

    def __init__(self, core: KvCore, name: str, token: str) -> None:
        self.core = core
        self.name = name
        self.token = token
        self.store = aio.kv.KVStore(core.url, token)

    def rotate(self) -> str:
        self.token = self.core.token(self.name)
        self.store.close()
        self.store = aio.kv.KVStore(self.core.url, self.token)
        return self.token


class KvCore:
    """A running core whose KV store the tests drive through real worklets' tokens."""

    def __init__(self, home: AioHome, backend: str) -> None:
        self.home = home
        self.backend = backend
        self.repo = worklet_repo(home.src / "worklet")
        self.url = ""
        self._worklets: list[Worklet] = []

    def start(self) -> None:
        self.home.start()
        status = self.home.request("GET", "/kv")
        assert status["backend"] == self.backend and status["error"] is None, status
        self.url = status["url"]

    def token(self, name: str) -> str:
        return self.home.request("POST", f"/kv/worklets/{name}/token")["token"]

    def add_worklet(self) -> Worklet:
        """A new worklet (running or not: the KV store needs only that it exists)."""
        name = f"w{next(_names)}"
        self.home.ok("wl", "add", str(self.repo), "--name", name)
        worklet = Worklet(self, name, self.token(name))
        self._worklets.append(worklet)
        return worklet

    def worklet(self, index: int) -> Worklet:
        """The index-th worklet of this core (made on first use), its store emptied."""
        while len(self._worklets) <= index:
            self.add_worklet()
        worklet = self._worklets[index]
        worklet.store.clear()
        return worklet


def post(url: str, path: str, body: bytes | str, headers: dict[str, str]) -> tuple[int, dict]:
    """One raw POST to the listener; the status and the decoded JSON answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("POST", f"{parts.path}{path}", body, headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return response.status, json.loads(data) if data else {}
