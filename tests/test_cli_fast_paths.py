"""The CLI's hot paths import only what they use: no argparse (with gettext and locale), `json`
and `re`, pathlib, typing, dataclasses, sqlite3 or importlib.resources, each of which costs a
visible part of a Python start (bench/bench_ls.py, bench_todo_add.py, bench_todo_list.py).
Modules the interpreter loaded before aio (its site files) do not count."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from core_harness import AioHome

DEAR = (
    "argparse",
    "gettext",
    "locale",
    "json",
    "re",
    "pathlib",
    "typing",
    "dataclasses",
    "inspect",
    "sqlite3",
    "importlib.resources",
    "tomllib",
    "shutil",
)

REPORT = """\
import sys
before = set(sys.modules)
from aio.cli import main
code = main(sys.argv[1:])
named = {named!r}
loaded = sorted(m for m in set(sys.modules) - before if m in named)
print("loaded:", loaded, file=sys.stderr)
raise SystemExit(code)
"""


def loaded_by(home: AioHome, *args: str, named: tuple[str, ...] = DEAR) -> tuple[list[str], str]:
    """Which of `named` `aio ARGS` imported (beyond the interpreter's own start); its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", REPORT.format(named=named), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=home.env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("loaded: "))
    return ast.literal_eval(line.removeprefix("loaded: ")), result.stdout


def test_ls_loads_nothing_dear(core: AioHome) -> None:
    core.wait_status(core.submit({"name": "one", "steps": [{"cmd": "true"}]}), "done")
    loaded, out = loaded_by(core, "ls")
    assert loaded == []
    assert out.splitlines()[1].split()[:3] == ["1", "one", "done"]
    loaded, out = loaded_by(core, "ls", "--json")
    assert loaded == []
    assert '"name": "one"' in out


def test_adding_a_todo_asks_the_core_and_loads_nothing_dear(core: AioHome) -> None:
    loaded, out = loaded_by(core, "t", "+Fix", "bug", "2h")
    assert loaded == []  # no sqlite3 either: the core writes the database
    assert out == "added: 1. Fix bug (due in 2h 00m)\n"
    assert [t["title"] for t in core.request("GET", "/todos")["todos"]] == ["Fix bug"]
    loaded, out = loaded_by(core, "t", "done", "1")
    assert loaded == []
    assert out == "done: 1. Fix bug (due in 2h 00m)\n"


def test_listing_todos_loads_only_sqlites_c_module(core: AioHome) -> None:
    core.ok("t", "+Listed", "1d")
    named = (*DEAR, "_sqlite3", "enum", "datetime", "aio.todos.model")
    loaded, out = loaded_by(core, "t", "--json", named=named)
    assert loaded == ["_sqlite3"]  # SQLite writes the JSON: not even the model
    assert [todo["title"] for todo in json.loads(out)] == ["Listed"]
