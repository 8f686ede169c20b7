"""The folders installs are built in: what a `kill -9`ed `aio install` leaves is removed by the
next install or the next start of the core, never the folder of an install still running;
and the registry and every install are private (0700 folders, 0600 files)."""

from __future__ import annotations

import stat
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
from clis_harness import Catalog, CliEnv, make_py_tool, tar_folder, wait_for


def _staging(env: CliEnv, install_id: str) -> Path | None:
    """The staging folder of an install of `install_id` (one at most here)."""
    found = sorted(env.installs.glob(f".tmp-{install_id}-*")) if env.installs.is_dir() else []
    return found[0] if found else None


def _start_held_install(
    env: CliEnv, catalog: Catalog, server, tool_id: str
) -> tuple[subprocess.Popen, str, Path]:
    """An `aio install` whose download the server holds; the process, the tarball's URL path
    and the staging folder it works in (once its download has begun)."""
    install_id = catalog.publish(tar_folder(make_py_tool(env.src / tool_id, tool_id)), tool_id)
    path = "/" + Path(catalog.records[-1]["source"]["url"]).name
    server.hold(path, 2)  # the install and, to let it go, the test
    process = env.popen(
        "install",
        install_id,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    folder = wait_for(
        lambda: path in server.requests and _staging(env, install_id),
        30,
        f"the install of {install_id} to be downloading",
    )
    return process, path, folder


def _start_link_install(env: CliEnv, catalog: Catalog) -> None:
    env.ok("install", str(make_py_tool(env.src / "linked", "linked-tool")))


def _start_catalog_install(env: CliEnv, catalog: Catalog) -> None:
    tool = make_py_tool(env.src / "third", "third-tool")
    env.ok("install", catalog.publish(tar_folder(tool), "third-tool"))


def _start_the_core(env: CliEnv, catalog: Catalog) -> None:
    env.ok("ls")  # starts the core in the background and waits for it to answer


NEXT = {
    "a link install": _start_link_install,
    "a catalog install": _start_catalog_install,
    "the core": _start_the_core,
}


@pytest.mark.parametrize("next_start", list(NEXT), ids=list(NEXT))
def test_a_killed_install_leaves_nothing_past_the_next_start(
    cli_env: CliEnv, http_catalog: Catalog, catalog_server, next_start: str
) -> None:
    killed, _, leftover = _start_held_install(cli_env, http_catalog, catalog_server, "killed-tool")
    killed.kill()  # SIGKILL: no handler, no cleanup of its own
    killed.communicate(timeout=30)
    assert leftover.is_dir()  # what the kill left

    running, path, kept = _start_held_install(cli_env, http_catalog, catalog_server, "live-tool")
    NEXT[next_start](cli_env, http_catalog)

    assert not leftover.exists()
    assert kept.is_dir()  # its install still holds it

    # The running install then finishes as if nothing had happened.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    release = threading.Thread(target=lambda: opener.open(catalog_server.url + path).read())
    release.start()
    out, err = running.communicate(timeout=60)
    release.join(30)
    assert running.returncode == 0, err
    assert out.startswith("installed live-tool 1.0.0 (")
    assert not [name for name in cli_env.install_entries() if name.startswith(".tmp-")]
    assert cli_env.run_tool("live-tool")["tool"] == "live-tool"


# Private folders and files


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_link_install_makes_the_registry_private(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "mine", "mine-tool")
    cli_env.ok("install", str(tool), umask=0o022)
    assert {
        str(path.relative_to(cli_env.root)): oct(_mode(path))
        for path in [cli_env.home, *cli_env.home.rglob("*")]
    } == {
        "h": "0o700",
        "h/cli": "0o700",
        "h/cli/links": "0o700",
        "h/cli/links/mine-tool.toml": "0o600",
        "h/cli/index.json": "0o600",
    }


def test_a_catalog_install_is_private(cli_env: CliEnv, http_catalog: Catalog) -> None:
    tool = make_py_tool(cli_env.src / "remote", "remote-tool")
    (tool / "bin").mkdir(mode=0o755)
    (tool / "bin" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (tool / "bin" / "run.sh").chmod(0o755)
    install_id = http_catalog.publish(tar_folder(tool, top="remote-1"), "remote-tool")
    # An older aio made cli/ 0755: the next install makes it private.
    (cli_env.home / "cli").mkdir(mode=0o755, parents=True)
    (cli_env.home / "cli").chmod(0o755)
    cli_env.ok("install", install_id, umask=0o022)

    folder = cli_env.installs / install_id
    modes = {
        str(path.relative_to(cli_env.home)): oct(_mode(path))
        for path in [folder.parent.parent, folder.parent, folder, *folder.rglob("*")]
    }
    source = f"cli/installs/{install_id}/source"
    assert modes == {
        "cli": "0o700",
        "cli/installs": "0o700",
        f"cli/installs/{install_id}": "0o700",
        f"cli/installs/{install_id}/install.json": "0o600",
        f"cli/installs/{install_id}/flow-tool.toml": "0o600",
        source: "0o700",
        f"{source}/remote-1": "0o700",
        f"{source}/remote-1/bin": "0o700",
        f"{source}/remote-1/bin/run.sh": "0o700",
        f"{source}/remote-1/main.py": "0o600",
        f"{source}/remote-1/flow-tool.toml": "0o600",
    }
    assert cli_env.run_tool("remote-tool")["tool"] == "remote-tool"
