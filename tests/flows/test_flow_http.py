"""The signed loopback listener: good, bad, missing, stale and replayed signatures (each refusal
runs nothing), the seed's body-only signature behind `flow_legacy_signatures`, the bearer token,
the Origin check and the body limit. Real core on a real port (`flow_port = 0`)."""

from __future__ import annotations

import json
import time

from core_harness import AioHome
from flows_harness import (
    SECRET,
    http_request,
    listing,
    sh_step,
    signature,
    signed_headers,
    wait_flow,
    wait_run,
    write_flow,
)

from aio.flows.listener import MAX_BODY_BYTES

TOKEN = "bearer-token-for-tests-0123"


def start(home: AioHome, extra: str = "") -> str:
    spec, scripts = sh_step("hook", "push", 'echo \'FLOW_RESULT {"status": "changed"}\'\n')
    write_flow(home.path / "flows" / "hook", "hook", [spec], scripts)
    home.write_config(f'flow_port = 0\nflow_secret = "{SECRET}"\n{extra}')
    home.start()
    wait_flow(home, "hook")
    url = listing(home)["http"]["url"]
    assert url and url.startswith("http://127.0.0.1:")
    assert f"http: {url} (signed events: POST {url}/events)" in home.ok("flow", "ls")
    return url


def event(event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": "push", "payload": {"ref": "main"}}).encode()


def recorded(home: AioHome, event_id: str) -> bool:
    ids = [e["id"] for e in home.request("GET", "/flows/events")["events"]]
    return event_id in ids


def test_only_a_fresh_good_signature_runs_anything(home: AioHome):
    url = start(home)
    body = event("good")
    headers = signed_headers(body)
    status, answer = http_request(url, "POST", "/events", body, headers)
    assert status == 202 and answer["status"] == "accepted" and answer["matched"] == 1
    assert wait_run(home, answer["runIds"][0])["resultStatus"] == "changed"

    status, answer = http_request(url, "POST", "/events", body, headers)  # captured, sent again
    assert status == 401
    assert answer["error"] == (
        "signature refused: this signature was used already (a replayed request)"
    )

    refusals = {
        "bad": (signed_headers(event("bad"), secret="not-the-secret-0123456789"), "invalid"),
        "missing": ({}, "missing x-flow-signature-256 header"),
        "no-stamp": (
            {"x-flow-signature-256": signature(SECRET, event("no-stamp"), None)},
            "missing x-flow-timestamp header",
        ),
        "stale": (
            signed_headers(event("stale"), when=time.time() - 301),
            "x-flow-timestamp is outside the 300 s window",
        ),
        "future": (
            signed_headers(event("future"), when=time.time() + 301),
            "x-flow-timestamp is outside the 300 s window",
        ),
        "other-body": (signed_headers(event("something-else")), "invalid signature"),
    }
    for event_id, (headers, said) in refusals.items():
        status, answer = http_request(url, "POST", "/events", event(event_id), headers)
        assert status == 401, event_id
        assert answer["error"].startswith(f"signature refused: {said}"), (event_id, answer)
        assert not recorded(home, event_id), event_id
    assert [r["eventId"] for r in home.request("GET", "/flows/runs")["runs"]] == ["good"]

    # Reads are signed too (over an empty body); /healthz is not.
    status, answer = http_request(url, "GET", "/runs?status=completed", b"", signed_headers(b""))
    assert status == 200 and [r["eventId"] for r in answer["runs"]] == ["good"]
    status, answer = http_request(url, "GET", "/events/good", b"", signed_headers(b""))
    assert status == 200 and answer["event"]["id"] == "good"
    assert http_request(url, "GET", "/runs")[0] == 401
    assert http_request(url, "GET", "/healthz") == (200, {"ok": True})

    # Replay over HTTP: signed, and a new run.
    status, answer = http_request(url, "POST", "/events/good/replay", b"{}", signed_headers(b"{}"))
    assert status == 202 and answer["runIds"][0].endswith("_replay")
    assert http_request(url, "POST", "/events/good/replay", b"{}")[0] == 401


def test_web_pages_are_refused_by_their_origin_and_bodies_are_bounded(home: AioHome):
    url = start(home)
    body = event("from-a-page")
    headers = {**signed_headers(body), "Origin": "https://evil.example"}
    status, answer = http_request(url, "POST", "/events", body, headers)
    assert status == 403
    assert answer["error"] == "Origin 'https://evil.example' refused: only loopback pages"
    assert not recorded(home, "from-a-page")
    headers = {**signed_headers(body), "Origin": "http://127.0.0.1:9999"}
    assert http_request(url, "POST", "/events", body, headers)[0] == 202
    big = json.dumps({"id": "big", "type": "push", "payload": "x" * MAX_BODY_BYTES}).encode()
    status, _answer = http_request(url, "POST", "/events", big, signed_headers(big))
    assert status == 413 and not recorded(home, "big")


def test_legacy_signatures_only_when_allowed_and_the_bearer_token(home: AioHome):
    url = start(home, f'flow_legacy_signatures = true\nflow_token = "{TOKEN}"\n')
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    body = event("legacy")
    legacy = {"x-flow-signature-256": signature(SECRET, body, None)}
    assert http_request(url, "POST", "/events", body, legacy)[0] == 401  # no token
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    status, answer = http_request(url, "POST", "/events", body, {**legacy, **wrong})
    assert status == 401 and "flow_token" in answer["error"]
    status, answer = http_request(url, "POST", "/events", body, {**legacy, **bearer})
    assert status == 202 and answer["matched"] == 1
    # The timed form still works beside it, and still needs the token.
    fresh = event("timed")
    assert (
        http_request(url, "POST", "/events", fresh, {**signed_headers(fresh), **bearer})[0] == 202
    )


def test_legacy_signatures_are_refused_by_default(home: AioHome):
    url = start(home)
    body = event("legacy")
    legacy = {"x-flow-signature-256": signature(SECRET, body, None)}
    status, answer = http_request(url, "POST", "/events", body, legacy)
    assert status == 401 and "missing x-flow-timestamp" in answer["error"]
    assert not recorded(home, "legacy")
