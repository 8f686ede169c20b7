"""Finding the `claude` CLI: the one bundled with claude-agent-sdk, found without importing the
SDK; a configured path that wins (and is never silently replaced); PATH and the installers'
folders when the SDK is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from claude_harness import claude_cli

from aio.claude import cli_path
from aio.claude.cli_path import bundled_cli_version, find_claude_cli, missing_cli_message


def test_the_bundled_cli_is_found_without_importing_the_sdk() -> None:
    claude_cli()  # skips (or fails under AIO_REQUIRE_ALL=1) where the SDK is not installed
    code = (
        "import sys\n"
        "from aio.claude.cli_path import find_claude_cli, bundled_cli_version\n"
        "print(find_claude_cli())\n"
        "print(bundled_cli_version())\n"
        "print('claude_agent_sdk' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    ).stdout.split("\n")
    path, version, imported = Path(out[0]), out[1], out[2]
    assert path.parts[-3:] == ("claude_agent_sdk", "_bundled", "claude")
    assert imported == "False"
    reported = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert reported.split()[0] == version


def test_a_configured_cli_wins_and_a_bad_one_is_not_replaced(tmp_path: Path) -> None:
    real = Path(claude_cli())
    link = tmp_path / "my-claude"
    link.symlink_to(real)
    assert find_claude_cli(str(link)) == link
    missing = tmp_path / "nope" / "claude"
    assert find_claude_cli(str(missing)) is None  # never another CLI than the one asked for
    assert str(missing) in missing_cli_message(str(missing))
    not_runnable = tmp_path / "claude.txt"
    not_runnable.write_text("")
    assert find_claude_cli(str(not_runnable)) is None


def test_without_the_sdk_path_then_the_installers_folders_are_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path(claude_cli())
    monkeypatch.setitem(sys.modules, cli_path.SDK_PACKAGE, None)  # as if not installed
    assert cli_path.sdk_folder() is None and bundled_cli_version() is None

    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "claude").symlink_to(real)
    assert find_claude_cli(search_path=str(on_path)) == on_path / "claude"

    home = tmp_path / "home"
    local_bin = home / ".local" / "bin"
    local_bin.mkdir(parents=True)
    (local_bin / "claude").symlink_to(real)
    monkeypatch.setenv("HOME", str(home))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_claude_cli(search_path=str(empty)) == local_bin / "claude"
    assert "pip install claude-agent-sdk" in missing_cli_message()
