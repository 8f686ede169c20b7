"""The KV store's conformance suite: every method through the real listener of a real core
with the real `aio.kv` client, on both backends (the `kv_core` fixture is parametrized)."""

from __future__ import annotations

import pytest
from kv_harness import Worklet

import aio.kv
from aio.kv import KVValidationError

VALUES = [
    "text",
    "",
    "ünïcødé ✓ 😀",
    'quotes " and \\ backslash\n',
    0,
    -17,
    2**53,
    3.25,
    True,
    False,
    None,
    [],
    {},
    [1, "two", None, [3.5], {"x": False}],
    {"nested": {"deeper": [1, 2, {"k": "v"}]}, "n": None},
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:20] for v in VALUES])
def test_set_then_get_gives_back_the_same_json(worklet: Worklet, value: object) -> None:
    worklet.store.set("types", "k", value)
    assert worklet.store.get("types", "k", default="missing") == value
    assert worklet.store.has("types", "k") is True


def test_set_replaces_and_the_namespace_defaults_to_default(worklet: Worklet) -> None:
    store = worklet.store
    store.set(None, "theme", "dark")
    store.set("default", "theme", "light")
    assert store.get(None, "theme") == "light"
    assert store.list_namespaces() == ["default"]


def test_a_stored_null_is_not_a_missing_key(worklet: Worklet) -> None:
    store = worklet.store
    store.set("n", "empty", None)
    assert store.has("n", "empty") is True
    assert store.has("n", "absent") is False
    assert store.get("n", "empty", default="missing") is None
    assert store.get("n", "absent", default="missing") == "missing"
    assert store.mget("n", ["empty", "absent"]) == {"empty": None}
    assert store.call("get", {"namespace": "n", "key": "empty"}) == {"result": None, "found": True}
    assert store.call("get", {"namespace": "n", "key": "absent"}) == {
        "result": None,
        "found": False,
    }


def test_delete_says_whether_the_key_was_there(worklet: Worklet) -> None:
    store = worklet.store
    store.set(None, "k", 1)
    assert store.delete(None, "k") is True
    assert store.delete(None, "k") is False
    assert store.has(None, "k") is False


def test_mset_and_mget(worklet: Worklet) -> None:
    store = worklet.store
    store.mset("app_state", {"current_page": "dashboard", "sidebar_open": True, "n": None})
    assert store.mget("app_state", ["current_page", "sidebar_open", "n", "nope"]) == {
        "current_page": "dashboard",
        "sidebar_open": True,
        "n": None,
    }
    assert store.mget("app_state", []) == {}
    store.mset("app_state", {})  # nothing to do, no error


def test_mset_with_one_bad_entry_in_the_middle_writes_nothing(worklet: Worklet) -> None:
    store = worklet.store
    store.set("batch", "b", "before")
    with pytest.raises(KVValidationError, match="entries key: 'bad key'"):
        store.mset("batch", {"a": 1, "b": 2, "bad key": 3, "c": 4})
    with pytest.raises(KVValidationError, match="more than the 1048576 allowed"):
        store.mset("batch", {"a": 1, "big": "x" * (1024 * 1024), "c": 4})
    assert store.export_data() == {"batch": {"b": "before"}}


def test_import_data_with_one_bad_entry_writes_nothing(worklet: Worklet) -> None:
    store = worklet.store
    store.set("keep", "k", "kept")
    bad = {"a": {"x": 1, "y": 2}, "b-ad ns!": {"z": 3}, "c": {"w": 4}}
    with pytest.raises(KVValidationError, match="data namespace: 'b-ad ns!'"):
        store.import_data(bad)
    with pytest.raises(KVValidationError, match=r"data\['c'\] key: 'w w'"):
        store.import_data({"a": {"x": 1}, "c": {"v": 1, "w w": 2}})
    with pytest.raises(KVValidationError, match=r"data\['c'\]: expected an object"):
        store.import_data({"a": {"x": 1}, "c": [1, 2]})
    assert store.export_data() == {"keep": {"k": "kept"}}


def test_export_then_import_round_trips_and_overwrites(worklet: Worklet, other: Worklet) -> None:
    data = {"a": {"k1": [1, {"x": None}], "k2": "s"}, "b": {"k": 2.5}}
    worklet.store.import_data(data)
    assert worklet.store.export_data() == data
    other.store.set("a", "k1", "old")
    other.store.import_data(worklet.store.export_data())
    assert other.store.export_data() == data


