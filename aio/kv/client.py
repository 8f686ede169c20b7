"""`aio.kv`: a worklet's Python client of its key-value store. Standard library only.

    import aio.kv
    store = aio.kv.from_env()          # AIO_KV_URL and AIO_KV_TOKEN, set by aio for a worklet
    store.set("user_prefs", "theme", "dark")
    store.get("user_prefs", "theme")   # "dark"; a missing key gives None (or `default`)

The seed's methods in snake case, with the namespace first (None: `default`). A store keeps
its HTTP connections open between calls (keep-alive), and may be shared by threads: each call
takes an idle connection or opens one. A call whose reused connection turns out closed by the
server before any answer (an idle keep-alive timing out) is sent once more on a new one.
Errors are KVValidationError (a broken rule: bad key, value too big...), KVConnectionError
(the store cannot be reached) and KVError (the rest; `code` says which).
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from typing import Any
from urllib.parse import urlsplit

from aio.kv.errors import KVConnectionError, KVError, KVValidationError, error_from_answer

_MISSING: Any = object()
TIMEOUT = 30.0


class KVStore:
    """One worklet's store, reached over HTTP with its token."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise KVConnectionError(f"AIO_KV_URL: expected http://HOST:PORT/PATH, got {url!r}")
        self.url = url.rstrip("/")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._path = parts.path.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        self.timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    # The wire

    def call(self, method: str, params: dict | None = None) -> dict:
        """POST one method with its parameters; the decoded answer (`{"result": ...}`)."""
        try:
            body = json.dumps(params or {}, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise KVValidationError(f"{method}: parameters are not JSON ({exc})") from None
        except UnicodeEncodeError:
            raise KVValidationError(f"{method}: a string holds a lone surrogate") from None
        status, data = self._post(f"{self._path}/{method}", body)
        try:
            answer = json.loads(data) if data else {}
        except ValueError:
            answer = None
        if status >= 400 or not isinstance(answer, dict):
            raise error_from_answer(answer, status)
        return answer

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            status, data = self._exchange(conn, path, body)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            if not reused:
                raise KVConnectionError(
                    f"the KV store at {self.url} closed the connection"
                ) from None
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            status, data = self._send_once(conn, path, body)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise KVConnectionError(f"cannot reach the KV store at {self.url}: {exc}") from None
        with self._lock:
            self._idle.append(conn)
        return status, data

    def _send_once(self, conn: http.client.HTTPConnection, path: str, body: bytes):
        try:
            return self._exchange(conn, path, body)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise KVConnectionError(f"cannot reach the KV store at {self.url}: {exc}") from None

    def _exchange(self, conn: http.client.HTTPConnection, path: str, body: bytes):
        conn.request("POST", path, body, self._headers)
        response = conn.getresponse()
        data = response.read()
        if response.will_close:
            conn.close()  # reopened on its next use
        return response.status, data

    def close(self) -> None:
        """Close the idle connections (a later call opens a new one)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> KVStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # The seed's methods

    def set(self, namespace: str | None, key: str, value: Any) -> None:
        """Store any JSON value (at most 1 MiB as JSON) under the key."""
        self.call("set", {"namespace": namespace, "key": key, "value": value})

    def get(self, namespace: str | None, key: str, default: Any = None) -> Any:
        """The key's value; `default` when the key is missing (a stored null is None)."""
        answer = self.call("get", {"namespace": namespace, "key": key})
        return answer["result"] if answer.get("found") else default

    def has(self, namespace: str | None, key: str) -> bool:
        """Whether the key is stored (also when it holds null)."""
        return self.call("has", {"namespace": namespace, "key": key})["result"]

    def delete(self, namespace: str | None, key: str) -> bool:
        """Remove the key; whether it was there."""
        return self.call("delete", {"namespace": namespace, "key": key})["result"]

    def mset(self, namespace: str | None, entries: dict[str, Any]) -> None:
        """Store every key: value of `entries`, all of them or (on any error) none."""
        self.call("mset", {"namespace": namespace, "entries": entries})

    def mget(self, namespace: str | None, keys: list[str]) -> dict[str, Any]:
        """The stored ones of `keys` (a stored null is present as None)."""
        return self.call("mget", {"namespace": namespace, "keys": list(keys)})["result"]

    def list(
        self,
        namespace: str | None = None,
        pattern: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[str]:
        """Keys ordered by namespace then key; `pattern` (`*`, `?`) is applied before
        `offset`/`limit` (default 1000). No namespace: every namespace."""
        params = {"namespace": namespace, "pattern": pattern, "limit": limit, "offset": offset}
        return self.call("list", {k: v for k, v in params.items() if v is not None})["result"]

    def list_namespaces(self) -> list[str]:
        """The namespaces that hold keys, sorted."""
        return self.call("listNamespaces")["result"]

    def clear(self, namespace: str | None = None) -> int:
        """Remove the namespace's keys (None: every key); how many."""
        params = {} if namespace is None else {"namespace": namespace}
        return self.call("clear", params)["result"]

    def increment(self, namespace: str | None, key: str, delta: int | float = 1) -> int | float:
        """Add `delta` to the stored number, atomically (missing: 0); the new value."""
        params = {"namespace": namespace, "key": key, "delta": delta}
        return self.call("increment", params)["result"]

    def append(self, namespace: str | None, key: str, value: Any) -> None:
        """Append atomically: a string to a stored string, any value to a stored array (a
        missing key becomes the string, or an array of the value)."""
        self.call("append", {"namespace": namespace, "key": key, "value": value})

    def get_stats(self) -> dict[str, Any]:
        """`{"totalKeys", "totalNamespaces", "storageSize", "lastUpdated"}` (the seed's)."""
        return self.call("getStats")["result"]

    def export_data(self) -> dict[str, dict[str, Any]]:
        """Every namespace's keys and values."""
        return self.call("exportData")["result"]

    def import_data(self, data: dict[str, dict[str, Any]]) -> None:
        """Store `{namespace: {key: value}}`, all of it or (on any error) nothing."""
        self.call("importData", {"data": data})


def from_env(environ: dict[str, str] | None = None) -> KVStore:
    """The worklet's store from AIO_KV_URL and AIO_KV_TOKEN (set by aio for each worklet)."""
    env = os.environ if environ is None else environ
    missing = [name for name in ("AIO_KV_URL", "AIO_KV_TOKEN") if not env.get(name)]
    if missing:
        raise KVConnectionError(
            f"aio.kv.from_env: {' and '.join(missing)} not set (aio sets them for a worklet "
            "it runs; elsewhere use aio.kv.KVStore(url, token))",
            "NOT_CONFIGURED",
        )
    return KVStore(env["AIO_KV_URL"], env["AIO_KV_TOKEN"])


__all__ = ["KVConnectionError", "KVError", "KVStore", "KVValidationError", "from_env"]
