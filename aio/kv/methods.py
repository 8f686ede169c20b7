"""The 15 KV methods: each one's parameters, checks and answer, over any backend.

A method takes the request's parameters (a JSON object) and answers JSON text, built around
the stored values' own text (a value is never decoded only to be encoded again). Every answer
is an object with `result`; `get` adds `found`, `list` adds `entries`:

    set       {namespace?, key, value}             -> {"result": null}
    get       {namespace?, key}                    -> {"result": value, "found": true}
                                                      {"result": null, "found": false} (missing)
    has       {namespace?, key}                    -> {"result": true|false}
    delete    {namespace?, key}                    -> {"result": whether it was there}
    mset      {namespace?, entries: {key: value}}  -> {"result": keys written} (all or none)
    mget      {namespace?, keys: [key...]}         -> {"result": {key: value}} (only stored ones)
    list      {namespace?, pattern?, limit?, offset?}
                                                   -> {"result": [key...],
                                                       "entries": [{"namespace", "key"}...]}
    listNamespaces {}                              -> {"result": [namespace...]}
    clear     {namespace?}                         -> {"result": keys removed}
    increment {namespace?, key, delta?}            -> {"result": the new number}
    append    {namespace?, key, value}             -> {"result": null}
    getStats  {}                                   -> {"result": {totalKeys, totalNamespaces,
                                                       storageSize, lastUpdated}}
    exportData {}                                  -> {"result": {namespace: {key: value}}}
    importData {data: {namespace: {key: value}}}   -> {"result": keys written} (all or none)

`namespace` defaults to `default` where it names one key's namespace; for `list` and `clear` a
missing namespace means every namespace. `list` defaults to limit 1000, offset 0.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aio.kv.backend import AppendValue, KvBackend
from aio.kv.errors import KVValidationError
from aio.kv.validation import (
    DEFAULT_LIST_LIMIT,
    MAX_LIST_LIMIT,
    check_count,
    check_delta,
    check_entries,
    check_import,
    check_key,
    check_keys,
    check_namespace,
    check_pattern,
    encode_value,
)

Run = Callable[[KvBackend, int, dict], Awaitable[str]]
_NULL_RESULT = '{"result":null}'


@dataclass(frozen=True, slots=True)
class Method:
    """One KV method: its parameters (the first `required` must be given) and how it runs."""

    name: str
    params: tuple[str, ...]
    required: tuple[str, ...]
    run: Run

    @property
    def error_code(self) -> str:
        """The seed's code for a failure of the store in this method (SET_ERROR, ...)."""
        return _ERROR_CODES[self.name]


def _result(value: object) -> str:
    return json.dumps({"result": value}, separators=(",", ":"))


def _quoted(text: str) -> str:
    return json.dumps(text)


def _ns_key(p: dict) -> tuple[str, str]:
    return check_namespace(p.get("namespace")), check_key(p.get("key"))