def test_list_is_ordered_by_namespace_then_key(worklet: Worklet) -> None:
    store = worklet.store
    store.import_data(
        {
            "zeta": {"a": 1},
            "Alpha": {"b": 1, "B": 1, "a": 1},
            "alpha": {"z": 1, "_x": 1, "-y": 1, ".w": 1, "9": 1},
        }
    )
    entries = store.call("list", {})["entries"]
    assert [(e["namespace"], e["key"]) for e in entries] == [
        ("Alpha", "B"),
        ("Alpha", "a"),
        ("Alpha", "b"),
        ("alpha", "-y"),
        ("alpha", ".w"),
        ("alpha", "9"),
        ("alpha", "_x"),
        ("alpha", "z"),
        ("zeta", "a"),
    ]
    assert store.list("alpha") == ["-y", ".w", "9", "_x", "z"]
    assert store.list_namespaces() == ["Alpha", "alpha", "zeta"]


def test_list_pages_after_the_pattern(worklet: Worklet) -> None:
    store = worklet.store
    store.mset("p", {f"item_{i:02}": i for i in range(30)})
    store.mset("p", {f"other{i}": i for i in range(30)})
    assert store.list("p", pattern="item_*", limit=5) == [f"item_{i:02}" for i in range(5)]
    assert store.list("p", pattern="item_*", limit=5, offset=25) == [
        f"item_{i:02}" for i in range(25, 30)
    ]
    assert store.list("p", pattern="item_*", offset=30) == []
    assert store.list("p", limit=3, offset=29) == ["item_29", "other0", "other1"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", ["a.b", "a_b", "aXb", "ab", "abc", "a-b"]),
        ("a?b", ["a.b", "a_b", "aXb", "a-b"]),
        ("a_b", ["a_b"]),  # `_` is literal, not LIKE's one-character wildcard
        ("a%", []),  # `%` is literal, not LIKE's any-run wildcard
        ("a%*", []),
        ("a[_]b", []),  # `[` is literal, not a GLOB character class
        ("a[", []),
        ("a.b", ["a.b"]),  # `.` is literal, not a regex's any character
        ("ab*", ["ab", "abc"]),
        ("*b", ["a.b", "a_b", "aXb", "ab", "a-b"]),
        ("AB*", []),  # case-sensitive
        ("a*b*", ["a.b", "a_b", "aXb", "ab", "abc", "a-b"]),
        ("???", ["a.b", "a_b", "aXb", "abc", "a-b"]),
        ("\\*", []),
    ],
)
def test_list_patterns_treat_every_other_character_literally(
    worklet: Worklet, pattern: str, expected: list[str]
) -> None:
    worklet.store.mset("pat", {k: 1 for k in ["ab", "abc", "a_b", "aXb", "a.b", "a-b"]})
    worklet.store.set("else", "a_b", 1)  # another namespace: not listed
    assert worklet.store.list("pat", pattern=pattern) == sorted(expected)


def test_clear_a_namespace_or_everything(worklet: Worklet) -> None:
    store = worklet.store
    store.import_data({"a": {"x": 1, "y": 2}, "b": {"z": 3}})
    assert store.clear("a") == 2
    assert store.clear("nothing_here") == 0
    assert store.export_data() == {"b": {"z": 3}}
    assert store.clear() == 1
    assert store.export_data() == {}


def test_increment(worklet: Worklet) -> None:
    store = worklet.store
    assert store.increment("c", "n") == 1
    assert store.increment("c", "n", 41) == 42
    assert store.increment("c", "n", -50) == -8
    assert store.increment("c", "f", 0.5) == 0.5
    assert store.increment("c", "f", 0.25) == 0.75
    assert store.increment("c", "n", 0.5) == -7.5
    store.set("c", "big", 2**53)
    assert store.increment("c", "big", 2) == 2**53 + 2
    assert store.get("c", "n") == -7.5


@pytest.mark.parametrize(
    ("stored", "what"),
    [("12", "a string"), (None, "null"), (True, "a boolean"), ([1], "an array"), ({}, "an object")],
)
def test_increment_of_a_non_number_is_refused_and_changes_nothing(
    worklet: Worklet, stored: object, what: str
) -> None:
    worklet.store.set("c", "k", stored)
    with pytest.raises(KVValidationError) as caught:
        worklet.store.increment("c", "k")
    assert str(caught.value) == f"increment: key 'k' in namespace 'c' holds {what}, not a number"
    assert caught.value.code == "VALIDATION_ERROR"
    assert worklet.store.get("c", "k") == stored


