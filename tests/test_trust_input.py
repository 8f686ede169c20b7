"""Issue 10, items 5, 7, 8 and 14: hostile or malformed input reaches no terminal raw, never
sticks a job, never gets a 500, and every refusal names what was wrong (exit 2)."""

from __future__ import annotations

import json

from core_harness import AioHome, atomic_write, raw_http, wait_for
from test_bad_input import assert_nothing_left, assert_one_line_error

HOSTILE_NAME = "\x1b]0;PWNED\x07\x1b[31mred\nrow"


def test_aio_ls_shows_control_characters_escaped(core: AioHome) -> None:
    first = core.submit({"name": HOSTILE_NAME, "steps": [{"cmd": "true"}]})
    second = core.submit({"name": "left\u202eright", "steps": [{"cmd": "true"}]})
    core.wait_status(first, "done")
    core.wait_status(second, "done")
    out = core.ok("ls")
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    lines = out.splitlines()
    assert len(lines) == 3, f"a newline in a name split a row: {out!r}"
    assert "\\x1b]0;PWNED\\x07\\x1b[31mred\\nrow" in lines[1]
    assert "left\\u202eright" in lines[2]


def test_a_long_job_name_is_cut_with_an_ellipsis(core: AioHome) -> None:
    job = core.submit(core.task({"name": "n" * 300, "steps": [{"cmd": "true"}]}, "long.json"))
    core.wait_status(job, "done")
    row = core.ok("ls").splitlines()[1]
    assert "n" * 39 + "…" in row and "n" * 41 not in row


def test_todo_titles_and_refusals_are_printable(core: AioHome) -> None:
    added = core.ok("t", "+evil\x1b[2Jtitle", "2h")
    assert "\x1b" not in added and "evil\\x1b[2Jtitle" in added
    listing = core.ok("t")
    assert "\x1b" not in listing and "evil\\x1b[2Jtitle" in listing
    refused = core.aio("kill", "x\x1b[31my")
    assert refused.returncode == 2
    assert "\x1b" not in refused.stderr and "no job named 'x\\x1b[31my'" in refused.stderr


def test_a_lone_surrogate_in_a_step_is_refused_naming_the_field(core: AioHome) -> None:
    path = core.task('{"name": "s", "steps": [{"cmd": "echo \\ud800"}]}', name="s.json")
    line = assert_one_line_error(core.aio("run", str(path)), "field 'steps[0].cmd'", "surrogate")
    assert "\\ud800" in line
    assert_nothing_left(core)


def test_a_lone_surrogate_in_a_name_is_refused_not_an_internal_error(core: AioHome) -> None:
    path = core.task('{"name": "bad\\udfff", "steps": [{"cmd": "true"}]}', name="n.json")
    assert_one_line_error(core.aio("run", str(path)), "field 'name'", "\\udfff")
    body = b'{"task": {"name": "x", "steps": [{"cmd": "true", "desc": "\\ud800"}]}}'
    answer = raw_http(core, _post("/jobs", body))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"steps[0].desc" in answer
    assert_nothing_left(core)


def _post(path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: aio\r\nConnection: close\r\n"
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def test_a_source_that_is_not_text_is_a_400(core: AioHome) -> None:
    body = json.dumps({"task": {"name": "x", "steps": [{"cmd": "true"}]}, "source": {"a": 1}})
    answer = raw_http(core, _post("/jobs", body.encode()))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"field 'source'" in answer
    assert_nothing_left(core)


def test_unicode_digits_are_not_job_or_todo_numbers(core: AioHome) -> None:
    for ref in ("²", "٣", "#²"):
        assert_one_line_error(core.aio("kill", ref), f"no job named '{ref}'")
    for todo in ("%C2%B2", "99999999999999999999999"):
        answer = raw_http(core, _post(f"/todos/{todo}/reopen", b""))
        assert answer.startswith(b"HTTP/1.1 404"), answer[:200]


def test_deeply_nested_json_is_refused_everywhere(core: AioHome) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    path = core.task(nested, name="deep.json")
    assert_one_line_error(core.aio("run", str(path)), str(path), "nested too deeply")
    answer = raw_http(core, _post("/jobs", nested.encode()))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    dropped = core.path / "tasks" / "deep.json"
    atomic_write(dropped, nested)

    def reported() -> str | None:
        return core.request("GET", "/tasks")["errors"].get(str(dropped))

    assert "nested too deeply" in wait_for(reported, 30, "the watch folder to report it")
    assert_nothing_left(core)


def test_an_infinite_timeout_is_refused(core: AioHome) -> None:
    for text in (
        '{"name": "x", "timeout": 1e999, "steps": [{"cmd": "true"}]}',
        '{"name": "x", "steps": [{"cmd": "true", "timeout": 1e999}]}',
    ):
        path = core.task(text, name="inf.json")
        line = assert_one_line_error(core.aio("run", str(path)), "timeout", "at most")
        assert "inf.json" in line
    assert_nothing_left(core)


def test_an_unknown_keymap_binding_id_is_an_error(home: AioHome) -> None:
    home.write_config('[keymap]\n"jobs.kil" = "K"\n')
    result = home.aio()
    line = assert_one_line_error(result, "[keymap]", "unknown binding id 'jobs.kil'", "jobs.kill")
    assert "config.toml" in line


def test_printable_escapes_what_steers_a_terminal_and_keeps_the_rest() -> None:
    from aio.text.printable import printable

    assert printable("a\x1b[31mb\x07\x7f\x85") == "a\\x1b[31mb\\x07\\x7f\\x85"
    assert printable("x\u2028y\u202ez\ud800") == "x\\u2028y\\u202ez\\ud800"
    assert printable("tag\U000e0001") == "tag\\U000e0001"
    # Letters of any script, emoji sequences, private-use and unassigned characters stay.
    for kept in ("héllo wörld", "名前", "👩\u200d💻", "\ue000", "\U00018cd6"):
        assert printable(kept) == kept
    assert printable("abcdef", 4) == "abc…"
