"""`aio t` through the real console script: with a real `aio serve` running and with no core at
all, all-or-none changes, the event stream seeing every change, and a stdlib-only import."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
import time

import aiohttp
from core_harness import HEAVY, processes_with_home, run_reporting_heavy_imports
from todo_harness import TodoHome, aio_command

from aio.client.core_client import CoreClient


def listed(home: TodoHome, *flags: str) -> list[dict]:
    return json.loads(home.ok("t", "--json", *flags))


def test_add_list_complete_and_delete_with_a_core(served: TodoHome) -> None:
    before = time.time()
    out = served.ok("t", "+Fix", "bug", "2h")
    after = time.time()
    assert re.fullmatch(r"added: 1\. Fix bug \(due in (2h 00m|1h 59m)\)\n", out), out
    [todo] = listed(served)
    assert todo["id"] == 1 and todo["title"] == "Fix bug"
    assert before + 7200 <= todo["deadline"] <= after + 7200
    assert todo["virtual_deadline"] is None and todo["urgency"] == "due within 1d"
    table = served.ok("t")
    assert re.search(r"^1\s+due within 1d\s+Fix bug\s+in (2h 00m|1h 59m)\s+-$", table, re.M), table
    core_view = CoreClient(served.path).request("GET", "/todos")["todos"]
    assert [t["title"] for t in core_view] == ["Fix bug"]  # the core reads what the CLI wrote

    assert served.ok("t", "done", "1").startswith("done: 1. Fix bug (due in ")
    assert served.ok("t") == "no open todos (aio t +Title 2h adds one)\n"
    assert listed(served) == []
    [done] = listed(served, "--all")
    assert done["urgency"] == "done" and done["completed_at"] is not None
    assert re.search(r"^1\s+done\s+Fix bug", served.ok("t", "--all"), re.M)

    assert served.ok("t", "rm", "1").startswith("deleted: 1. Fix bug")
    assert listed(served, "--all") == []
    assert served.ok("t", "--all") == "no todos\n"
    assert served.rows() == []
    assert CoreClient(served.path).request("GET", "/todos?all=1")["todos"] == []


def test_other_spellings_and_all_or_none(served: TodoHome) -> None:
    served.ok("t", "+Read chapter 2", "1w")  # what the shell makes of +"Read chapter 2" 1w
    served.ok("t", "+Deploy", "feature", "1d", "4h")
    served.ok("t", "+Plain")
    rows = {row[1]: row for row in served.rows()}
    assert set(rows) == {"Read chapter 2", "Deploy feature", "Plain"}
    _, _, real, virtual, _ = rows["Deploy feature"]
    assert real - virtual == 20 * 3600
    assert rows["Plain"][2:4] == (None, None)

    # Unknown numbers: exit 2, and nothing changes, not even the todos that do exist.
    before = served.rows()
    assert served.refused("t", "done", "9") == "aio t: no todo 9; nothing was changed\n"
    assert served.refused("t", "done", "1", "9") == "aio t: no todo 9; nothing was changed\n"
    assert served.refused("t", "rm", "2", "7", "1") == "aio t: no todo 7; nothing was changed\n"
    assert "no todo 5" in served.refused("t", "✗5")
    assert served.rows() == before
    assert [t["id"] for t in listed(served)] == [2, 1, 3]  # most urgent first

    assert json.loads(served.ok("t", "✓1", "--json"))[0]["completed_at"] is not None
    assert served.ok("t", "✗2").startswith("deleted: 2. Deploy feature")
    assert [row[0] for row in served.rows()] == [1, 3]
    served.ok("t", "done", "1", "3")  # already done or not: both are done now
    assert listed(served) == []
    served.ok("t", "rm", "1", "3")
    assert served.rows() == []
    assert "no todo 1" in served.refused("t", "rm", "1")  # deleted for good


def test_it_works_without_a_core_and_starts_none(todo_home: TodoHome) -> None:
    assert todo_home.ok("t") == "no open todos (aio t +Title 2h adds one)\n"
    todo_home.ok("t", "+Offline", "work", "30m")
    todo_home.ok("t", "+Second")
    assert [t["title"] for t in listed(todo_home)] == ["Offline work", "Second"]
    assert listed(todo_home)[0]["urgency"] == "due within 1h"
    todo_home.ok("t", "done", "1")
    todo_home.ok("t", "rm", "2")
    assert [(t["id"], t["urgency"]) for t in listed(todo_home, "--all")] == [(1, "done")]
    todo_home.refused("t", "done", "2")
    assert not (todo_home.path / "core.sock").exists()
    assert todo_home.lock_is_free()
    assert processes_with_home(todo_home.path) == {}


async def next_event(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 10.0):
    """The next event of `kind`; other events in between are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {kind!r} event within {timeout}s"
        message = await ws.receive_json(timeout=remaining)
        if message.get("type") == kind:
            return message


async def run_aio(home: TodoHome, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *aio_command(),
        *args,
        env=home.env,
        stdin=subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    return process.returncode, out.decode()


async def test_the_event_stream_sees_each_change_and_each_reminder(served: TodoHome) -> None:
    connector = aiohttp.UnixConnector(path=str(served.path / "core.sock"))
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.ws_connect("http://aio/events") as ws,
    ):
        first = await ws.receive_json(timeout=10)
        assert first["type"] == "snapshot"

        await run_aio(served, "t", "+Watched", "2h")
        assert await next_event(ws, "todos_changed", timeout=5) == {"type": "todos_changed"}
        await run_aio(served, "t", "done", "1")
        assert await next_event(ws, "todos_changed", timeout=5) == {"type": "todos_changed"}

        # A deadline a moment away reaches every subscriber, on the core's own timer.
        body = {"title": "Stand up", "deadline": time.time() + 1.0, "virtual_deadline": None}
        todo = (await asyncio.to_thread(CoreClient(served.path).request, "POST", "/todos", body))[
            "todo"
        ]
        reminder = await next_event(ws, "reminder", timeout=15)
        assert reminder["which"] == "real"
        assert reminder["todo"]["id"] == todo["id"]
        assert reminder["text"] == f"todo {todo['id']} Stand up: deadline reached"


def test_aio_t_imports_no_textual_aiohttp_or_aiosqlite(served: TodoHome) -> None:
    for args in (["t"], ["t", "+Light", "1h"], ["t", "--json"], ["t", "done", "1"], ["t", "x"]):
        result = run_reporting_heavy_imports(served.env, *args)
        assert result.returncode in (0, 2), f"aio {' '.join(args)}: {result.stderr}"
        assert "heavy: []" in result.stderr
    assert served.rows()[0][4] is not None  # it did the work (and told the core)

    timed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aio", "t"],
        capture_output=True,
        text=True,
        timeout=30,
        env=served.env,
        stdin=subprocess.DEVNULL,
    )
    assert timed.returncode == 0, timed.stderr
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in timed.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "aio.todos.model" in imported and "_sqlite3" in imported
    assert not [name for name in imported if name.split(".")[0] in HEAVY]
