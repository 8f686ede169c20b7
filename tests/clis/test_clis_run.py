"""`aio cli ID -- ARGS`: aio becomes the tool. Arguments arrive unchanged, stdin is the tool's,
its exit code is aio's, it runs in its source root with AIO_CALLER_CWD set, signals reach it;
aliases resolve like ids, and links win over installs over development roots."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from clis_harness import CliEnv, make_py_tool, make_shell_tool, report_of
from core_harness import wait_for_exit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AWKWARD = [
    "a b",
    "  padded  ",
    "it's",
    'say "hi"',
    "--",
    "",
    "-x",
    "--flag=1",
    "ünïcødé ✓ 日本",
    "$HOME",
    "*",
    "back\\slash",
    "line\nbreak",
    "tab\there",
    ";rm -rf /;",
]


def test_arguments_arrive_unchanged(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "args", "args-tool")
    cli_env.link(tool)
    assert cli_env.run_tool("args-tool", *AWKWARD)["argv"] == AWKWARD
    # Without `--`, what follows the id is passed on too, a leading dash included.
    out = cli_env.ok("cli", "args-tool", "-v", "--help", "--", "x")
    assert report_of(out)["argv"] == ["-v", "--help", "--", "x"]
    # Only the first `--` after the id is aio's.
    assert cli_env.run_tool("args-tool", "--", "--")["argv"] == ["--", "--"]
    assert cli_env.run_tool("args-tool")["argv"] == []


ARGUMENT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(args=st.lists(ARGUMENT, max_size=5))
def test_any_arguments_arrive_unchanged(cli_env: CliEnv, args: list[str]) -> None:
    tool = cli_env.src / "any"
    if not tool.exists():
        cli_env.link(make_py_tool(tool, "any-tool"))
    assert cli_env.run_tool("any-tool", *args)["argv"] == args


def test_stdin_exit_code_cwd_caller_and_env(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "io", "io-tool")
    cli_env.link(tool)
    caller = cli_env.user / "some where"
    caller.mkdir()

    data = "piped in\nsecond line ✓\n"
    report = report_of(cli_env.ok("cli", "io-tool", "--", "stdin", input=data, cwd=caller))
    assert report["stdin"] == data
    assert report["cwd"] == str(tool)  # the tool's source root
    assert report["caller"] == str(caller)  # where `aio cli` was called
    assert report["env"] == "from-manifest"  # [exec].env

    for code in (0, 7, 255):
        result = cli_env.aio("cli", "io-tool", "--", "exit", str(code))
        assert result.returncode == code, result.stderr
        assert result.stderr == ""


def _start_until_ready(cli_env: CliEnv, tool: str) -> subprocess.Popen:
    process = cli_env.popen(
        "cli", tool, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline()
    assert line == "ready\n", f"the tool did not start: {line!r}"
    return process


def test_signals_reach_the_tool_which_aio_became(cli_env: CliEnv) -> None:
    tool = make_shell_tool(cli_env.src / "trap", "trap-tool")
    cli_env.link(tool)
    process = _start_until_ready(cli_env, "trap-tool")
    try:
        # aio exec'd the tool: the pid `aio cli` was started as is now the tool's script.
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"./run.sh" in command, command
        process.send_signal(signal.SIGTERM)
        rest = process.stdout.read()
        assert process.wait(15) == 42  # the trap handler's exit code
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert rest == "handled TERM\n"


def test_an_untrapped_signal_ends_the_tool_with_it(cli_env: CliEnv) -> None:
    script = "#!/bin/sh\necho ready\nexec sleep 60\n"
    tool = make_shell_tool(cli_env.src / "plain", "plain-tool", script)
    cli_env.link(tool)
    process = _start_until_ready(cli_env, "plain-tool")
    try:
        process.send_signal(signal.SIGTERM)
        assert wait_for_exit(process.pid, 15)
        assert process.wait(5) == -signal.SIGTERM  # what a shell reports as 143
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_aliases_resolve_like_ids(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "aliased", "aliased-tool", aliases=["at", "a.t"])
    cli_env.link(tool)
    for name in ("aliased-tool", "at", "a.t"):
        report = cli_env.run_tool(name, "x y")
        assert (report["tool"], report["argv"]) == ("aliased-tool", ["x y"])
    assert cli_env.ok("cli", "which", "at").startswith(f"aliased-tool: link {tool}\n")
    # `aio cli run` is the way to a tool named like a helper.
    cli_env.link(make_py_tool(cli_env.src / "named-list", "list"))
    out = cli_env.ok("cli", "run", "list", "--", "--json")
    assert (report_of(out)["tool"], report_of(out)["argv"]) == ("list", ["--json"])


def test_an_unknown_tool_is_an_error(cli_env: CliEnv) -> None:
    error = cli_env.refused("cli", "no-such-tool", "--", "x")
    assert error == "aio: no CLI 'no-such-tool' (aio cli list shows what is installed)\n"


def test_links_win_over_development_roots(cli_env: CliEnv) -> None:
    dev = make_py_tool(cli_env.dev_root / "order-tool", "order-tool", version="dev")
    # Discovered without any install step.
    assert cli_env.run_tool("order-tool")["version"] == "dev"
    assert cli_env.run_tool("order-tool")["cwd"] == str(dev)
    [entry] = cli_env.list_json()
    assert (entry["kind"], entry["source_root"]) == ("dev", str(dev))

    linked = make_py_tool(cli_env.src / "order-link", "order-tool", version="link")
    cli_env.ok("install", str(linked))
    assert cli_env.run_tool("order-tool")["version"] == "link"
    which = cli_env.ok("cli", "which", "order-tool")
    assert which.startswith(f"order-tool: link {linked}\n")
    assert f"shadows: dev {dev}" in which

    cli_env.ok("cli", "uninstall", "order-tool")
    assert not (cli_env.links / "order-tool.toml").exists()
    assert cli_env.run_tool("order-tool")["version"] == "dev"
    assert cli_env.ok("cli", "which", "order-tool").startswith(f"order-tool: dev {dev}\n")


def test_the_config_sets_the_development_roots(cli_env: CliEnv) -> None:
    make_py_tool(cli_env.dev_root / "default-root", "default-root-tool")
    make_py_tool(cli_env.src / "mine" / "cfg-root", "cfg-root-tool")
    cli_env.home.mkdir()
    (cli_env.home / "config.toml").write_text(f'cli_dev_roots = ["{cli_env.src}/mine/*"]\n')
    assert [t["id"] for t in cli_env.list_json()] == ["cfg-root-tool"]
    assert cli_env.run_tool("cfg-root-tool")["tool"] == "cfg-root-tool"
