"""The worklets' listener of a real core, by raw HTTP: tokens (401), Origin (403), body size
(413), unknown methods, and every validation rule answered 400 with `{error, code, kind}`."""

from __future__ import annotations

import http.client
import json
import secrets
from urllib.parse import urlsplit

import pytest
from kv_harness import KvCore, Worklet, post

import aio.kv


def _call(worklet: Worklet, method: str, body: object, **headers: str) -> tuple[int, dict]:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    sent = {"Authorization": f"Bearer {worklet.token}", **headers}
    return post(worklet.core.url, f"/{method}", raw, sent)


BIG = "x" * (1024 * 1024 - 1)  # with its quotes one byte over 1 MiB
RULES = [
    ("set", {"key": "", "value": 1}, "key: expected a non-empty string, got ''"),
    ("set", {"key": 5, "value": 1}, "key: expected a non-empty string, got 5"),
    ("set", {"key": "k" * 101, "value": 1}, "key: at most 100 characters, got 101"),
    ("set", {"key": "a b", "value": 1}, "key: 'a b' may hold only letters, digits"),
    ("set", {"key": "ä", "value": 1}, "key: 'ä' may hold only letters, digits"),
    ("set", {"key": "a/b", "value": 1}, "key: 'a/b' may hold only letters"),
    ("get", {"namespace": "", "key": "k"}, "namespace: expected a non-empty string"),
    ("get", {"namespace": "n" * 51, "key": "k"}, "namespace: at most 50 characters, got 51"),
    ("get", {"namespace": "a.b", "key": "k"}, "namespace: 'a.b' may hold only letters, digits"),
    ("set", '{"key": "k", "value": NaN}', "value: not valid JSON (Out of range float values"),
    ("set", '{"key": "k", "value": [Infinity]}', "value: not valid JSON"),
    ("set", '{"key": "k", "value": "\\ud800"}', "value: holds a lone surrogate"),
    ("set", '{"key": "k", "value": {"a": "x\\u0000"}}', "value: a string holds the NUL"),
    ("set", {"key": "k", "value": BIG}, "value: 1048577 bytes as JSON, more than the 1048576"),
    ("set", {"key": "k"}, "set: parameter 'value' is required"),
    ("set", {"key": "k", "value": 1, "ttl": 5}, "set: unknown parameter 'ttl' (known: namespace"),
    ("set", {"key": "k", "value": 1, "worklet_id": 2}, "parameter 'worklet_id' refused"),
    ("get", {"key": "k", "workletId": 2}, "parameter 'workletId' refused: a request never names"),
    ("get", [1, 2], "get: expected the parameters as a JSON object"),
    ("get", "{not json", "request body: not valid JSON"),
    ("get", '{"key": ' + "1" * 5000 + "}", "request body: not valid JSON"),
    ("get", "[" * 100_000 + "]" * 100_000, "request body: JSON nested too deeply"),
    ("increment", {"key": "k", "delta": "1"}, "delta: expected a finite number, got '1'"),
    ("increment", {"key": "k", "delta": True}, "delta: expected a finite number, got True"),
    ("increment", {"key": "k", "delta": 2**60}, "delta: at most 9007199254740991 either way"),
    ("list", {"limit": 0}, "limit: expected a whole number from 1 to 10000, got 0"),
    ("list", {"limit": 10_001}, "limit: expected a whole number from 1 to 10000"),
    ("list", {"limit": "5"}, "limit: expected a whole number from 1 to 10000, got '5'"),
    ("list", {"offset": -1}, "offset: expected a whole number from 0"),
    ("list", {"pattern": ""}, "pattern: expected a non-empty string"),
    ("list", {"pattern": "*" * 201}, "pattern: at most 200 characters"),
    ("list", {"namespace": "a b"}, "namespace: 'a b' may hold only"),
    ("mget", {"keys": "k"}, "keys: expected a list of keys, got 'k'"),
    ("mget", {"keys": ["ok", "no way"]}, "keys[1]: 'no way' may hold only"),
    ("mset", {"entries": [1]}, "entries: expected an object of key: value, got [1]"),
    ("importData", {"data": []}, "data: expected an object of namespace: {key: value}"),
    ("clear", {"namespace": 7}, "namespace: expected a non-empty string, got 7"),
]


@pytest.mark.parametrize(("method", "body", "message"), RULES, ids=[r[2][:40] for r in RULES])
def test_each_rule_is_a_400_naming_what_was_wrong(
    worklet: Worklet, method: str, body: object, message: str
) -> None:
    status, answer = _call(worklet, method, body)
    assert status == 400, answer
    assert set(answer) == {"error", "code", "kind"}
    assert (answer["code"], answer["kind"]) == ("VALIDATION_ERROR", "validation")
    assert message in answer["error"]
    assert worklet.store.export_data() == {}  # a refused call wrote nothing


