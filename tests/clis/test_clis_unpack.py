"""Hostile catalog tarballs, served over HTTP to the real `aio install`: links that escape by a
chain of symlinks and `..` past PATH_MAX (the 2025 tarfile filter bypasses, CVE-2025-4517 and
CVE-2025-4330, which the Python releases `requires-python` allows do not all fix), and tar
bombs past the configured caps. Each is refused with exit 2 and a message naming the member,
writes nothing outside, and leaves no install or staging folder."""

from __future__ import annotations

import os
import sys
import tarfile

import pytest
from clis_harness import (
    Catalog,
    CliEnv,
    Member,
    dir_member,
    file_member,
    link_member,
    make_py_tool,
    tar_members,
)

MiB = 1024 * 1024
DEEP = "d" * 247  # a folder name near NAME_MAX; sixteen of them pass PATH_MAX
STEPS = "abcdefghijklmnop"
# The folders between the unpack folder and the test's root: source/, .tmp-*/, installs/,
# cli/, h/.
UP_TO_ROOT = 5


def escaping_chain(up: int = UP_TO_ROOT) -> list[Member]:
    """CVE-2025-4517's shape: symlinks a, b, ... each to a folder named DEEP inside the one
    before, a link at the end of `a/b/.../p` back up by as many `..` (to the top), and `escape`
    pointing there and `up` folders higher. Each link's text stays inside; the resolved path of
    `escape` is outside, and past PATH_MAX on the way, where `os.path.realpath` gives up."""
    members: list[Member] = []
    path = ""
    for step in STEPS:
        members.append(dir_member(f"{path}{DEEP}"))
        members.append(link_member(f"{path}{step}", DEEP))
        path += f"{DEEP}/"
    back = "/".join(STEPS) + "/" + "l" * 254
    members.append(link_member(back, "../" * len(STEPS)))
    members.append(link_member("escape", back + "/.." * up))
    return members


FIRST_LINK = f"the tarball holds a symlink: a -> {DEEP} (catalog bundles may hold no links"


def _refuse(
    env: CliEnv, catalog: Catalog, extra: list[Member], expected: list[str], outside
) -> str:
    """Publish the good tool with `extra` members; its install is refused (see
    CliEnv.refused_install); the error line."""
    env.link(make_py_tool(env.src / "bystander", "bystander"))  # an index to keep unchanged
    tool = make_py_tool(env.src / "good", "good-tool")
    install_id = catalog.publish(tar_members(tool, extra), "good-tool")
    return env.refused_install(install_id, expected, outside)


def test_a_file_written_through_an_escaping_link_chain_is_refused(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    evil = cli_env.root / "evil"
    _refuse(
        cli_env, http_catalog, [*escaping_chain(), file_member("escape/evil")], [FIRST_LINK], [evil]
    )
    assert not evil.exists()


def test_a_hardlink_through_an_escaping_link_chain_cannot_overwrite_a_file_outside(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    # CVE-2025-4330's shape: a hardlink to a file outside, then a member of the same name
    # whose data would be written into that file.
    victim = cli_env.root / "victim"
    victim.write_text("original\n")
    extra = [
        *escaping_chain(),
        link_member("hard", "escape/victim", tarfile.LNKTYPE),
        file_member("hard", b"overwritten\n"),
    ]
    _refuse(cli_env, http_catalog, extra, [FIRST_LINK], [victim])
    assert victim.read_text() == "original\n"


def test_a_symlink_out_through_an_escaping_link_chain_is_refused(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    victim = cli_env.root / "victim"
    victim.write_text("secret\n")
    extra = [*escaping_chain(), link_member("out", "escape/victim")]
    _refuse(cli_env, http_catalog, extra, [FIRST_LINK], [victim])
    assert victim.read_text() == "secret\n"


def test_a_link_that_stays_inside_is_refused_too(cli_env: CliEnv, http_catalog: Catalog) -> None:
    # aio does not judge where a link points: a bundle holds none (its build step may make one).
    extra = [dir_member("lib"), file_member("lib/x.py", b""), link_member("alias", "lib/x.py")]
    expected = ["the tarball holds a symlink: alias -> lib/x.py (catalog bundles may hold no links"]
    _refuse(cli_env, http_catalog, extra, expected, [])
    extra = [file_member("lib.py", b""), link_member("alias.py", "lib.py", tarfile.LNKTYPE)]
    expected = ["the tarball holds a hardlink: alias.py -> lib.py"]
    install_id = http_catalog.publish(
        tar_members(make_py_tool(cli_env.src / "good", "good-tool"), extra), "good-tool"
    )
    assert "hardlink" in cli_env.refused_install(install_id, expected)


def test_a_path_through_a_file_is_refused(cli_env: CliEnv, http_catalog: Catalog) -> None:
    expected = [
        "aio: cannot unpack main.py/evil: main.py is not a folder aio made (Not a directory)\n"
    ]
    error = _refuse(cli_env, http_catalog, [file_member("main.py/evil")], expected, [])
    assert error.count("\n") == 1  # one line


# Tar bombs


LIMIT_FILE_SIZE = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)


def _capped(env: CliEnv, **settings: int) -> None:
    """Set the caps in config.toml, with a tool registered (an index to keep unchanged)."""
    env.link(make_py_tool(env.src / "bystander", "bystander"))
    (env.home / "config.toml").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))


def _tool_bytes(tool) -> int:
    return sum(path.stat().st_size for path in tool.rglob("*") if path.is_file())


