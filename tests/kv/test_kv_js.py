"""The JavaScript client (served by the listener at client.mjs) run by the real `node` against
a real core: the seed's camel-case methods, null against missing, and its error classes."""

from __future__ import annotations

import http.client
import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from core_harness import require_tool
from kv_harness import KvCore, Worklet

pytestmark = pytest.mark.parametrize("kv_core", ["sqlite"], indirect=True)

SCRIPT = """
import { fromEnv, WorkletKVStore, KVError, KVValidationError, KVConnectionError } from "./kv.mjs";
const kv = fromEnv();
const out = {};
await kv.set("user_prefs", "theme", "dark");
await kv.set(null, "nothing", null);
out.theme = await kv.get("user_prefs", "theme");
out.nullHas = await kv.has(undefined, "nothing");
out.missing = await kv.get(undefined, "absent", "fallback");
out.mget = await kv.mget(null, ["nothing", "absent"]);
await kv.mset("app_state", { current_page: "dashboard", sidebar_open: true });
out.count = await kv.increment("stats", "visits");
out.count = await kv.increment("stats", "visits", 4);
await kv.append("log", "lines", "a");
await kv.append("log", "lines", "b");
out.list = await kv.list({ namespace: "app_state", pattern: "current*" });
out.namespaces = await kv.listNamespaces();
out.stats = (await kv.getStats()).totalKeys;
out.exported = await kv.exportData();
out.deleted = await kv.delete("user_prefs", "theme");
out.cleared = await kv.clear("log");
await kv.importData({ restored: { k: [1, 2] } });
try { await kv.set("default", "bad key", 1); } catch (e) {
  out.validation = [e instanceof KVValidationError, e instanceof KVError, e.code, e.message];
}
try { await kv.increment("app_state", "current_page"); } catch (e) { out.notNumber = e.message; }
try { fromEnv({}); } catch (e) { out.noEnv = [e instanceof KVConnectionError, e.code]; }
try { await new WorkletKVStore(process.env.AIO_KV_URL, "forged").get(null, "k"); } catch (e) {
  out.forged = [e instanceof KVError, e.code];
}
console.log(JSON.stringify(out));
"""


def test_the_javascript_client_against_the_listener(
    kv_core: KvCore, worklet: Worklet, tmp_path: Path
) -> None:
    node = require_tool("node")
    parts = urlsplit(kv_core.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}/client.mjs")
    (tmp_path / "kv.mjs").write_bytes(conn.getresponse().read())
    conn.close()
    (tmp_path / "test.mjs").write_text(SCRIPT)
    env = {"AIO_KV_URL": kv_core.url, "AIO_KV_TOKEN": worklet.token, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [node, "test.mjs"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["theme"] == "dark"
    assert (out["nullHas"], out["missing"], out["mget"]) == (True, "fallback", {"nothing": None})
    assert out["count"] == 5
    assert out["list"] == ["current_page"]
    assert out["namespaces"] == ["app_state", "default", "log", "stats", "user_prefs"]
    assert out["stats"] == 6
    assert out["exported"]["log"] == {"lines": "ab"}
    assert (out["deleted"], out["cleared"]) == (True, 1)
    assert worklet.store.get("restored", "k") == [1, 2]
    assert out["validation"] == [
        True,
        True,
        "VALIDATION_ERROR",
        "key: 'bad key' may hold only letters, digits, '_', '.' and '-'",
    ]
    assert out["notNumber"] == (
        "increment: key 'current_page' in namespace 'app_state' holds a string, not a number"
    )
    assert out["noEnv"] == [True, "NOT_CONFIGURED"]
    assert out["forged"] == [True, "AUTH_ERROR"]
