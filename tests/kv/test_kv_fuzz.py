"""Cross-worklet fuzz: random operations by the tokens of several worklets, on the same
namespaces and keys, checked against a model of each worklet's own store. No worklet ever sees
or changes another's data; forged and altered tokens get 401 and change nothing."""

from __future__ import annotations

import os
import random
import secrets

import pytest
from kv_harness import KvCore, post

import aio.kv

WORKLETS = 4
OPERATIONS = 400
NAMESPACES = ["default", "a", "b-1", "C_c"]
KEYS = ["k", "k.1", "K", "x-y", "_z", "counter", "log"]


def _value(rng: random.Random) -> object:
    number = rng.randint(0, 20) / 4  # exact in binary: the same sums in SQLite and Postgres
    choices = [None, True, rng.randint(-5, 5), number, "s" * rng.randint(0, 5)]
    return rng.choice([*choices, [rng.randint(0, 9)], {"n": rng.randint(0, 9)}])


def test_no_worklet_reaches_anothers_data(kv_core: KvCore) -> None:
    seed = int(os.environ.get("AIO_FUZZ_SEED", secrets.randbits(32)))
    rng = random.Random(seed)
    worklets = [kv_core.worklet(i) for i in range(WORKLETS)]
    model: list[dict[str, dict[str, object]]] = [{} for _ in worklets]
    for step in range(OPERATIONS):
        index = rng.randrange(WORKLETS)
        store, mine = worklets[index].store, model[index]
        ns, key = rng.choice(NAMESPACES), rng.choice(KEYS)
        space = mine.setdefault(ns, {})
        op = rng.choice(["set", "get", "has", "delete", "mset", "mget", "increment", "append",
                         "list", "clear", "namespaces"])  # fmt: skip
        where = f"seed {seed}, step {step}: worklet {index} {op} {ns}/{key}"
        if op == "set":
            value = _value(rng)
            store.set(ns, key, value)
            space[key] = value
        elif op == "get":
            assert store.get(ns, key, "<missing>") == space.get(key, "<missing>"), where
        elif op == "has":
            assert store.has(ns, key) == (key in space), where
        elif op == "delete":
            assert store.delete(ns, key) == (key in space), where
            space.pop(key, None)
        elif op == "mset":
            entries = {k: _value(rng) for k in rng.sample(KEYS, 3)}
            store.mset(ns, entries)
            space.update(entries)
        elif op == "mget":
            keys = rng.sample(KEYS, 3)
            assert store.mget(ns, keys) == {k: space[k] for k in keys if k in space}, where
        elif op == "increment":
            current = space.get(key, 0)
            if isinstance(current, bool) or not isinstance(current, int | float):
                with pytest.raises(aio.kv.KVValidationError):
                    store.increment(ns, key, 2)
            else:
                space[key] = current + 2
                assert store.increment(ns, key, 2) == space[key], where
        elif op == "append":
            current = space.get(key, "")
            if isinstance(current, str):
                store.append(ns, key, "ab")
                space[key] = current + "ab"
            elif isinstance(current, list):
                store.append(ns, key, "ab")
                current.append("ab")
            else:
                with pytest.raises(aio.kv.KVValidationError):
                    store.append(ns, key, "ab")
        elif op == "list":
            assert store.list(ns) == sorted(space), where
        elif op == "clear":
            assert store.clear(ns) == len(space), where
            space.clear()
        else:
            assert store.list_namespaces() == sorted(n for n, s in mine.items() if s), where
        if step % 50 == 0:
            _forged_tokens_are_refused(kv_core, worklets[index].token, rng)
    for index, worklet in enumerate(worklets):
        expected = {ns: keys for ns, keys in model[index].items() if keys}
        exported = worklet.store.export_data()
        assert exported.keys() == expected.keys(), f"seed {seed}: worklet {index}"
        for ns, keys in expected.items():
            assert exported[ns] == keys, f"seed {seed}: worklet {index} {ns}"


def _forged_tokens_are_refused(kv_core: KvCore, real: str, rng: random.Random) -> None:
    flipped = list(real)
    at = rng.randrange(len(flipped))
    flipped[at] = "A" if flipped[at] != "A" else "B"
    for token in (secrets.token_urlsafe(32), "".join(flipped), real + "x", real.upper()):
        for method, body in (
            ("exportData", "{}"),
            ("clear", "{}"),
            ("set", '{"key":"k","value":1}'),
        ):
            status, answer = post(
                kv_core.url, f"/{method}", body, {"Authorization": f"Bearer {token}"}
            )
            assert status == 401, (token, method, answer)