def test_a_zero_filled_member_past_the_byte_cap_is_never_written(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    tool = make_py_tool(cli_env.src / "bomb", "bomb-tool")
    big = 64 * MiB
    tarball = tar_members(tool, [file_member("zeros.bin", bytes(big))])
    assert len(tarball) < MiB  # a small download
    install_id = http_catalog.publish(tarball, "bomb-tool")
    _capped(cli_env, cli_unpack_max_bytes=MiB)
    # The install may write no file larger than 2 MiB: an unpacker that wrote first and
    # measured after would fail on that limit instead.
    prefix = (sys.executable, "-c", LIMIT_FILE_SIZE, str(2 * MiB))

    error = cli_env.refused_install(install_id, [], prefix=prefix)
    assert error == (
        f"aio: the tarball unpacks to more than {MiB} bytes (cli_unpack_max_bytes): zeros.bin "
        f"({big} bytes) would bring it to {_tool_bytes(tool) + big} bytes; not installed\n"
    )


def _cut_tail(tool, extra: list[Member]) -> bytes:
    """A tarball of `tool` and `extra`, then incompressible data, with its last 4 KiB cut off:
    an unpacker that reads to the end before judging fails there instead."""
    tarball = tar_members(tool, [*extra, file_member("tail.bin", os.urandom(64 * 1024))])
    return tarball[:-4096]


def test_many_members_past_the_byte_cap_are_refused_at_the_one_that_crosses_it(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    tool = make_py_tool(cli_env.src / "bomb", "bomb-tool")
    chunk = 64 * 1024
    extra = [file_member(f"data/{i:03}.bin", bytes(chunk)) for i in range(40)]
    install_id = http_catalog.publish(_cut_tail(tool, extra), "bomb-tool")
    _capped(cli_env, cli_unpack_max_bytes=MiB)
    written = _tool_bytes(tool)
    crossing = next(i for i in range(40) if written + (i + 1) * chunk > MiB)
    before = written + crossing * chunk

    error = cli_env.refused_install(install_id, [])
    assert error == (
        f"aio: the tarball unpacks to more than {MiB} bytes (cli_unpack_max_bytes): "
        f"data/{crossing:03}.bin ({chunk} bytes) would bring it to {before + chunk} bytes; "
        "not installed\n"
    )


def test_too_many_members_are_refused_at_the_first_past_the_cap(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    tool = make_py_tool(cli_env.src / "many", "many-tool")
    assert len(list(tool.rglob("*"))) == 2  # main.py, flow-tool.toml
    extra = [file_member(f"many/{i:03}", b"") for i in range(200)]
    install_id = http_catalog.publish(_cut_tail(tool, extra), "many-tool")
    _capped(cli_env, cli_unpack_max_members=100)

    error = cli_env.refused_install(install_id, [])
    assert error == (
        "aio: the tarball holds more than 100 members (cli_unpack_max_members): refused at "
        "member 101, many/098; not installed\n"
    )


def test_huge_headers_are_refused_while_they_are_read(
    cli_env: CliEnv, http_catalog: Catalog
) -> None:
    # A pax header is read whole into memory: the decompressed stream is capped too.
    tool = make_py_tool(cli_env.src / "bomb", "bomb-tool")
    notes = Member("notes.txt", pax=(("comment", "x" * (8 * MiB)),))
    tarball = tar_members(tool, [notes])
    assert len(tarball) < MiB
    install_id = http_catalog.publish(tarball, "bomb-tool")
    _capped(cli_env, cli_unpack_max_bytes=MiB, cli_unpack_max_members=10)
    limit = MiB + 10 * 4096 + MiB

    error = cli_env.refused_install(install_id, [])
    assert error == (
        f"aio: the tarball's headers and data pass {limit} bytes after member 2, main.py "
        "(cli_unpack_max_bytes plus 4096 bytes of headers a member allowed by "
        "cli_unpack_max_members); not installed\n"
    )


def test_a_tarball_at_both_caps_installs(cli_env: CliEnv, http_catalog: Catalog) -> None:
    tool = make_py_tool(cli_env.src / "full", "full-tool")
    fill = MiB - _tool_bytes(tool) - len(b"first\n") - len(b"second\n")
    extra = [
        dir_member("pad"),
        file_member("pad/fill.bin", bytes(fill)),
        # A later member of a name wins, as with tar (the name is replaced, never followed).
        file_member("notes.txt", b"first\n"),
        file_member("notes.txt", b"second\n"),
    ]
    install_id = http_catalog.publish(tar_members(tool, extra), "full-tool")
    _capped(cli_env, cli_unpack_max_bytes=MiB, cli_unpack_max_members=6)
    cli_env.ok("install", install_id)
    source = cli_env.installs / install_id / "source"
    assert (source / "pad" / "fill.bin").stat().st_size == fill
    assert (source / "notes.txt").read_text() == "second\n"
    assert cli_env.run_tool("full-tool")["tool"] == "full-tool"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("cli_unpack_max_bytes = 1000", "'cli_unpack_max_bytes' must be a whole number from "),
        ("cli_unpack_max_bytes = true", "'cli_unpack_max_bytes' must be a whole number from "),
        ("cli_unpack_max_members = 0", "'cli_unpack_max_members' must be a whole number from 1 "),
        ('cli_unpack_max_members = "9"', "'cli_unpack_max_members' must be a whole number"),
    ],
)
def test_a_bad_cap_is_refused_naming_the_setting(
    cli_env: CliEnv, http_catalog: Catalog, setting: str, expected: str
) -> None:
    tool = make_py_tool(cli_env.src / "good", "good-tool")
    install_id = http_catalog.publish(tar_members(tool, []), "good-tool")
    cli_env.home.mkdir()
    (cli_env.home / "config.toml").write_text(setting + "\n")
    error = cli_env.refused_install(install_id, [f"config.toml: {expected}"])
    assert error.count("\n") == 1
