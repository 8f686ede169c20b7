"""The helpers: `aio cli list [--json]`, `which`, `doctor`, `upgrade` and `uninstall`."""

from __future__ import annotations

import json
import shutil

from clis_harness import Catalog, CliEnv, make_py_tool, tar_folder


def test_list_shows_every_kind(cli_env: CliEnv, http_catalog: Catalog) -> None:
    assert cli_env.ok("cli", "list") == "no CLIs (aio install PATH registers one)\n"
    assert cli_env.list_json() == []

    linked = make_py_tool(cli_env.src / "l", "l-tool", aliases=["lt"], description="a link")
    dev = make_py_tool(cli_env.dev_root / "d", "d-tool")
    remote = make_py_tool(cli_env.src / "r", "r-tool", version="3.1.4")
    install_id = http_catalog.publish(tar_folder(remote), "r-tool", version="3.1.4")
    cli_env.ok("install", str(linked))
    cli_env.ok("install", install_id)

    tools = {t["id"]: t for t in cli_env.list_json()}
    assert list(tools) == ["l-tool", "r-tool", "d-tool"]  # links, installs, dev roots
    assert {k: tools["l-tool"][k] for k in ("kind", "version", "source_root", "conflicts")} == {
        "kind": "link",
        "version": None,
        "source_root": str(linked),
        "conflicts": [],
    }
    assert tools["l-tool"]["aliases"] == ["lt"]
    assert tools["l-tool"]["description"] == "a link"
    assert tools["r-tool"]["kind"] == "install"
    assert tools["r-tool"]["version"] == "3.1.4"
    assert tools["r-tool"]["install_id"] == install_id
    assert tools["r-tool"]["source_root"] == str(cli_env.installs / install_id / "source")
    assert tools["r-tool"]["published_at"] == "2026-04-01T12:00:00Z"
    assert (tools["d-tool"]["kind"], tools["d-tool"]["source_root"]) == ("dev", str(dev))
    assert all(t["problem"] is None for t in tools.values())

    rows = [line.split() for line in cli_env.ok("cli", "list").splitlines()]
    assert rows == [
        ["ID", "KIND", "VERSION", "PATH", "CONFLICTS"],
        ["l-tool", "link", "-", str(linked), "-"],
        ["r-tool", "install", "3.1.4", str(cli_env.installs / install_id / "source"), "-"],
        ["d-tool", "dev", "-", str(dev), "-"],
    ]


def test_which_names_kind_path_and_manifest(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "w", "w-tool")
    cli_env.link(tool)
    assert cli_env.ok("cli", "which", "w-tool") == (
        f"w-tool: link {tool}\n  manifest: {tool / 'flow-tool.toml'}\n"
    )
    error = cli_env.refused("cli", "which", "nothing")
    assert "no CLI 'nothing'" in error


def test_doctor_of_a_healthy_tool(cli_env: CliEnv) -> None:
    build = ["sh", "-c", "echo build went fine"]
    tool = make_py_tool(cli_env.src / "fine", "fine-tool", build=build)
    cli_env.link(tool)
    lines = cli_env.ok("cli", "doctor", "fine-tool").splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ok", "manifest"],
        ["ok", "source"],
        ["ok", "command"],
        ["ok", "build"],
    ]
    assert lines[0].endswith(str(tool / "flow-tool.toml"))
    assert lines[3].endswith("exit 0: build went fine")
    checks = json.loads(cli_env.ok("cli", "doctor", "--json", "fine-tool"))
    assert [(c["name"], c["ok"]) for c in checks] == [
        ("manifest", True),
        ("source", True),
        ("command", True),
        ("build", True),
    ]


def test_doctor_reports_a_command_not_on_path(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "nocmd", "nocmd-tool", run=["no-such-toolchain-7f3", "x"])
    cli_env.link(tool)
    result = cli_env.aio("cli", "doctor", "nocmd-tool")
    assert result.returncode == 1
    assert "BAD  command   no-such-toolchain-7f3 is not on PATH" in result.stdout
    assert "ok   manifest" in result.stdout
    # And running it says why, in one line.
    error = cli_env.refused("cli", "nocmd-tool")
    assert error == "aio: nocmd-tool: command not found: no-such-toolchain-7f3\n"

    # A command relative to the source root is looked up there.
    relative = make_py_tool(cli_env.src / "rel", "rel-tool", run=["./missing.sh"])
    cli_env.link(relative)
    result = cli_env.aio("cli", "doctor", "rel-tool")
    assert result.returncode == 1
    assert f"BAD  command   {relative / 'missing.sh'}" in result.stdout