def test_the_client_raises_the_validation_error_with_its_code(worklet: Worklet) -> None:
    with pytest.raises(aio.kv.KVValidationError) as caught:
        worklet.store.set("default", "bad key", 1)
    assert caught.value.code == "VALIDATION_ERROR"
    assert isinstance(caught.value, aio.kv.KVError)
    with pytest.raises(aio.kv.KVValidationError, match="set: parameters are not JSON"):
        worklet.store.set(None, "k", {1, 2})


def test_missing_wrong_forged_and_revoked_tokens_are_401(kv_core: KvCore) -> None:
    worklet = kv_core.add_worklet()
    url = kv_core.url
    cases = {
        "missing": ({}, "missing 'Authorization: Bearer TOKEN'"),
        "basic": ({"Authorization": "Basic dXNlcjpwdw=="}, "expected 'Bearer TOKEN'"),
        "empty": ({"Authorization": "Bearer "}, "expected 'Bearer TOKEN'"),
        "forged": ({"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}, "names no worklet"),
        "truncated": ({"Authorization": f"Bearer {worklet.token[:-1]}"}, "names no worklet"),
    }
    for name, (headers, message) in cases.items():
        status, answer = post(url, "/get", '{"key": "k"}', headers)
        assert status == 401, name
        assert message in answer["error"], name
        assert (answer["code"], answer["kind"]) == ("AUTH_ERROR", "auth")
    old = worklet.token
    worklet.rotate()
    worklet.store.set(None, "k", "rotated")
    status, answer = post(url, "/get", '{"key": "k"}', {"Authorization": f"Bearer {old}"})
    assert (status, answer["error"]) == (
        401,
        "the token names no worklet (wrong, revoked or replaced)",
    )
    kv_core.home.request("DELETE", f"/kv/worklets/{worklet.name}/token")
    with pytest.raises(aio.kv.KVAuthError, match="names no worklet"):
        worklet.store.get(None, "k")
    assert kv_core.home.request("POST", f"/kv/worklets/{worklet.name}/get", {"key": "k"}) == {
        "result": "rotated",
        "found": True,
    }


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://evil.example", 403),
        ("null", 403),
        ("http://127.0.0.1.evil.example", 403),
        ("http://127.0.0.1:8123", 200),
        ("http://localhost:3000", 200),
        ("http://[::1]:3000", 200),
    ],
)
def test_a_page_that_is_not_on_loopback_is_refused(
    worklet: Worklet, origin: str, status: int
) -> None:
    got, answer = _call(worklet, "has", {"key": "k"}, Origin=origin)
    assert got == status, answer
    if status == 403:
        assert answer["error"].startswith(f"Origin '{origin}' refused: only loopback pages")


def test_an_oversized_body_is_413(worklet: Worklet) -> None:
    body = json.dumps({"key": "k", "value": "x" * (1024 * 1024 + 64 * 1024)})
    status, answer = _call(worklet, "set", body)
    assert status == 413
    assert answer["error"] == f"request body: more than {1024 * 1024 + 64 * 1024} bytes"
    parts = urlsplit(worklet.core.url)  # chunked: no Content-Length to refuse it by
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    chunks = (b"x" * 65536 for _ in range(20))
    conn.request(
        "POST", f"{parts.path}/set", chunks,
        {"Authorization": f"Bearer {worklet.token}"}, encode_chunked=True,
    )  # fmt: skip
    assert conn.getresponse().status == 413
    conn.close()
    assert worklet.store.has(None, "k") is False


def test_unknown_methods_and_verbs(worklet: Worklet) -> None:
    status, answer = _call(worklet, "drop_table", {})
    assert status == 404
    assert answer["error"].startswith("no KV method 'drop_table' (known: set, get, has")
    parts = urlsplit(worklet.core.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}/get", headers={"Authorization": f"Bearer {worklet.token}"})
    response = conn.getresponse()
    assert response.status == 405
    assert "KV methods are POSTed" in json.loads(response.read())["error"]
    conn.close()


def test_the_javascript_client_is_served_without_a_token(kv_core: KvCore) -> None:
    parts = urlsplit(kv_core.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}/client.mjs")
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/javascript")
    assert "export class WorkletKVStore" in text


def test_the_socket_names_worklets_by_number_or_name(kv_core: KvCore, worklet: Worklet) -> None:
    home = kv_core.home
    worklet.store.set("ns", "k", "v")
    answer = home.request(
        "POST", f"/kv/worklets/{worklet.name}/get", {"namespace": "ns", "key": "k"}
    )
    assert answer == {"result": "v", "found": True}
    from aio.client.core_client import CoreError

    with pytest.raises(CoreError) as caught:
        home.request("POST", "/kv/worklets/no-such-worklet/get", {"key": "k"})
    assert caught.value.status == 404
    with pytest.raises(CoreError) as caught:
        home.request("POST", f"/kv/worklets/{worklet.name}/get", {"key": "k", "worklet": 2})
    assert caught.value.status == 400
    assert "never names a worklet" in str(caught.value)
