"""The core's KV store: the backend, the worklets' tokens, and the one way in, `call`.

* A token is 32 random bytes (urlsafe base64), handed to the worklet in its environment
  (`AIO_KV_TOKEN`). Only its SHA-256 is kept, in the KV database (one per worklet; issuing a
  new one replaces the old), and in memory for the lookup. `worklet_for_token` hashes what it
  is given and looks the digest up, so the time it takes tells nothing about any stored token.
* `call(worklet, method, params)` checks the parameters and runs the method. The worklet comes
  from the caller (the listener derives it from the token; aio's own clients name it on the
  unix socket), never from the parameters, which refuse any field that names a worklet.
* The backend is SQLite (`$AIO_HOME/kv.sqlite3`) unless `kv_url` names a Postgres database.
  If the backend cannot be opened the core still runs: KV calls answer a KVConnectionError
  naming the cause, and the backend is tried again at most once a second.
* No quotas beyond the rules of aio.kv.validation (a value is at most 1 MiB, a batch at most
  10,000 keys, a request body at most the listener's limit).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from aio.config.settings import Config
from aio.kv.backend import KvBackend
from aio.kv.errors import KVConnectionError, KVError
from aio.kv.methods import METHODS, check_params

log = logging.getLogger("aio.kv")
RETRY_SECONDS = 1.0


def kv_database_path(home: Path) -> Path:
    """The SQLite backend's database file."""
    return home / "kv.sqlite3"


def token_digest(token: str) -> str:
    """What is kept of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def make_backend(home: Path, config: Config) -> KvBackend:
    """The configured backend: Postgres for `kv_url`, else SQLite under `home`."""
    if config.kv_url:
        from aio.kv.postgres_backend import PostgresBackend

        return PostgresBackend(config.kv_url, config.kv_admin_url)
    from aio.kv.sqlite_backend import SqliteBackend

    return SqliteBackend(kv_database_path(home))


class KvService:
    """The worklets' key-value store as the core runs it."""

    def __init__(
        self,
        home: Path,
        config: Config,
        backend: KvBackend | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend if backend is not None else make_backend(home, config)
        self.clock = clock
        self.url: str | None = None  # the worklets' base URL, set once the listener listens
        self.error: str | None = None  # why the backend is not open, while it is not
        self._open = False
        self._tried_at = -RETRY_SECONDS
        self._open_lock = asyncio.Lock()
        self._by_digest: dict[str, int] = {}
        self._digest_of: dict[int, str] = {}

    @property
    def backend_name(self) -> str:
        return self.backend.name

    async def start(self) -> None:
        """Open the backend and load the tokens; a failure is kept in `error`, not raised."""
        try:
            await self._ensure_open()
        except KVConnectionError as exc:
            log.error("KV store: %s", exc)

    async def stop(self) -> None:
        if self._open:
            self._open = False
            await self.backend.close()

    async def _ensure_open(self) -> None:
        if self._open:
            return
        async with self._open_lock:
            if self._open:
                return
            if self.error is not None and self.clock() - self._tried_at < RETRY_SECONDS:
                raise KVConnectionError(f"the KV store is unavailable: {self.error}")
            self._tried_at = self.clock()
            try:
                await self.backend.open()
                tokens = await self.backend.load_tokens()
            except KVError as exc:
                self.error = str(exc)
                raise KVConnectionError(f"the KV store is unavailable: {exc}") from None
            self._by_digest = dict(tokens)
            self._digest_of = {worklet: digest for digest, worklet in tokens.items()}
            self._open, self.error = True, None

    # Tokens

    async def issue_token(self, worklet: int) -> str:
        """A new token for the worklet; the one it had before stops working."""
        await self._ensure_open()
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)
        await self.backend.save_token(worklet, digest)
        old = self._digest_of.pop(worklet, None)
        if old is not None:
            self._by_digest.pop(old, None)
        self._by_digest[digest] = worklet
        self._digest_of[worklet] = digest
        return token

    def worklet_for_token(self, token: str) -> int | None:
        """The worklet a token belongs to, or None. Tokens are looked up by their SHA-256
        digest, so the lookup's timing tells nothing about any stored token."""
        return self._by_digest.get(token_digest(token))

    async def revoke(self, worklet: int) -> None:
        """The worklet's token stops working (its data stays)."""
        await self._ensure_open()
        await self.backend.delete_token(worklet)
        digest = self._digest_of.pop(worklet, None)
        if digest is not None:
            self._by_digest.pop(digest, None)

    async def drop_data(self, worklet: int) -> int:
        """Remove every key of the worklet (`aio wl rm --data`); how many there were."""
        await self._ensure_open()
        return await self.backend.drop(worklet)

    # Calls

    async def call(self, worklet: int, method: str, params: object) -> str:
        """Run a KV method for the worklet; its JSON answer. Raises KVError (a subclass names
        the kind); a KeyError for a method that does not exist (see `METHODS`)."""
        spec = METHODS[method]
        checked = check_params(spec, params)
        await self._ensure_open()
        try:
            return await spec.run(self.backend, worklet, checked)
        except KVError:
            raise
        except Exception as exc:
            log.exception("KV %s for worklet %s failed", method, worklet)
            raise KVError(
                f"{method} failed in the store: {type(exc).__name__}", spec.error_code
            ) from None
