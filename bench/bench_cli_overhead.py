"""`aio cli ID -- a b` against running the tool's `[exec].run` directly.

A tool folder with a flow-tool.toml whose run is ["sh", "tool.sh"] (tool.sh prints its
arguments and exits 0) is installed with `aio install FOLDER` (a link) into a temporary
AIO_HOME; no core is needed, none is started. Whole processes, timed from spawn to exit,
ROUNDS interleaved rounds (the order rotates every round), all from the tool's folder (the
folder `aio cli` changes to before it execs the tool, so both runs have the same cwd):

* `sh tool.sh a b`                 the tool run directly: the baseline;
* `aio cli benchtool -- a b`       the console script beside this interpreter: resolves the id in
                                   $AIO_HOME/cli/, reads the manifest, os.execvpe's the same argv;
* `python -c pass`, `python -S -c pass`  this interpreter, for context: their difference is what
                                   importing `site` (and the .pth files of site-packages) costs
                                   on this machine, which every Python program pays; `aio cli`
                                   minus `python -c pass` is aio's own cost.

* `benchtool a b`                  the tool's shim (`aio cli shim benchtool --bin DIR`, a /bin/sh
                                   script that execs the same argv) found on PATH (DIR first);
* `aio cli benchtool -- a b` with a second AIO_HOME where EXTRA_TOOLS more tools are installed
  beside it, for scale (a full resolve reads every installed tool's manifest; a repeated run
  execs what the previous one resolved while nothing it read has changed).

Wall-time medians, with CPU time (user + system from wait4, the exec'd tool included) beside
them. Then where the time goes: `-X importtime` of `aio cli`.
Goals: the shim adds at most 3 ms (median) over the direct run; `aio cli ID -- ARGS` itself
adds at most 20 ms over `python -c pass`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from _common import aio_exe, goal, header, ms, ratio
from _runs import (
    Runs,
    home_env,
    import_profile,
    interleaved,
    median,
    python_start_note,
    table,
    temp_home,
)

ROUNDS = 31
EXTRA_TOOLS = 30
MANY = f"aio cli ID -- a b, {EXTRA_TOOLS + 1} tools installed"
GOAL_SHIM_MS = 3.0
GOAL_AIO_MS = 20.0
SHIM = "benchtool a b (shim on PATH)"
TOOL = "benchtool"
MANIFEST = """\
version = 1
id = "{id}"
language = "shell"
binary_name = "{id}"
description = "a trivial tool for bench_cli_overhead"

