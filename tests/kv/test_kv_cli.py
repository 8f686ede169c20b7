"""`aio kv WORKLET ...` end to end on a real core: get, set, rm, ls, export, import (all or
nothing, from a file or stdin), and bad input refused with one line and exit 2."""

from __future__ import annotations

import json

import pytest
from kv_harness import KvCore, Worklet

pytestmark = pytest.mark.parametrize("kv_core", ["sqlite"], indirect=True)


def test_set_get_ls_rm(kv_core: KvCore, worklet: Worklet) -> None:
    home, name = kv_core.home, worklet.name
    home.ok("kv", name, "set", "theme", '"dark"')
    home.ok("kv", name, "set", "count", "41", "-n", "stats")
    home.ok("kv", name, "set", "raw", "not json at all", "--string")
    assert json.loads(home.ok("kv", name, "get", "theme")) == "dark"
    assert json.loads(home.ok("kv", name, "get", "count", "-n", "stats")) == 41
    assert worklet.store.get(None, "raw") == "not json at all"
    assert home.ok("kv", name, "ls") == "default\traw\ndefault\ttheme\nstats\tcount\n"
    assert home.ok("kv", name, "ls", "--pattern", "t*") == "default\ttheme\n"
    listed = json.loads(home.ok("kv", name, "ls", "--json", "-n", "stats"))
    assert listed == [{"namespace": "stats", "key": "count"}]
    home.ok("kv", name, "rm", "theme")
    missing = home.aio("kv", name, "get", "theme")
    assert (missing.returncode, missing.stderr) == (
        1,
        "aio: kv: no key 'theme' in namespace 'default'\n",
    )


def test_a_value_reaches_the_terminal_as_ascii(kv_core: KvCore, worklet: Worklet) -> None:
    """A worklet's value may hold C1 controls (\\x9b is CSI) and bidi overrides: aio kv get
    and export to stdout print them as JSON escapes, never raw."""
    hostile = "ok\x9b31m\u202eevil\x1b]0;title\x07 T\u00fcr"
    worklet.store.set(None, "v", hostile)
    for args in (("get", "v"), ("export",)):
        out = kv_core.home.ok("kv", worklet.name, *args)
        assert out.isascii() and "\\u009b" in out and "\\u202e" in out, out
    assert json.loads(kv_core.home.ok("kv", worklet.name, "get", "v")) == hostile


def test_export_then_import_all_or_nothing(
    kv_core: KvCore, worklet: Worklet, other: Worklet
) -> None:
    home = kv_core.home
    worklet.store.import_data({"a": {"x": [1, None]}, "b": {"y": "ü"}})
    exported = kv_core.home.root / "export.json"
    exported.unlink(missing_ok=True)
    home.ok("kv", worklet.name, "export", str(exported))
    assert json.loads(exported.read_text()) == {"a": {"x": [1, None]}, "b": {"y": "ü"}}
    assert home.ok("kv", other.name, "import", str(exported)) == "imported 2 keys\n"
    assert other.store.export_data() == worklet.store.export_data()
    again = home.aio("kv", worklet.name, "export", str(exported))
    assert (again.returncode, again.stderr) == (
        2,
        f"aio: kv export: {exported} exists; nothing was written\n",
    )
    bad = json.dumps({"c": {"ok": 1}, "d": {"bad key": 2}})
    result = home.aio("kv", other.name, "import", "-", input=bad)
    assert result.returncode == 2
    assert result.stderr == (
        "aio: kv import: data['d'] key: 'bad key' may hold only letters, digits, '_', '.' and "
        "'-'; nothing was imported\n"
    )
    assert "c" not in other.store.export_data()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("{w}",),
            "aio: kv: a command after the worklet (one of: get, set, rm, ls, export, import)",
        ),
        (
            ("{w}", "fly"),
            "aio: kv: unknown command 'fly' (one of: get, set, rm, ls, export, import)",
        ),
        (("{w}", "set", "k", "{oops"), "aio: kv set: VALUE '{oops' is not JSON (quote a text as"),
        (("{w}", "set", "bad key", "1"), "aio: key: 'bad key' may hold only letters, digits"),
        (("{w}", "get", "k", "-n", "a.b"), "aio: namespace: 'a.b' may hold only letters"),
        (("no-such-worklet", "get", "k"), "aio: no worklet named 'no-such-worklet'"),
        (("{w}", "import", "/nonexistent.json"), "aio: kv import: /nonexistent.json: No such file"),
        (("{w}", "import", "-"), "aio: kv import: -: not JSON (Expecting value"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    kv_core: KvCore, worklet: Worklet, args: tuple[str, ...], message: str
) -> None:
    argv = [a.replace("{w}", worklet.name) for a in args]
    result = kv_core.home.aio("kv", *argv, input="")
    assert result.returncode == 2, result
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert worklet.store.export_data() == {}