def test_doctor_reports_a_failing_build(cli_env: CliEnv) -> None:
    build = ["sh", "-c", "echo compiling; echo 'error: it broke' >&2; exit 4"]
    cli_env.link(make_py_tool(cli_env.src / "broken", "broken-tool", build=build))
    result = cli_env.aio("cli", "doctor", "broken-tool")
    assert result.returncode == 1
    assert "BAD  build     exit 4: error: it broke" in result.stdout.splitlines()


def test_doctor_and_run_of_a_link_whose_source_is_gone(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "gone", "gone-tool")
    cli_env.link(tool)
    shutil.rmtree(tool)
    result = cli_env.aio("cli", "doctor", "gone-tool")
    assert result.returncode == 1
    assert result.stdout.startswith(f"BAD  manifest  {tool / 'flow-tool.toml'}: no such file")
    error = cli_env.refused("cli", "gone-tool")
    assert f"{tool / 'flow-tool.toml'}: no such file" in error
    [entry] = cli_env.list_json()
    assert "no such file" in entry["problem"]


def test_upgrade_installs_the_newest_and_removes_the_old(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    def publish(version: str, **kwargs) -> str:
        tool = make_py_tool(cli_env.src / f"v{version}", "up-tool", version=version, **kwargs)
        return http_catalog.publish(tar_folder(tool, top="up"), "up-tool", version=version)

    old = publish("1.9.0")
    cli_env.ok("install", old)
    assert cli_env.ok("cli", "upgrade", "up-tool") == "up-tool 1.9.0 is the newest\n"

    # The catalog gains an older and a newer version (1.10.0 > 1.9.0: numbers, not text).
    publish("1.2.0")
    new = publish("1.10.0")
    assert cli_env.ok("cli", "upgrade", "up-tool") == "upgraded up-tool 1.9.0 -> 1.10.0\n"
    assert cli_env.install_entries() == [new]
    meta = json.loads((cli_env.installs / new / "install.json").read_text())
    assert meta["version"] == "1.10.0"
    report = cli_env.run_tool("up-tool")
    assert report["version"] == "1.10.0"
    assert report["cwd"] == str(cli_env.installs / new / "source" / "up")
    assert [t["install_id"] for t in cli_env.index()["tools"]] == [new]
    assert cli_env.ok("cli", "upgrade", "up-tool") == "up-tool 1.10.0 is the newest\n"

    # An upgrade that cannot install leaves the current one as it was.
    publish("2.0.0", build=["sh", "-c", "exit 9"])
    before = cli_env.snapshot()
    error = cli_env.refused("cli", "upgrade", "up-tool")
    assert "up-tool: the build step failed (exit 9)" in error
    assert cli_env.install_entries() == [new]
    assert cli_env.snapshot() == before
    assert cli_env.run_tool("up-tool")["version"] == "1.10.0"


def test_upgrade_needs_a_catalog_install(cli_env: CliEnv, local_catalog: Catalog) -> None:
    cli_env.link(make_py_tool(cli_env.src / "lk", "lk-tool"))
    error = cli_env.refused("cli", "upgrade", "lk-tool")
    assert "lk-tool is a link" in error and "only catalog installs upgrade" in error
    del cli_env.env["AIO_CLI_CATALOG"]
    error = cli_env.refused("cli", "upgrade", "lk-tool")
    assert "no CLI catalog is set" in error


def test_uninstall_a_link_an_install_but_not_a_dev_folder(
    cli_env: CliEnv, local_catalog: Catalog
) -> None:
    linked = make_py_tool(cli_env.src / "ul", "ul-tool")
    cli_env.link(linked)
    remote = make_py_tool(cli_env.src / "ur", "ur-tool")
    install_id = local_catalog.publish(tar_folder(remote), "ur-tool")
    cli_env.ok("install", install_id)
    dev = make_py_tool(cli_env.dev_root / "ud", "ud-tool")

    assert cli_env.ok("cli", "uninstall", "ul-tool") == f"uninstalled ul-tool (link {linked})\n"
    assert not (cli_env.links / "ul-tool.toml").exists()
    assert (linked / "main.py").is_file()  # the source is the user's: never removed

    assert cli_env.ok("cli", "uninstall", "ur-tool") == (
        f"uninstalled ur-tool (install {install_id})\n"
    )
    assert cli_env.install_entries() == []

    error = cli_env.refused("cli", "uninstall", "ud-tool")
    assert error == (
        f"aio: ud-tool is a development folder ({dev}), not installed; "
        "there is nothing to uninstall\n"
    )
    assert (dev / "flow-tool.toml").is_file()

    assert cli_env.index()["tools"] == []
    assert [t["id"] for t in cli_env.list_json()] == ["ud-tool"]
    assert "no CLI 'ul-tool'" in cli_env.refused("cli", "uninstall", "ul-tool")
