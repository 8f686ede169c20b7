"""`aio cli ID` execs what the previous run resolved ID to (`$AIO_HOME/cli/run-cache.json`)
only while nothing that resolve read has changed: an edited manifest, a reinstall elsewhere,
an uninstall or a new config each make the next run resolve in full."""

from __future__ import annotations

import json
import shutil

from clis_harness import CliEnv, make_py_tool


def cache(cli_env: CliEnv) -> dict:
    return json.loads((cli_env.home / "cli" / "run-cache.json").read_text())["tools"]


def test_the_cache_follows_every_change(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "one", "cached")
    cli_env.ok("install", str(tool))
    assert cli_env.run_tool("cached", "a")["argv"] == ["a"]
    assert cache(cli_env)["cached"]["run"][-1] == "main.py"
    assert (cli_env.home / "cli" / "run-cache.json").stat().st_mode & 0o777 == 0o600

    manifest = tool / "flow-tool.toml"
    manifest.write_text(manifest.read_text().replace('"main.py"]', '"main.py", "--edited"]'))
    assert cli_env.run_tool("cached", "a")["argv"] == ["--edited", "a"]

    other = cli_env.src / "two"
    shutil.copytree(tool, other)
    cli_env.ok("install", str(other), "--force")
    assert cli_env.run_tool("cached")["cwd"] == str(other)

    cli_env.home.joinpath("config.toml").write_text("cli_catalog = 7\n")
    error = cli_env.refused("cli", "cached")
    assert "'cli_catalog' must be a non-empty string" in error
    cli_env.home.joinpath("config.toml").unlink()

    cli_env.ok("cli", "uninstall", "cached")
    assert "no CLI 'cached'" in cli_env.refused("cli", "cached")


def test_an_alias_is_always_resolved_in_full(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "one", "named", aliases=["nick"])
    cli_env.ok("install", str(tool))
    assert cli_env.run_tool("nick", "x")["argv"] == ["x"]
    assert not (cli_env.home / "cli" / "run-cache.json").exists()
    assert cli_env.run_tool("named", "x")["argv"] == ["x"]
    assert list(cache(cli_env)) == ["named"]
