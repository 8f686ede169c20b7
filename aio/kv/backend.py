"""What a KV backend does: the one interface the SQLite and Postgres backends implement.

Every method is scoped by an integer worklet id and takes arguments the service has already
validated (aio.kv.validation). Values travel as JSON text both ways, so the server never
decodes a value it only stores or returns. A backend raises KVValidationError for a request
the stored data refuses (an increment of a string), KVConnectionError when its database cannot
be reached, and lets anything else through (the service names the method that failed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from aio.kv.errors import KVValidationError
from aio.kv.validation import MAX_VALUE_BYTES

# What `append` found in the way, by the JSON type of the stored value (for the error message).
JSON_TYPE_NAMES = {
    "integer": "a number",
    "real": "a number",
    "number": "a number",
    "text": "a string",
    "string": "a string",
    "true": "a boolean",
    "false": "a boolean",
    "boolean": "a boolean",
    "null": "null",
    "object": "an object",
    "array": "an array",
}


@dataclass(frozen=True, slots=True)
class Stats:
    """A worklet's store in figures (the seed's KVStats)."""

    total_keys: int
    total_namespaces: int
    storage_size: int  # bytes of the stored values' JSON text
    last_updated: float | None  # a Unix time, None for an empty store


@dataclass(frozen=True, slots=True)
class AppendValue:
    """What `append` adds: `item` (JSON text) to an array, or `text` (a str) to a string."""

    item: str
    text: str | None  # the value as a Python str when it is a string, else None

    @property
    def initial(self) -> str:
        """What a missing key starts as: the string itself, or an array of the one item."""
        return self.item if self.text is not None else f"[{self.item}]"


def not_a_number(namespace: str, key: str, json_type: str) -> KVValidationError:
    """The refusal of an increment of a value that is no number."""
    found = JSON_TYPE_NAMES.get(json_type, json_type)
    return KVValidationError(
        f"increment: key '{key}' in namespace '{namespace}' holds {found}, not a number"
    )


def increment_overflow(namespace: str, key: str) -> KVValidationError:
    """The refusal of an increment whose result is past the largest finite number."""
    return KVValidationError(
        f"increment: key '{key}' in namespace '{namespace}' would pass the largest number"
    )


def cannot_append(
    namespace: str, key: str, json_type: str, value: AppendValue
) -> KVValidationError:
    """The refusal of an append that does not fit the stored value (or would make it too big)."""
    found = JSON_TYPE_NAMES.get(json_type, json_type)
    where = f"key '{key}' in namespace '{namespace}'"
    if json_type in ("text", "string") and value.text is None:
        return KVValidationError(f"append: {where} holds a string; only a string appends to it")
    if json_type in ("text", "string", "array"):
        return KVValidationError(
            f"append: {where} would grow past {MAX_VALUE_BYTES} bytes (1 MiB) as JSON"
        )
    return KVValidationError(f"append: {where} holds {found}; append needs a string or an array")


class KvBackend(ABC):
    """A store of JSON values by (worklet, namespace, key), and the worklets' token digests."""

    name = "backend"

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date (raises KVConnectionError if it cannot)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connections."""

    @abstractmethod
    async def set(self, worklet: int, namespace: str, key: str, value: str) -> None:
        """Store `value` (JSON text) under the key, replacing what was there."""

    @abstractmethod
    async def get(self, worklet: int, namespace: str, key: str) -> str | None:
        """The key's JSON text (a stored null is the text "null"), or None if it is missing."""

    @abstractmethod
    async def has(self, worklet: int, namespace: str, key: str) -> bool:
        """Whether the key is stored (also when it holds null)."""

    @abstractmethod
    async def delete(self, worklet: int, namespace: str, key: str) -> bool:
        """Remove the key; whether it was there."""

    @abstractmethod
    async def mset(self, worklet: int, namespace: str, entries: list[tuple[str, str]]) -> int:
        """Store every (key, JSON text) in one transaction: all of them or none."""

    @abstractmethod
    async def mget(self, worklet: int, namespace: str, keys: list[str]) -> dict[str, str]:
        """The stored ones of `keys`, key -> JSON text; missing keys are absent."""

    @abstractmethod
    async def list(
        self, worklet: int, namespace: str | None, pattern: str | None, limit: int, offset: int
    ) -> list[tuple[str, str]]:
        """(namespace, key) pairs ordered by namespace then key (bytewise), the pattern (`*`,
        `?`, everything else literal) applied before `offset` and `limit`."""

    @abstractmethod
    async def list_namespaces(self, worklet: int) -> list[str]:
        """The namespaces that hold at least one key, sorted."""

    @abstractmethod
    async def clear(self, worklet: int, namespace: str | None) -> int:
        """Remove every key of the namespace (None: of the worklet); how many were removed."""

    @abstractmethod
    async def increment(
        self, worklet: int, namespace: str, key: str, delta: int | float
    ) -> int | float:
        """Add `delta` to the stored number (a missing key counts as 0) in one statement; the
        new value. A stored value that is no number is a KVValidationError."""

    @abstractmethod
    async def append(self, worklet: int, namespace: str, key: str, value: AppendValue) -> None:
        """Append in one statement: a string to a stored string, any value to a stored array; a
        missing key becomes the string, or an array of the value. Anything else, or a result
        over 1 MiB, is a KVValidationError."""

    @abstractmethod
    async def stats(self, worklet: int) -> Stats:
        """The worklet's figures."""

    @abstractmethod
    async def export(self, worklet: int) -> list[tuple[str, str, str]]:
        """Every (namespace, key, JSON text) of the worklet, ordered by namespace then key."""

    @abstractmethod
    async def import_rows(self, worklet: int, rows: list[tuple[str, str, str]]) -> int:
        """Store every (namespace, key, JSON text) in one transaction: all or none."""

    @abstractmethod
    async def drop(self, worklet: int) -> int:
        """Remove all the worklet's data; how many keys there were."""

    @abstractmethod
    async def save_token(self, worklet: int, digest: str) -> None:
        """Keep `digest` (a token's SHA-256) as the worklet's one token, replacing its last."""

    @abstractmethod
    async def delete_token(self, worklet: int) -> None:
        """Forget the worklet's token."""

    @abstractmethod
    async def load_tokens(self) -> dict[str, int]:
        """Every token digest -> its worklet."""