async def _set(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace, key = _ns_key(p)
    await backend.set(worklet, namespace, key, encode_value(p["value"]))
    return _NULL_RESULT


async def _get(backend: KvBackend, worklet: int, p: dict) -> str:
    text = await backend.get(worklet, *_ns_key(p))
    if text is None:
        return '{"result":null,"found":false}'
    return f'{{"result":{text},"found":true}}'


async def _has(backend: KvBackend, worklet: int, p: dict) -> str:
    return _result(await backend.has(worklet, *_ns_key(p)))


async def _delete(backend: KvBackend, worklet: int, p: dict) -> str:
    return _result(await backend.delete(worklet, *_ns_key(p)))


async def _mset(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace = check_namespace(p.get("namespace"))
    entries = check_entries(p["entries"])  # every entry checked before anything is written
    if not entries:
        return _result(0)
    return _result(await backend.mset(worklet, namespace, entries))


async def _mget(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace = check_namespace(p.get("namespace"))
    keys = check_keys(p["keys"])
    found = await backend.mget(worklet, namespace, keys) if keys else {}
    body = ",".join(f"{_quoted(k)}:{v}" for k, v in found.items())
    return f'{{"result":{{{body}}}}}'


async def _list(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace = p.get("namespace")
    if namespace is not None:
        namespace = check_namespace(namespace)
    pattern = check_pattern(p.get("pattern"))
    limit = check_count(p.get("limit"), "limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT)
    offset = check_count(p.get("offset"), "offset", 0, 0, 2**31)
    pairs = await backend.list(worklet, namespace, pattern, limit, offset)
    entries = [{"namespace": ns, "key": key} for ns, key in pairs]
    answer = {"result": [key for _, key in pairs], "entries": entries}
    return json.dumps(answer, separators=(",", ":"))


async def _list_namespaces(backend: KvBackend, worklet: int, p: dict) -> str:
    return _result(await backend.list_namespaces(worklet))


async def _clear(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace = p.get("namespace")
    if namespace is not None:
        namespace = check_namespace(namespace)
    return _result(await backend.clear(worklet, namespace))


async def _increment(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace, key = _ns_key(p)
    delta = check_delta(p.get("delta"))
    return _result(await backend.increment(worklet, namespace, key, delta))


async def _append(backend: KvBackend, worklet: int, p: dict) -> str:
    namespace, key = _ns_key(p)
    value = p["value"]
    item = encode_value(value)
    await backend.append(
        worklet, namespace, key, AppendValue(item, value if isinstance(value, str) else None)
    )
    return _NULL_RESULT


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


async def _stats(backend: KvBackend, worklet: int, p: dict) -> str:
    stats = await backend.stats(worklet)
    return _result(
        {
            "totalKeys": stats.total_keys,
            "totalNamespaces": stats.total_namespaces,
            "storageSize": stats.storage_size,
            "lastUpdated": _iso(stats.last_updated),
        }
    )


async def _export(backend: KvBackend, worklet: int, p: dict) -> str:
    groups: dict[str, list[str]] = {}
    for namespace, key, text in await backend.export(worklet):
        groups.setdefault(namespace, []).append(f"{_quoted(key)}:{text}")
    body = ",".join(f"{_quoted(ns)}:{{{','.join(items)}}}" for ns, items in groups.items())
    return f'{{"result":{{{body}}}}}'


async def _import(backend: KvBackend, worklet: int, p: dict) -> str:
    rows = check_import(p["data"])  # every row checked before anything is written
    if not rows:
        return _result(0)
    return _result(await backend.import_rows(worklet, rows))


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("set", ("namespace", "key", "value"), ("key", "value"), _set),
        Method("get", ("namespace", "key"), ("key",), _get),
        Method("has", ("namespace", "key"), ("key",), _has),
        Method("delete", ("namespace", "key"), ("key",), _delete),
        Method("mset", ("namespace", "entries"), ("entries",), _mset),
        Method("mget", ("namespace", "keys"), ("keys",), _mget),
        Method("list", ("namespace", "pattern", "limit", "offset"), (), _list),
        Method("listNamespaces", (), (), _list_namespaces),
        Method("clear", ("namespace",), (), _clear),
        Method("increment", ("namespace", "key", "delta"), ("key",), _increment),
        Method("append", ("namespace", "key", "value"), ("key", "value"), _append),
        Method("getStats", (), (), _stats),
        Method("exportData", (), (), _export),
        Method("importData", ("data",), ("data",), _import),
    )
}
_ERROR_CODES = {
    "set": "SET_ERROR",
    "get": "GET_ERROR",
    "has": "HAS_ERROR",
    "delete": "DELETE_ERROR",
    "mset": "MSET_ERROR",
    "mget": "MGET_ERROR",
    "list": "LIST_ERROR",
    "listNamespaces": "LIST_NAMESPACES_ERROR",
    "clear": "CLEAR_ERROR",
    "increment": "INCREMENT_ERROR",
    "append": "APPEND_ERROR",
    "getStats": "STATS_ERROR",
    "exportData": "EXPORT_ERROR",
    "importData": "IMPORT_ERROR",
}
_WORKLET_FIELDS = {"worklet", "worklet_id", "workletid", "worklet-id"}


def check_params(method: Method, params: object) -> dict:
    """The request's parameters if they fit the method: an object, only the method's own
    names (never a worklet: the token names it), the required ones present."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise KVValidationError(f"{method.name}: expected the parameters as a JSON object")
    for name in params:
        if isinstance(name, str) and name.lower() in _WORKLET_FIELDS:
            raise KVValidationError(
                f"{method.name}: parameter '{name}' refused: a request never names a worklet "
                "(the token says which one it is)"
            )
        if name not in method.params:
            known = ", ".join(method.params) or "none"
            raise KVValidationError(f"{method.name}: unknown parameter {name!r} (known: {known})")
    for name in method.required:
        if name not in params:
            raise KVValidationError(f"{method.name}: parameter '{name}' is required")
    return params