[exec]
run = ["sh", "tool.sh"]
"""
SCRIPT = 'printf "%s\\n" "$*"\n'


def make_tool(folder: Path, tool_id: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "flow-tool.toml").write_text(MANIFEST.format(id=tool_id), encoding="utf-8")
    (folder / "tool.sh").write_text(SCRIPT, encoding="utf-8")
    return folder


def install(aio: str, folder: Path, home: str) -> None:
    out = subprocess.run(
        [aio, "install", str(folder)],
        env=home_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"aio install {folder}: exit {out.returncode}: {out.stderr.strip()}")


def check_tool(aio: str, tool: Path) -> None:
    """Both ways print the same thing; stop here if `aio cli` does not run the tool."""
    direct = subprocess.run(
        ["sh", "tool.sh", "a", "b"], cwd=tool, capture_output=True, text=True, check=True
    ).stdout
    through = subprocess.run(
        [aio, "cli", TOOL, "--", "a", "b"], cwd=tool, capture_output=True, text=True, check=False
    )
    if through.returncode != 0 or through.stdout != direct:
        raise RuntimeError(
            f"aio cli {TOOL} -- a b: exit {through.returncode}, stdout {through.stdout!r} "
            f"(direct: {direct!r}), stderr {through.stderr.strip()!r}"
        )
    print(f"aio cli {TOOL} -- a b prints {through.stdout.strip()!r}, like sh tool.sh a b")


def main() -> int:
    header("bench_cli_overhead: `aio cli ID -- a b` vs the tool's [exec].run directly")
    print(python_start_note())
    aio = aio_exe()
    with temp_home(aio) as home:
        tool = make_tool(Path(home, "src", TOOL), TOOL)
        install(aio, tool, home)
        check_tool(aio, tool)
        bin_dir = Path(home, "bin")
        subprocess.run(
            [aio, "cli", "shim", TOOL, "--bin", str(bin_dir)],
            env=home_env(home),
            capture_output=True,
            check=True,
            timeout=60,
        )
        shim_env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        shimmed = subprocess.run(
            [TOOL, "a", "b"], cwd=tool, env=shim_env, capture_output=True, text=True, check=True
        ).stdout
        print(f"the shim {bin_dir / TOOL} prints {shimmed.strip()!r}")
        # A second home (inside the first, so removed with it) where EXTRA_TOOLS more are
        # installed beside the same tool.
        many = str(Path(home, "many"))
        start = time.perf_counter()
        install(aio, tool, many)
        for i in range(EXTRA_TOOLS):
            install(aio, make_tool(Path(home, "src", f"other{i:02d}"), f"other{i:02d}"), many)
        print(
            f"a second AIO_HOME with {EXTRA_TOOLS + 1} tools installed in "
            f"{time.perf_counter() - start:.1f} s"
        )
        commands = {
            "sh tool.sh a b (direct)": ["sh", "tool.sh", "a", "b"],
            "aio cli ID -- a b": [aio, "cli", TOOL, "--", "a", "b"],
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -S -c pass": [sys.executable, "-S", "-c", "pass"],
            SHIM: [TOOL, "a", "b"],
            MANY: [aio, "cli", TOOL, "--", "a", "b"],
        }
        print(f"AIO_HOME {home}; tool folder {tool}; {ROUNDS} interleaved rounds", flush=True)
        envs = {MANY: home_env(many), SHIM: shim_env}
        runs = interleaved(commands, ROUNDS, cwd=str(tool), envs=envs)
        table(runs, "sh tool.sh a b (direct)")
        profile = import_profile([aio, "cli", TOOL, "--", "a", "b"])
        print(f"imports of aio cli (median of 5, cumulative): {profile}")

    report(runs)
    return 0


def report(runs: Runs) -> None:
    def both(name: str) -> tuple[float, float]:
        return median(runs.wall[name]), median(runs.cpu[name])

    direct, direct_cpu = both("sh tool.sh a b (direct)")
    via, via_cpu = both("aio cli ID -- a b")
    plain, plain_cpu = both("python -c pass")
    bare, bare_cpu = both("python -S -c pass")
    added = via - direct
    print("== figures (medians; wall, then CPU) ==")
    print(f"aio cli ID -- a b:  {ms(via)}, CPU {ms(via_cpu)}")
    print(f"sh tool.sh a b:     {ms(direct)}, CPU {ms(direct_cpu)}")
    print(
        f"added by aio cli:   {ms(added)} ({ratio(via, direct)} the direct run), "
        f"CPU {ms(via_cpu - direct_cpu)}"
    )
    print(
        f"python -c pass {ms(plain)} (CPU {ms(plain_cpu)}), python -S -c pass {ms(bare)} "
        f"(CPU {ms(bare_cpu)}): importing site costs {ms(plain - bare)} (CPU "
        f"{ms(plain_cpu - bare_cpu)}) of every Python start here"
    )
    print(
        f"aio's own cost, aio cli - python -c pass: {ms(via - plain)} (CPU "
        f"{ms(via_cpu - plain_cpu)}); the exec'd sh is part of it "
        f"(direct run {ms(direct)}, CPU {ms(direct_cpu)})"
    )
    scaled = median(runs.wall[MANY])
    print(
        f"with {EXTRA_TOOLS + 1} tools installed: aio cli {ms(scaled)} = {ratio(scaled, via)} "
        f"the 1-tool figure, {ms(scaled - via)} more (CPU {ms(median(runs.cpu[MANY]) - via_cpu)})"
    )
    shim, shim_cpu = both(SHIM)
    print(
        f"the shim on PATH:   {ms(shim)}, CPU {ms(shim_cpu)}: {ms(shim - direct)} over the "
        f"direct run (CPU {ms(shim_cpu - direct_cpu)})"
    )
    goal(
        f"a shim on PATH adds <= {GOAL_SHIM_MS:g} ms median over the tool's run directly "
        f"(measured {ms(shim - direct)}: {ms(shim)} vs {ms(direct)})",
        (shim - direct) * 1000 <= GOAL_SHIM_MS,
    )
    goal(
        f"aio cli ID -- ARGS adds <= {GOAL_AIO_MS:g} ms median over python -c pass "
        f"(measured {ms(via - plain)}: {ms(via)} vs {ms(plain)})",
        (via - plain) * 1000 <= GOAL_AIO_MS,
    )


if __name__ == "__main__":
    sys.exit(main())
