"""`aio install cli_<ULID>` / `cli:<ulid>`: from a catalog served over HTTP or read from a local
path. An install lands whole under installs/<install_id>/; every refusal leaves nothing behind
(no installs/ entry, no temporary folder, the index unchanged, nothing outside written)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from clis_harness import (
    Catalog,
    CliEnv,
    Member,
    catalog_manifest,
    device_member,
    dir_member,
    file_member,
    link_member,
    make_py_tool,
    new_install_id,
    report_of,
    tar_folder,
    tar_members,
)


def test_install_from_an_http_catalog(cli_env: CliEnv, http_catalog: Catalog, catalog_server):
    tool = make_py_tool(cli_env.src / "remote", "remote-tool", version="1.2.0")
    tarball = tar_folder(tool, top="remote-tool-1.2.0")
    install_id = http_catalog.publish(tarball, "remote-tool", version="1.2.0")

    out = cli_env.ok("install", install_id)
    assert out == f"installed remote-tool 1.2.0 ({install_id})\n"

    # The catalog and the tarball came over HTTP.
    assert catalog_server.requests == ["/catalog.json", f"/remote-tool-1.2.0-{install_id[-6:]}.tgz"]

    folder = cli_env.installs / install_id
    assert cli_env.install_entries() == [install_id]
    meta = json.loads((folder / "install.json").read_text())
    record = http_catalog.records[0]
    assert meta["install_id"] == install_id
    assert meta["id"] == "remote-tool"
    assert meta["version"] == "1.2.0"
    assert meta["published_at"] == record["published_at"]
    assert meta["sha256"] == hashlib.sha256(tarball).hexdigest()
    assert meta["url"] == record["source"]["url"]
    assert meta["installed_at"].endswith("Z")
    # A copy of the resolved manifest, and the unpacked source.
    source = folder / "source" / "remote-tool-1.2.0"
    assert (folder / "flow-tool.toml").read_bytes() == (tool / "flow-tool.toml").read_bytes()
    assert (source / "main.py").read_bytes() == (tool / "main.py").read_bytes()
    assert not (folder / "source" / "download.tar").exists()
    assert not (folder / "download.tar").exists()

    index = cli_env.index()
    assert [(t["id"], t["kind"], t["install_id"], t["version"]) for t in index["tools"]] == [
        ("remote-tool", "install", install_id, "1.2.0")
    ]

    # `aio cli ID` runs the installed copy, from its own source root.
    report = cli_env.run_tool("remote-tool", "hello")
    assert report["version"] == "1.2.0"
    assert report["argv"] == ["hello"]
    assert report["cwd"] == str(source)

    # Installing it again changes nothing.
    before = cli_env.snapshot()
    out = cli_env.ok("install", install_id)
    assert out == f"{install_id} (remote-tool) is already installed\n"
    assert cli_env.snapshot() == before


def test_install_lowercase_colon_form_from_a_local_catalog(
    cli_env: CliEnv, local_catalog: Catalog
) -> None:
    tool = make_py_tool(cli_env.src / "flat", "flat-tool", version="0.3.0")
    # Files at the top of the tarball, and a URL relative to the catalog file.
    install_id = local_catalog.publish(
        tar_folder(tool), "flat-tool", version="0.3.0", relative_url=True
    )
    assert not local_catalog.records[0]["source"]["url"].startswith("/")

    ulid = install_id.removeprefix("cli_")
    out = cli_env.ok("install", f"cli:{ulid.lower()}")
    assert out == f"installed flat-tool 0.3.0 ({install_id})\n"
    assert cli_env.install_entries() == [install_id]
    meta = json.loads((cli_env.installs / install_id / "install.json").read_text())
    assert (meta["version"], meta["published_at"]) == ("0.3.0", "2026-04-01T12:00:00Z")
    assert report_of(cli_env.ok("cli", "flat-tool"))["cwd"] == str(
        cli_env.installs / install_id / "source"
    )

    # The other spellings name the same install.
    for spelling in (install_id, f"cli:{ulid}", f"cli_{ulid.lower()}"):
        assert cli_env.ok("install", spelling) == f"{install_id} (flat-tool) is already installed\n"


def test_install_runs_the_build_step_in_the_source(cli_env: CliEnv, local_catalog: Catalog):
    build = [sys.executable, "-c", "open('built.txt', 'w').write('built here')"]
    tool = make_py_tool(cli_env.src / "built", "built-tool", build=build)
    install_id = local_catalog.publish(tar_folder(tool, top="b"), "built-tool")
    cli_env.ok("install", install_id)
    built = cli_env.installs / install_id / "source" / "b" / "built.txt"
    assert built.read_text() == "built here"
    assert not (tool / "built.txt").exists()


def test_the_config_names_the_catalog_too(cli_env: CliEnv, http_catalog: Catalog) -> None:
    tool = make_py_tool(cli_env.src / "cfg", "cfg-tool")
    install_id = http_catalog.publish(tar_folder(tool), "cfg-tool")
    del cli_env.env["AIO_CLI_CATALOG"]
    cli_env.home.mkdir()
    (cli_env.home / "config.toml").write_text(f'cli_catalog = "{http_catalog.location}"\n')
    cli_env.ok("install", install_id)
    assert cli_env.install_entries() == [install_id]


def test_two_installs_of_one_id_at_once_make_one_install(
    cli_env: CliEnv, http_catalog: Catalog, catalog_server
) -> None:
    tool = make_py_tool(cli_env.src / "twice", "twice-tool")
    install_id = http_catalog.publish(tar_folder(tool), "twice-tool")
    name = Path(http_catalog.records[0]["source"]["url"]).name
    gate = catalog_server.hold(f"/{name}", 2)  # both are downloading before either gets it

    processes = [
        cli_env.popen(
            "install",
            install_id,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(60), *p.communicate()) for p in processes]
    assert not gate.broken
    assert [code for code, _, _ in results] == [0, 0], results
    assert sorted(out for _, out, _ in results) == [
        f"{install_id} (twice-tool) is already installed\n",
        f"installed twice-tool 1.0.0 ({install_id})\n",
    ]
    assert cli_env.install_entries() == [install_id]  # and no temporary folder
    assert cli_env.run_tool("twice-tool")["tool"] == "twice-tool"


# Refusals


@dataclass
class Refusal:
    install_id: str
    expected: list[str]
    outside: list[Path] = field(default_factory=list)


def _publish_with(extra: list[Member]) -> Callable[[CliEnv, Catalog, Path], Refusal]:
    """A case: the good tool's files plus `extra` members (names may use {root})."""

    def case(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
        install_id = catalog.publish(tar_members(tool, extra, env.root), "good-tool")
        return Refusal(
            install_id,
            [],
            [env.root / "evil", env.root / "outside", env.root / "abs-evil", Path("/tmp/evil")],
        )

    return case


def _sha_mismatch(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    install_id = catalog.publish(tar_folder(tool), "good-tool", sha256="ab" * 32)
    return Refusal(install_id, ["sha256 is", "the catalog says " + "ab" * 32, "not installed"])


def _record_manifest_id_differs(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    install_id = catalog.publish(
        tar_folder(tool), "good-tool", manifest=catalog_manifest("other-tool")
    )
    return Refusal(
        install_id, [f"catalog record {install_id}", "its manifest's id is 'other-tool'"]
    )


def _record_manifest_invalid(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    manifest = catalog_manifest("good-tool")
    manifest["exec"] = {"run": []}
    install_id = catalog.publish(tar_folder(tool), "good-tool", manifest=manifest)
    return Refusal(install_id, [f"catalog record {install_id} manifest: field 'exec.run'"])


def _bundled_id_differs(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    impostor = make_py_tool(env.src / "impostor", "impostor-tool")
    install_id = catalog.publish(tar_folder(impostor), "good-tool")
    return Refusal(
        install_id,
        ["the bundled manifest's id is 'impostor-tool'", "record's is 'good-tool'"],
    )


def _not_in_catalog(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    catalog.publish(tar_folder(tool), "good-tool")
    missing = new_install_id()
    return Refusal(missing, [f"{missing} is not in the CLI catalog {catalog.location}"])


def _build_fails(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    broken = make_py_tool(
        env.src / "broken",
        "good-tool",
        build=["sh", "-c", "echo compiling; echo 'broken: no such symbol' >&2; exit 3"],
    )
    install_id = catalog.publish(tar_folder(broken, top="broken"), "good-tool")
    return Refusal(
        install_id, ["good-tool: the build step failed (exit 3)", "broken: no such symbol"]
    )


def _not_a_tarball(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    install_id = catalog.publish(b"this is not a tarball\n" * 10, "good-tool")
    return Refusal(install_id, ["the download is not a readable tarball"])


def _no_manifest(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    install_id = catalog.publish(tar_members(None, [file_member("main.py", b"")]), "good-tool")
    return Refusal(install_id, ["the tarball has no flow-tool.toml at its top"])


def _download_missing(env: CliEnv, catalog: Catalog, tool: Path) -> Refusal:
    install_id = catalog.publish(tar_folder(tool), "good-tool")
    (catalog.folder / Path(catalog.records[-1]["source"]["url"]).name).unlink()
    return Refusal(install_id, ["cannot download http://127.0.0.1:", "404"])


CASES: dict[str, tuple[Callable, list[str]]] = {
    "sha256 mismatch": (_sha_mismatch, []),
    "../evil": (
        _publish_with([file_member("../evil")]),
        ["the tarball holds a path with '..': ../evil"],
    ),
    "../ up to the test's folder": (
        # source/ -> .tmp-*/ -> installs/ -> cli/ -> h/ -> the test's root, where `evil` is
        # looked for afterwards.
        _publish_with([file_member("sub/" + "../" * 6 + "evil")]),
        ["the tarball holds a path with '..': sub/../../../../../../evil"],
    ),
    "absolute path": (
        _publish_with([file_member("{root}/abs-evil")]),
        ["the tarball holds an absolute path: /tmp/aioc"],
    ),
    "absolute /tmp/evil": (
        _publish_with([file_member("/tmp/evil")]),
        ["the tarball holds an absolute path: /tmp/evil"],
    ),
    "symlink ../../outside": (
        _publish_with([link_member("link", "../../outside")]),
        ["the tarball holds a symlink: link -> ../../outside (catalog bundles may hold no links"],
    ),
    "symlink /etc": (
        _publish_with([link_member("etc", "/etc")]),
        ["the tarball holds a symlink: etc -> /etc"],
    ),
    "symlink in a subfolder": (
        _publish_with([dir_member("sub"), link_member("sub/up", "../..")]),
        ["the tarball holds a symlink: sub/up -> ../.."],
    ),
    "symlink chain": (
        # Each link stays inside by its own text; together they reach the parent folder.
        _publish_with(
            [
                dir_member("a"),
                link_member("a/b", ".."),
                link_member("a/b/c", ".."),
                file_member("c/evil"),
            ]
        ),
        ["the tarball holds a symlink: a/b -> .."],
    ),
    "hardlink ../../outside": (
        _publish_with([link_member("hard", "../../outside", tarfile.LNKTYPE)]),
        ["the tarball holds a hardlink: hard -> ../../outside (catalog bundles may hold no links"],
    ),
    "hardlink /etc/passwd": (
        _publish_with([link_member("passwd", "/etc/passwd", tarfile.LNKTYPE)]),
        ["the tarball holds a hardlink: passwd -> /etc/passwd"],
    ),
    "character device": (
        _publish_with([device_member("null")]),
        ["the tarball holds a device or pipe: null"],
    ),
    "block device": (
        _publish_with([device_member("disk", tarfile.BLKTYPE)]),
        ["the tarball holds a device or pipe: disk"],
    ),
    "fifo": (
        _publish_with([device_member("pipe", tarfile.FIFOTYPE)]),
        ["the tarball holds a device or pipe: pipe"],
    ),
    "record manifest id differs": (_record_manifest_id_differs, []),
    "record manifest invalid": (_record_manifest_invalid, []),
    "bundled manifest id differs": (_bundled_id_differs, []),
    "id not in the catalog": (_not_in_catalog, []),
    "build step fails": (_build_fails, []),
    "not a tarball": (_not_a_tarball, []),
    "no manifest in the tarball": (_no_manifest, []),
    "download missing": (_download_missing, []),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_refusal_leaves_nothing_behind(
    cli_env: CliEnv, http_catalog: Catalog, case: str
) -> None:
    # Another tool is registered already, so there is an index to keep unchanged.
    cli_env.link(make_py_tool(cli_env.src / "bystander", "bystander"))
    tool = make_py_tool(cli_env.src / "good", "good-tool")
    build, expected = CASES[case]
    refusal = build(cli_env, http_catalog, tool)
    cli_env.refused_install(refusal.install_id, [*expected, *refusal.expected], refusal.outside)
    assert [t["id"] for t in cli_env.index()["tools"]] == ["bystander"]


def test_a_relative_url_is_taken_from_the_http_catalog(
    cli_env: CliEnv, http_catalog: Catalog, catalog_server
) -> None:
    tool = make_py_tool(cli_env.src / "rel", "rel-tool")
    install_id = http_catalog.publish(tar_folder(tool), "rel-tool")
    name = Path(http_catalog.records[0]["source"]["url"]).name
    http_catalog.records[0]["source"]["url"] = name
    http_catalog.save()
    cli_env.ok("install", install_id)
    assert catalog_server.requests == ["/catalog.json", f"/{name}"]
    assert cli_env.run_tool("rel-tool")["tool"] == "rel-tool"


def test_an_unreachable_catalog_is_an_error(cli_env: CliEnv) -> None:
    cli_env.set_catalog("http://127.0.0.1:9/catalog.json")
    error = cli_env.refused("install", new_install_id())
    assert "cannot read the CLI catalog http://127.0.0.1:9/catalog.json" in error
    assert cli_env.install_entries() == []


# Shadowing


def test_an_id_that_would_shadow_a_link_needs_force(cli_env: CliEnv, http_catalog: Catalog) -> None:
    linked = make_py_tool(cli_env.src / "mine", "shared-tool", version="link")
    cli_env.ok("install", str(linked))
    remote = make_py_tool(cli_env.src / "theirs", "shared-tool", version="remote")
    install_id = http_catalog.publish(tar_folder(remote), "shared-tool", version="2.0.0")
    before = cli_env.snapshot()

    error = cli_env.refused("install", install_id)
    assert error == (
        f"aio: shared-tool would shadow link {linked}; "
        "use --force to make this install the active one\n"
    )
    assert cli_env.install_entries() == []
    assert cli_env.snapshot() == before
    assert cli_env.run_tool("shared-tool")["version"] == "link"

    cli_env.ok("install", "--force", install_id)
    assert cli_env.install_entries() == [install_id]
    assert cli_env.index()["active"] == {"shared-tool": f"install:{install_id}"}
    assert cli_env.run_tool("shared-tool")["version"] == "remote"

    # The conflict is explicit: in the table, in JSON, and in `which`.
    table = cli_env.ok("cli", "list").splitlines()
    assert table[0].split() == ["ID", "KIND", "VERSION", "PATH", "CONFLICTS"]
    row = next(line for line in table if line.startswith("shared-tool"))
    assert row.split()[:3] == ["shared-tool", "install", "2.0.0"]
    assert f"link {linked}" in row
    [entry] = cli_env.list_json()
    assert (entry["kind"], entry["install_id"]) == ("install", install_id)
    assert entry["conflicts"] == [f"link {linked}"]
    which = cli_env.ok("cli", "which", "shared-tool")
    assert which.startswith(f"shared-tool 2.0.0: install {cli_env.installs / install_id}")
    assert f"shadows: link {linked}" in which

    # Removing the active install brings the link back.
    cli_env.ok("cli", "uninstall", "shared-tool")
    assert cli_env.install_entries() == []
    assert cli_env.index()["active"] == {}
    assert cli_env.run_tool("shared-tool")["version"] == "link"
