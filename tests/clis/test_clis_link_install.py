"""`aio install PATH`: link mode. The record points at the source, which is never copied; the
same id from the same source is already installed, from another source it is refused unless
--force; anything that is neither a path nor a catalog id is an error naming the forms."""

from __future__ import annotations

import tomllib

import pytest
from clis_harness import CliEnv, make_py_tool


def _files_under(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("form", ["folder", "manifest"])
def test_install_path_writes_a_link_record_pointing_at_the_source(
    cli_env: CliEnv, form: str
) -> None:
    tool = make_py_tool(cli_env.src / "linked", "linked-tool", description="Linked for tests")
    target = tool if form == "folder" else tool / "flow-tool.toml"

    out = cli_env.ok("install", str(target))
    assert out == f"installed linked-tool (link to {tool})\n"

    record = tomllib.loads((cli_env.links / "linked-tool.toml").read_text())
    assert record["id"] == "linked-tool"
    assert record["source_root"] == str(tool)
    assert record["manifest_path"] == str(tool / "flow-tool.toml")
    assert record["description"] == "Linked for tests"
    assert record["installed_at"].endswith("Z")
    assert "install_id" not in record
    assert (cli_env.links / "linked-tool.toml").stat().st_mode & 0o077 == 0

    # The source is not copied anywhere under the home: no main.py lives there.
    assert "main.py" not in _files_under(cli_env.home)
    assert not cli_env.installs.exists()
    index = cli_env.index()
    assert [(t["id"], t["kind"], t["source_root"]) for t in index["tools"]] == [
        ("linked-tool", "link", str(tool))
    ]

    # It runs from its source: an edit to the source shows at once.
    assert cli_env.run_tool("linked-tool")["version"] == "1"
    make_py_tool(tool, "linked-tool", version="2")
    assert cli_env.run_tool("linked-tool")["version"] == "2"


def test_a_relative_path_is_recorded_absolute(cli_env: CliEnv) -> None:
    make_py_tool(cli_env.src / "rel", "rel-tool")
    cli_env.ok("install", "rel", cwd=cli_env.src)
    record = tomllib.loads((cli_env.links / "rel-tool.toml").read_text())
    assert record["source_root"] == str(cli_env.src / "rel")
    assert cli_env.run_tool("rel-tool", cwd=cli_env.user)["cwd"] == str(cli_env.src / "rel")


def test_same_id_same_source_is_already_installed(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "again", "again-tool")
    cli_env.ok("install", str(tool))
    record = (cli_env.links / "again-tool.toml").read_bytes()
    index = (cli_env.cli / "index.json").read_bytes()

    for target in (tool, tool / "flow-tool.toml"):
        out = cli_env.ok("install", str(target))
        assert out == f"again-tool is already installed from {tool}\n"
    # Nothing was rewritten.
    assert (cli_env.links / "again-tool.toml").read_bytes() == record
    assert (cli_env.cli / "index.json").read_bytes() == index


def test_same_id_other_source_is_refused_unless_forced(cli_env: CliEnv) -> None:
    first = make_py_tool(cli_env.src / "first", "dup-tool", version="first")
    second = make_py_tool(cli_env.src / "second", "dup-tool", version="second")
    cli_env.ok("install", str(first))
    before = cli_env.snapshot()

    error = cli_env.refused("install", str(second))
    assert error == (
        f"aio: dup-tool is already installed from {first}; "
        "use --force to point it at this folder instead\n"
    )
    assert cli_env.snapshot() == before
    assert cli_env.run_tool("dup-tool")["version"] == "first"

    out = cli_env.ok("install", "--force", str(second))
    assert out == f"installed dup-tool (link to {second})\n"
    record = tomllib.loads((cli_env.links / "dup-tool.toml").read_text())
    assert record["source_root"] == str(second)
    assert cli_env.run_tool("dup-tool")["version"] == "second"
    # The first folder is untouched: link mode never owned it.
    assert (first / "main.py").is_file()


@pytest.mark.parametrize(
    "target",
    ["some-package", "cli:not-a-ulid", "./missing/flow-tool.toml"],
)
def test_anything_else_is_an_error_naming_the_accepted_forms(cli_env: CliEnv, target: str) -> None:
    error = cli_env.refused("install", target)
    assert f"'{target}' is neither an existing path nor a catalog id" in error
    assert "a folder with a flow-tool.toml, a flow-tool.toml file, or a catalog id like cli_" in (
        error
    )
    assert "(also cli:...)" in error
    assert not cli_env.home.exists()


def test_a_catalog_id_without_a_catalog_says_how_to_set_one(cli_env: CliEnv) -> None:
    error = cli_env.refused("install", "cli_01JV8N3Q5M7K9P2R4T6V8X0Z2B")
    assert "no CLI catalog is set" in error
    assert "AIO_CLI_CATALOG" in error and "cli_catalog" in error
    assert not cli_env.home.exists()
