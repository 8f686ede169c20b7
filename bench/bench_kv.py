"""KV over HTTP from a worklet: 16 client processes (each one `aio.kv.KVStore`, standard
library http.client, one keep-alive connection) doing a mix of small get / set / increment
against the core's worklet listener, SQLite and Postgres backends, for 3 s a run.

Baseline (same run, interleaved, the same 16 processes and client): a bare aiohttp server in
its own process whose `POST /kv/v1/{method}` returns a constant `{"result":null}` — the HTTP
floor of this machine. Figures: ops/s (median of 3 runs) as a ratio to the baseline, and p50 /
p99 latency over every op of the runs. Goal: SQLite >= 0.6x the floor; Postgres is reported.

Postgres is a throwaway cluster made with tests/kv's PostgresCluster (Debian's postgresql;
without it the Postgres figure is reported as not measured).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests"), str(HERE.parent / "tests" / "kv")]

from _common import Core, goal, header, ratio, request  # noqa: E402

CLIENTS = 16
SECONDS = 3.0
ROUNDS = 3
BARE_SERVER = """
import sys
from aiohttp import web
async def constant(request):
    await request.read()
    return web.Response(text='{"result":null}', content_type="application/json")
app = web.Application()
app.add_routes([web.post("/kv/v1/{method}", constant)])
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def worker(url: str, token: str, index: int, start_at: float, seconds: float) -> None:
    """One client process: ops until the deadline; prints its latencies (ms) as JSON."""
    sys.path.insert(0, str(HERE.parent))
    import aio.kv

    store = aio.kv.KVStore(url, token)
    rng = random.Random(index)
    keys = [f"c{index}_k{i}" for i in range(20)]
    for key in keys:  # warm: the connection and the keys
        store.set("bench", key, {"n": 0})
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    latencies = []
    while (now := time.perf_counter()) and time.time() < end:
        op = rng.randrange(3)
        if op == 0:
            store.get("bench", rng.choice(keys))
        elif op == 1:
            store.set("bench", rng.choice(keys), {"n": rng.randrange(1000), "s": "small"})
        else:
            store.increment("bench", f"c{index}_count")
        latencies.append((time.perf_counter() - now) * 1000)
    print(json.dumps(latencies))


def run_clients(url: str, token: str) -> tuple[float, list[float]]:
    """16 client processes at once; (ops per second, every latency)."""
    start_at = time.time() + 2.0  # the processes start and warm up before it
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, token, str(i), str(start_at), str(SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(CLIENTS)
    ]
    latencies: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"a client process failed (exit {proc.returncode})")
        latencies.extend(json.loads(out))
    return len(latencies) / SECONDS, latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def bare_server() -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}/kv/v1"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the bare aiohttp server did not listen")


def worklet_token(core: Core) -> str:
    """A real worklet of the core (`aio wl add` of a tiny repo) and a token for it."""
    repo = Path(core.home) / "repo"
    repo.mkdir()
    code = (
        "import os, http.server as h; h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), "
        "h.SimpleHTTPRequestHandler).serve_forever()"
    )
    (repo / "worklet.toml").write_text(f"run = {json.dumps(['python3', '-c', code])}\n")
    git = ["git", "-c", "user.email=b@aio.invalid", "-c", "user.name=bench"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "w"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    result = core.run("wl", "add", str(repo), "--name", "bench", capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"aio wl add failed: {result.stderr.strip()}")
    return request(core.home, "POST", "/kv/worklets/bench/token")["token"]


def kv_url(core: Core) -> str:
    return request(core.home, "GET", "/kv")["url"]


def main() -> int:
    header("KV over HTTP: 16 aio.kv client processes, mixed get/set/increment")
    print(f"clients: {CLIENTS} processes, {SECONDS:.0f} s per run, {ROUNDS} runs each", flush=True)
    from kv_harness import PostgresCluster, postgres_bin

    cluster = None
    bindir = postgres_bin()
    if bindir is not None:
        cluster = PostgresCluster(bindir)
        cluster.start()
    figures: dict[str, list[float]] = {"floor": [], "sqlite": [], "postgres": []}
    latencies: dict[str, list[float]] = {name: [] for name in figures}
    server, floor_url = bare_server()
    try:
        with Core() as sqlite_core:
            targets = {"floor": (floor_url, "none"), "sqlite": None, "postgres": None}
            targets["sqlite"] = (kv_url(sqlite_core), worklet_token(sqlite_core))
            pg_config = cluster.config(cluster.new_database()) if cluster else ""
            home_env = os.environ.get("AIO_HOME")  # the inner Core unsets it on exit
            with Core(pg_config) if cluster else contextlib.nullcontext() as pg_core:
                if pg_core is not None:
                    targets["postgres"] = (kv_url(pg_core), worklet_token(pg_core))
                for round_ in range(ROUNDS):
                    for name, target in targets.items():
                        if target is None:
                            continue
                        rate, lat = run_clients(*target)
                        figures[name].append(rate)
                        latencies[name].extend(lat)
                        print(f"run {round_ + 1} {name}: {rate:,.0f} ops/s", flush=True)
            if home_env is not None:
                os.environ["AIO_HOME"] = home_env
    finally:
        server.kill()
        server.wait()
        if cluster is not None:
            cluster.stop()
    floor = statistics.median(figures["floor"])
    for name in ("floor", "sqlite", "postgres"):
        if not figures[name]:
            print(f"{name}: not measured (no postgres installed)", flush=True)
            continue
        rate = statistics.median(figures[name])
        lat = latencies[name]
        print(
            f"{name}: {rate:,.0f} ops/s median = {ratio(rate, floor)} of the floor; "
            f"latency p50 {percentile(lat, 50):.2f} ms, p99 {percentile(lat, 99):.2f} ms",
            flush=True,
        )
    sqlite_ratio = statistics.median(figures["sqlite"]) / floor
    goal(f"KV on SQLite >= 0.6x the bare aiohttp floor ({sqlite_ratio:.2f}x)", sqlite_ratio >= 0.6)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, token, index, start_at, seconds = sys.argv[2:7]
        worker(url, token, int(index), float(start_at), float(seconds))
    else:
        sys.exit(main())
