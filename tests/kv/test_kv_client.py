"""`aio.kv`, the worklets' Python client: standard library only, and precise when it has no
store to talk to."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

import aio.kv


def test_importing_aio_kv_loads_only_the_standard_library() -> None:
    code = (
        "import sys, aio.kv\n"
        "store = aio.kv.from_env({'AIO_KV_URL': 'http://127.0.0.1:9/kv/v1', 'AIO_KV_TOKEN': 't'})\n"
        "heavy = ('aiohttp', 'asyncpg', 'aiosqlite', 'textual', 'psycopg', 'yarl', 'multidict')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "ours = sorted(m for m in sys.modules if m.startswith('aio.'))\n"
        "print(loaded, ours)\n"
        "raise SystemExit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "[] ['aio.kv', 'aio.kv.client', 'aio.kv.errors']"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "AIO_KV_URL and AIO_KV_TOKEN not set"),
        ({"AIO_KV_URL": "http://127.0.0.1:1/kv/v1"}, "AIO_KV_TOKEN not set"),
        ({"AIO_KV_TOKEN": "t"}, "AIO_KV_URL not set"),
    ],
)
def test_from_env_names_what_is_missing(env: dict[str, str], missing: str) -> None:
    with pytest.raises(aio.kv.KVConnectionError) as caught:
        aio.kv.from_env(env)
    assert str(caught.value).startswith(f"aio.kv.from_env: {missing} (aio sets them")
    assert caught.value.code == "NOT_CONFIGURED"


def test_a_store_nobody_serves_is_a_connection_error() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = aio.kv.KVStore(f"http://127.0.0.1:{port}/kv/v1", "token")
    with pytest.raises(
        aio.kv.KVConnectionError,
        match=f"cannot reach the KV store at http://127.0.0.1:{port}/kv/v1",
    ):
        store.get(None, "k")
    with pytest.raises(aio.kv.KVConnectionError, match="expected http://HOST:PORT/PATH"):
        aio.kv.KVStore("ftp://x/kv", "token")
