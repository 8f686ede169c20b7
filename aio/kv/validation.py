"""The KV store's rules (the seed's, checked on the server for every request).

* A key is 1-100 characters of `[A-Za-z0-9_.-]`; a namespace 1-50 of `[A-Za-z0-9_-]`; the
  namespace defaults to `default`.
* A value is any JSON value of at most 1 MiB, measured as compact JSON in UTF-8 (the seed
  measured JSON.stringify's UTF-16 length). Not JSON: NaN and infinities, a lone surrogate, and
  the NUL character inside a string (Postgres's JSONB cannot hold it, and both backends keep
  the same rules).
* A list pattern is at most 200 characters: `*` matches any run of characters, `?` one, and
  every other character stands for itself.
Each refusal is a KVValidationError whose message names the field and what was wrong.
"""

from __future__ import annotations

import json
import math
import re

from aio.kv.errors import KVValidationError

DEFAULT_NAMESPACE = "default"
MAX_KEY_CHARS = 100
MAX_NAMESPACE_CHARS = 50
MAX_VALUE_BYTES = 1024 * 1024
MAX_PATTERN_CHARS = 200
DEFAULT_LIST_LIMIT = 1000  # the seed's
MAX_LIST_LIMIT = 10_000
MAX_BATCH = 10_000  # keys in one mset, mget or importData
MAX_DELTA = 2**53 - 1  # the largest integer a JavaScript number holds exactly

_KEY = re.compile(r"[A-Za-z0-9_.\-]+")
_NAMESPACE = re.compile(r"[A-Za-z0-9_\-]+")
# A JSON escape of NUL that is not itself an escaped backslash followed by "u0000".
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_key(key: object, field: str = "key") -> str:
    """`key` if it is a valid key, else a KVValidationError naming `field`."""
    if not isinstance(key, str) or not key:
        raise KVValidationError(f"{field}: expected a non-empty string, got {_shown(key)}")
    if len(key) > MAX_KEY_CHARS:
        raise KVValidationError(
            f"{field}: at most {MAX_KEY_CHARS} characters, got {len(key)} ({_shown(key)})"
        )
    if not _KEY.fullmatch(key):
        raise KVValidationError(
            f"{field}: {_shown(key)} may hold only letters, digits, '_', '.' and '-'"
        )
    return key


def check_namespace(namespace: object, field: str = "namespace") -> str:
    """`namespace` if valid (None means `default`), else a KVValidationError naming `field`."""
    if namespace is None:
        return DEFAULT_NAMESPACE
    if not isinstance(namespace, str) or not namespace:
        raise KVValidationError(f"{field}: expected a non-empty string, got {_shown(namespace)}")
    if len(namespace) > MAX_NAMESPACE_CHARS:
        raise KVValidationError(
            f"{field}: at most {MAX_NAMESPACE_CHARS} characters, got {len(namespace)} "
            f"({_shown(namespace)})"
        )
    if not _NAMESPACE.fullmatch(namespace):
        raise KVValidationError(
            f"{field}: {_shown(namespace)} may hold only letters, digits, '_' and '-'"
        )
    return namespace


def encode_value(value: object, field: str = "value") -> str:
    """The value as compact JSON text, or a KVValidationError saying why it cannot be stored."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:  # NaN, an infinity, or a circular structure
        raise KVValidationError(f"{field}: not valid JSON ({exc})") from None
    except TypeError as exc:
        raise KVValidationError(f"{field}: not JSON-serializable ({exc})") from None
    except RecursionError:
        raise KVValidationError(f"{field}: nested too deeply") from None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise KVValidationError(f"{field}: holds a lone surrogate, which is not text") from None
    if size > MAX_VALUE_BYTES:
        raise KVValidationError(
            f"{field}: {size} bytes as JSON, more than the {MAX_VALUE_BYTES} allowed (1 MiB)"
        )
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        raise KVValidationError(f"{field}: a string holds the NUL character (\\u0000)")
    return text


def check_delta(delta: object) -> int | float:
    """An increment's delta: a finite number (default 1), not a boolean."""
    if delta is None:
        return 1
    if isinstance(delta, bool) or not isinstance(delta, int | float):
        raise KVValidationError(f"delta: expected a finite number, got {_shown(delta)}")
    if isinstance(delta, float) and not math.isfinite(delta):
        raise KVValidationError(f"delta: expected a finite number, got {delta}")
    if isinstance(delta, int) and abs(delta) > MAX_DELTA:
        raise KVValidationError(f"delta: at most {MAX_DELTA} either way, got {delta}")
    return delta


def check_pattern(pattern: object) -> str | None:
    """A list pattern (None: every key)."""
    if pattern is None:
        return None
    if not isinstance(pattern, str) or not pattern:
        raise KVValidationError(f"pattern: expected a non-empty string, got {_shown(pattern)}")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise KVValidationError(f"pattern: at most {MAX_PATTERN_CHARS} characters")
    if "\x00" in pattern:
        raise KVValidationError("pattern: must not hold the NUL character")
    return pattern


def check_count(value: object, field: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high` (None: `default`)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise KVValidationError(
            f"{field}: expected a whole number from {low} to {high}, got {_shown(value)}"
        )
    return value


def check_keys(keys: object) -> list[str]:
    """mget's keys: a list of valid keys, at most MAX_BATCH."""
    if not isinstance(keys, list):
        raise KVValidationError(f"keys: expected a list of keys, got {_shown(keys)}")
    if len(keys) > MAX_BATCH:
        raise KVValidationError(f"keys: at most {MAX_BATCH} at once, got {len(keys)}")
    return [check_key(k, f"keys[{i}]") for i, k in enumerate(keys)]


def check_entries(entries: object, field: str = "entries") -> list[tuple[str, str]]:
    """mset's entries, `{key: value}`, as (key, JSON text) pairs; every one checked first."""
    if not isinstance(entries, dict):
        raise KVValidationError(f"{field}: expected an object of key: value, got {_shown(entries)}")
    if len(entries) > MAX_BATCH:
        raise KVValidationError(f"{field}: at most {MAX_BATCH} keys at once, got {len(entries)}")
    return [
        (check_key(k, f"{field} key"), encode_value(v, f"{field}[{k!r}]"))
        for k, v in entries.items()
    ]


def check_import(data: object) -> list[tuple[str, str, str]]:
    """importData's `{namespace: {key: value}}` as (namespace, key, JSON text) rows."""
    if not isinstance(data, dict):
        raise KVValidationError(
            f"data: expected an object of namespace: {{key: value}}, got {_shown(data)}"
        )
    rows = []
    for namespace, entries in data.items():
        check_namespace(namespace, "data namespace")
        pairs = check_entries(entries, f"data[{namespace!r}]")
        rows.extend((namespace, key, text) for key, text in pairs)
        if len(rows) > MAX_BATCH:
            raise KVValidationError(f"data: at most {MAX_BATCH} keys at once")
    return rows
