"""Shims: `aio install --shim` / `aio cli shim ID` write the tool's binary_name into a bin folder;
run from PATH it is the tool (arguments unchanged, its folder, the manifest's env), with no
Python start. aio never overwrites or removes a file it did not write; `doctor` names a shim
that is missing or stale; `uninstall` removes it. Real installs in the test's own HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from clis_harness import CliEnv, make_py_tool, report_of
from test_clis_run import AWKWARD

FOREIGN = "#!/bin/sh\necho not aio's\n"


def run_from_path(cli_env: CliEnv, name: str, *args: str, folder: Path | None = None) -> dict:
    """Run `name` as a shell finds it on PATH (the bin folder first), from a caller's folder."""
    bin_dir = folder or cli_env.user / ".local" / "bin"
    caller = cli_env.src / "caller"
    caller.mkdir(exist_ok=True)
    env = {**cli_env.env, "PATH": f"{bin_dir}{os.pathsep}{cli_env.env.get('PATH', '')}"}
    assert shutil.which(name, path=env["PATH"]) == str(bin_dir / name)
    done = subprocess.run(
        [name, *args], env=env, cwd=caller, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return report_of(done.stdout)


def doctor_line(cli_env: CliEnv, tool: str) -> tuple[int, str]:
    result = cli_env.aio("cli", "doctor", tool)
    shim = [line for line in result.stdout.splitlines() if " shim " in f" {line} "]
    assert len(shim) == 1, result.stdout
    return result.returncode, shim[0]


def test_install_writes_a_shim_that_runs_the_tool_from_path(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "shimmed")
    out = cli_env.ok("install", str(tool), "--shim")
    shim = cli_env.user / ".local" / "bin" / "shimmed"
    assert f"shim {shim} runs shimmed" in out
    assert os.access(shim, os.X_OK)
    text = shim.read_text()
    assert text.startswith("#!/bin/sh\n# aio shim for shimmed ")
    assert "python" not in text.split("exec ", 1)[0]  # no Python start before the tool's own

    report = run_from_path(cli_env, "shimmed", *AWKWARD)
    assert report["argv"] == AWKWARD
    assert report["cwd"] == str(tool)
    assert report["caller"] == str(cli_env.src / "caller")
    assert report["env"] == "from-manifest"
    _, line = doctor_line(cli_env, "shimmed")
    assert line == f"ok   shim      {shim}"


def test_cli_shim_writes_into_the_folder_given(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "later")
    cli_env.link(tool)
    folder = cli_env.root / "mybin"
    assert cli_env.ok("cli", "shim", "later", "--bin", str(folder)).startswith(
        f"shim {folder / 'later'} runs later"
    )
    assert run_from_path(cli_env, "later", "a b", folder=folder)["argv"] == ["a b"]


def test_a_file_aio_did_not_write_is_never_overwritten(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "clash")
    shim = cli_env.user / ".local" / "bin" / "clash"
    shim.parent.mkdir(parents=True)
    shim.write_text(FOREIGN)
    error = cli_env.refused("install", str(tool), "--shim", code=1)
    assert error.strip() == f"aio: {shim} exists and was not written by aio; it was left alone"
    assert shim.read_text() == FOREIGN
    error = cli_env.refused("cli", "shim", "clash", code=1)
    assert "was not written by aio" in error
    assert shim.read_text() == FOREIGN
    # The install itself went through; only the shim was refused.
    assert cli_env.run_tool("clash", "x")["argv"] == ["x"]


def test_doctor_reports_a_stale_or_missing_shim(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "aging")
    cli_env.ok("install", str(tool), "--shim")
    shim = cli_env.user / ".local" / "bin" / "aging"
    manifest = tool / "flow-tool.toml"
    manifest.write_text(manifest.read_text().replace('"main.py"]', '"main.py", "--new"]'))
    code, line = doctor_line(cli_env, "aging")
    assert code == 1
    assert line == (
        f"BAD  shim      {shim} is stale: it runs an older folder or command "
        "(aio cli shim aging rewrites it)"
    )
    cli_env.ok("cli", "shim", "aging")
    assert doctor_line(cli_env, "aging") == (0, f"ok   shim      {shim}")
    assert run_from_path(cli_env, "aging", "x")["argv"] == ["--new", "x"]

    shim.unlink()
    code, line = doctor_line(cli_env, "aging")
    assert code == 1
    assert line == f"BAD  shim      {shim} is missing (aio cli shim aging writes it again)"


def test_a_reinstall_from_a_moved_folder_refreshes_the_shim(cli_env: CliEnv) -> None:
    old = make_py_tool(cli_env.src / "old", "mover")
    cli_env.ok("install", str(old), "--shim")
    new = cli_env.src / "new"
    shutil.move(old, new)
    moved = cli_env.aio("cli", "doctor", "mover")  # the link and its shim name the old folder
    assert moved.returncode == 1 and "no such file" in moved.stdout
    out = cli_env.ok("install", str(new), "--force")
    assert "shim" in out
    assert doctor_line(cli_env, "mover")[0] == 0
    assert run_from_path(cli_env, "mover")["cwd"] == str(new)


def test_uninstall_removes_the_shim_but_not_a_foreign_file(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "gone")
    cli_env.ok("install", str(tool), "--shim")
    shim = cli_env.user / ".local" / "bin" / "gone"
    out = cli_env.ok("cli", "uninstall", "gone")
    assert f"removed the shim {shim}" in out
    assert not shim.exists()

    cli_env.ok("install", str(tool), "--shim")
    shim.write_text(FOREIGN)  # someone replaced it since
    out = cli_env.ok("cli", "uninstall", "gone")
    assert "removed the shim" not in out
    assert shim.read_text() == FOREIGN


def test_a_manifest_env_name_a_shell_cannot_set_gets_no_shim(cli_env: CliEnv) -> None:
    tool = make_py_tool(cli_env.src / "tool", "odd")
    manifest = tool / "flow-tool.toml"
    manifest.write_text(manifest.read_text().replace("TOOL_ENV =", '"X;touch pwned" ='))
    error = cli_env.refused("install", str(tool), "--shim", code=1)
    assert "exec.env name 'X;touch pwned' cannot be set by a shell script" in error
    assert not (cli_env.user / ".local" / "bin" / "odd").exists()
