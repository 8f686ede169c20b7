"""`flow-tool.toml` validation: every bad field is named, with the file and what was expected,
and a manifest that does not hold registers nothing."""

from __future__ import annotations

import sys

import pytest
from clis_harness import CliEnv, manifest_text

from aio import __version__
from aio.clis.manifest import ManifestError, load_manifest

GOOD = manifest_text("good-tool", [sys.executable, "main.py"])
BODY = """\
language = "python"
binary_name = "t"
"""
EXEC = '[exec]\nrun = ["python3", "main.py"]\n'


def _with(top: str = 'version = 1\nid = "t"\n', body: str = BODY, exec_: str = EXEC) -> str:
    return top + body + exec_


BAD = {
    "missing id": (_with(top="version = 1\n"), ["field 'id'", "expected a non-empty string"]),
    "id with capitals and spaces": (
        _with(top='version = 1\nid = "My Tool!"\n'),
        ["field 'id'", "'My Tool!' is not a tool id", "lowercase letters, digits"],
    ),
    "id with a slash": (
        _with(top='version = 1\nid = "../t"\n'),
        ["field 'id'", "is not a tool id"],
    ),
    "id too long": (
        _with(top=f'version = 1\nid = "{"a" * 65}"\n'),
        ["field 'id'", "at most 64"],
    ),
    "version 2": (_with(top='version = 2\nid = "t"\n'), ["field 'version'", "expected 1, got 2"]),
    "version missing": (_with(top='id = "t"\n'), ["field 'version'", "expected 1, got None"]),
    "version as text": (
        _with(top='version = "1"\nid = "t"\n'),
        ["field 'version'", "expected 1, got '1'"],
    ),
    "missing [exec]": (_with(exec_=""), ["missing table [exec]", 'run = ["command", ...]']),
    "run not a list": (
        _with(exec_='[exec]\nrun = "python3 main.py"\n'),
        ["field 'exec.run'", "expected a non-empty list of strings"],
    ),
    "run missing": (
        _with(exec_='[exec]\nbuild = ["make"]\n'),
        ["field 'exec.run'", "expected a non-empty list of strings"],
    ),
    "run empty": (
        _with(exec_="[exec]\nrun = []\n"),
        ["field 'exec.run'", "expected a non-empty list of strings"],
    ),
    "run not strings": (
        _with(exec_='[exec]\nrun = ["python3", 3]\n'),
        ["field 'exec.run'", "expected a non-empty list of strings"],
    ),
    "run with an empty command": (
        _with(exec_='[exec]\nrun = ["", "main.py"]\n'),
        ["field 'exec.run'", "the command (first item) is empty"],
    ),
    "build not a list": (
        _with(exec_='[exec]\nrun = ["python3"]\nbuild = "make"\n'),
        ["field 'exec.build'", "expected a non-empty list of strings"],
    ),
    "env not strings": (
        _with(exec_='[exec]\nrun = ["python3"]\nenv = { DEBUG = 1 }\n'),
        ["field 'exec.env'", "expected a table of strings"],
    ),
    "env not a table": (
        _with(exec_='[exec]\nrun = ["python3"]\nenv = ["A=1"]\n'),
        ["field 'exec.env'", "expected a table of strings"],
    ),
    "unknown field": (
        _with(body=BODY + 'colour = "blue"\n'),
        ["unknown field 'colour'", "expected: version, id"],
    ),
    "unknown exec field": (
        _with(exec_='[exec]\nrun = ["python3"]\nshell = true\n'),
        ["unknown field 'exec.shell'", "expected: run, build, env"],
    ),
    "aliases not a list": (
        _with(body=BODY + 'aliases = "t2"\n'),
        ["field 'aliases'", "expected a list of tool ids"],
    ),
    "alias not a tool id": (
        _with(body=BODY + 'aliases = ["ok", "Not OK"]\n'),
        ["field 'aliases'", "expected a list of tool ids"],
    ),
    "min_aio_version higher than aio's": (
        _with(body=BODY + 'min_aio_version = "99.0.0"\n'),
        ["field 'min_aio_version'", f"needs aio 99.0.0, this is {__version__}"],
    ),
    "min_aio_version not a version": (
        _with(body=BODY + 'min_aio_version = "latest"\n'),
        ["field 'min_aio_version'", "expected a version like 0.1.0"],
    ),
    "language missing": (
        'version = 1\nid = "t"\nbinary_name = "t"\n' + EXEC,
        ["field 'language'", "expected a non-empty string"],
    ),
    "not TOML": ("version = 1\nid = \n", ["not valid TOML"]),
}

THROUGH_THE_CLI = [
    "missing id",
    "id with capitals and spaces",
    "version 2",
    "missing [exec]",
    "run not strings",
    "env not strings",
    "unknown field",
    "alias not a tool id",
    "min_aio_version higher than aio's",
]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_manifest_is_refused_naming_file_field_and_expectation(
    cli_env: CliEnv, case: str
) -> None:
    text, expected = BAD[case]
    folder = cli_env.src / "tool"
    folder.mkdir()
    manifest = folder / "flow-tool.toml"
    manifest.write_text(text)

    # The library names the file first, then the field and what it expected.
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    message = str(caught.value)
    assert message.startswith(f"{manifest}: "), message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"

    # `aio install` (of the folder or of the file) says the same in one line, exits 2 and
    # registers nothing (through the CLI for a sample of the cases: the message is the same).
    if case in THROUGH_THE_CLI:
        target = folder if THROUGH_THE_CLI.index(case) % 2 else manifest
        error = cli_env.refused("install", str(target))
        assert error == f"aio: {message}\n"
        assert not cli_env.home.exists()


def test_a_good_manifest_loads_every_field(cli_env: CliEnv) -> None:
    folder = cli_env.src / "good"
    folder.mkdir()
    (folder / "flow-tool.toml").write_text(
        manifest_text(
            "good.tool_1",
            ["go", "run", "."],
            language="go",
            build=["go", "build", "./..."],
            env={"GOFLAGS": "-mod=mod"},
            aliases=["gt", "g-t"],
            description="A good tool",
        ).replace("[exec]", f'min_aio_version = "{__version__}"\n[exec]')
    )
    manifest = load_manifest(folder / "flow-tool.toml")
    assert manifest.id == "good.tool_1"
    assert manifest.language == "go"
    assert manifest.run == ("go", "run", ".")
    assert manifest.build == ("go", "build", "./...")
    assert manifest.env == {"GOFLAGS": "-mod=mod"}
    assert manifest.aliases == ("gt", "g-t")
    assert manifest.description == "A good tool"
    assert manifest.min_aio_version == __version__
    assert manifest.source_root == folder


def test_a_missing_manifest_names_the_file_it_expected(cli_env: CliEnv) -> None:
    folder = cli_env.src / "empty"
    folder.mkdir()
    error = cli_env.refused("install", str(folder))
    assert f"{folder / 'flow-tool.toml'}: no such file (expected a flow-tool.toml)" in error
    assert not cli_env.cli.exists()
