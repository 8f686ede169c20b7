"""`aio flow` with bad input: one line naming what was wrong, exit 2, nothing recorded; the
flow settings' checks; the verb in `aio --help`."""

from __future__ import annotations

import pytest
from core_harness import AioHome

from aio.config.settings import ConfigError, config_from_mapping

REFUSALS = [
    (
        ("dispatch", "t", "--payload", "{bad"),
        "aio: --payload: not valid JSON (line 1 column 2: "
        "Expecting property name enclosed in double quotes)\n",
    ),
    (("dispatch", "t", "--payload", "@gone.json"), "aio: --payload @gone.json: no such file\n"),
    (("dispatch", ""), "aio: event: field 'type': expected a non-empty string\n"),
    (("dispatch", "t", "--id", "x" * 501), "aio: event: field 'id': at most 500 characters, "
     "no NUL\n"),
    (("show", "run_nope"), "aio: no run 'run_nope'\n"),
    (("cancel", "run_nope"), "aio: no run 'run_nope'\n"),
    (
        ("runs", "--status", "bogus"),
        "aio: status: expected one of queued, running, completed, failed, canceled, skipped, "
        "changed, needs_intervention, blocked\n",
    ),
    (("events", "--limit", "0"), "aio: limit: expected a whole number from 1 to 10000\n"),
    (("nope",), "aio: flow: unknown command 'nope' (try: ls, dispatch, events, runs, show, "
     "replay, cancel)\n"),
]  # fmt: skip


def test_bad_input_is_one_line_exit_2_and_records_nothing(core: AioHome):
    for args, said in REFUSALS:
        done = core.aio("flow", *args)
        assert (done.returncode, done.stderr, done.stdout) == (2, said, ""), args
    assert core.request("GET", "/flows/events")["events"] == []
    assert core.request("GET", "/flows/runs")["runs"] == []
    usage = core.aio("flow")
    assert usage.returncode == 2 and usage.stderr.startswith("usage: aio flow ls")
    assert "aio flow ls|dispatch|events|runs|show|replay|cancel" in core.ok("--help")


def test_a_payload_from_a_file(core: AioHome):
    (core.src / "p.json").write_text('{"from": "file"}')
    core.ok("flow", "dispatch", "t", "--payload", "@p.json", "--id", "f-1")
    event = core.request("GET", "/flows/events/f-1")["event"]
    assert event["payload"] == {"from": "file"} and event["type"] == "t"
    listed = core.ok("flow", "events")
    assert "f-1" in listed and " t " in listed


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ({"flow_port": 0}, "'flow_port' needs 'flow_secret' (16+ characters)"),
        ({"flow_port": 70000, "flow_secret": "s" * 16}, "'flow_port' must be a whole number"),
        ({"flow_secret": "short"}, "'flow_secret' must be at least 16 characters"),
        ({"flow_token": "short"}, "'flow_token' must be at least 16 characters"),
        ({"flow_legacy_signatures": 1}, "'flow_legacy_signatures' must be true or false"),
        ({"flow_workspaces": "/x"}, "'flow_workspaces' must be a list of folder paths"),
    ],
)
def test_flow_settings_are_checked(raw: dict, said: str):
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(raw, source="/h/config.toml")
    assert str(caught.value).startswith(f"/h/config.toml: {said}")


def test_flow_settings_are_read():
    config = config_from_mapping(
        {"flow_port": 0, "flow_secret": "s" * 16, "flow_workspaces": ["/w"]}
    )
    assert (config.flow_port, config.flow_workspaces, config.flow_legacy_signatures) == (
        0, ["/w"], False,
    )  # fmt: skip
    assert config_from_mapping({}).flow_port is None