def test_increment_past_the_largest_number_is_refused(worklet: Worklet) -> None:
    worklet.store.set("c", "huge", 1.5e308)
    with pytest.raises(KVValidationError, match="would pass the largest number"):
        worklet.store.increment("c", "huge", 1e308)
    # Postgres gives numbers back in plain decimal notation: an int of the same value here.
    assert float(worklet.store.get("c", "huge")) == 1.5e308


def test_append_to_strings_and_arrays(worklet: Worklet) -> None:
    store = worklet.store
    store.append("a", "s", "ab")
    store.append("a", "s", "cd ✓")
    assert store.get("a", "s") == "abcd ✓"
    store.append("a", "items", {"first": 1})  # a missing key and a non-string: an array
    store.append("a", "items", None)
    store.append("a", "items", "three")
    assert store.get("a", "items") == [{"first": 1}, None, "three"]
    store.set("a", "list", [])
    store.append("a", "list", [1, 2])
    assert store.get("a", "list") == [[1, 2]]


@pytest.mark.parametrize(
    ("stored", "value", "message"),
    [
        (5, "x", "holds a number; append needs a string or an array"),
        ({"a": 1}, "x", "holds an object; append needs a string or an array"),
        (None, "x", "holds null; append needs a string or an array"),
        ("text", 5, "holds a string; only a string appends to it"),
        ("text", ["x"], "holds a string; only a string appends to it"),
    ],
)
def test_append_that_does_not_fit_is_refused(
    worklet: Worklet, stored: object, value: object, message: str
) -> None:
    worklet.store.set("a", "k", stored)
    with pytest.raises(KVValidationError) as caught:
        worklet.store.append("a", "k", value)
    assert str(caught.value) == f"append: key 'k' in namespace 'a' {message}"
    assert worklet.store.get("a", "k") == stored


def test_append_past_one_mib_is_refused_and_keeps_the_value(worklet: Worklet) -> None:
    store = worklet.store
    store.set("a", "s", "x" * (1024 * 1024 - 10))
    with pytest.raises(KVValidationError, match=r"would grow past 1048576 bytes \(1 MiB\)"):
        store.append("a", "s", "y" * 20)
    store.append("a", "s", "y" * 8)  # exactly 1 MiB with its quotes
    assert len(store.get("a", "s")) == 1024 * 1024 - 2


def test_values_up_to_one_mib_are_kept_and_larger_ones_refused(worklet: Worklet) -> None:
    store = worklet.store
    exact = "é" * ((1024 * 1024 - 2) // 2)  # two bytes each in UTF-8, plus two quotes
    store.set("big", "exact", exact)
    assert store.get("big", "exact") == exact
    with pytest.raises(KVValidationError) as caught:
        store.set("big", "over", exact + "x")
    assert str(caught.value) == (
        "value: 1048577 bytes as JSON, more than the 1048576 allowed (1 MiB)"
    )
    assert store.has("big", "over") is False


def test_stats(worklet: Worklet) -> None:
    store = worklet.store
    empty = store.get_stats()
    assert empty == {"totalKeys": 0, "totalNamespaces": 0, "storageSize": 0, "lastUpdated": None}
    store.set("a", "x", "abc")
    store.set("b", "y", 12345)
    stats = store.get_stats()
    assert (stats["totalKeys"], stats["totalNamespaces"], stats["storageSize"]) == (2, 2, 10)
    assert stats["lastUpdated"].endswith("Z")


def test_one_worklet_never_sees_anothers_data(worklet: Worklet, other: Worklet) -> None:
    worklet.store.set("shared", "k", "mine")
    other.store.set("shared", "k", "theirs")
    assert worklet.store.get("shared", "k") == "mine"
    assert other.store.clear() == 1
    assert worklet.store.export_data() == {"shared": {"k": "mine"}}


def test_from_env_reaches_the_store(worklet: Worklet) -> None:
    env = {"AIO_KV_URL": worklet.core.url, "AIO_KV_TOKEN": worklet.token}
    with aio.kv.from_env(env) as store:
        store.set(None, "via_env", [1])
        assert worklet.store.get(None, "via_env") == [1]
