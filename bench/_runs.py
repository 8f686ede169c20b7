"""What the CLI start-up benchmarks share: whole processes timed from spawn to exit, interleaved.

Standard library only, like `_common.py`. Each command is a whole process of its own; every
round runs each command once, and the order rotates from round to round so that the machine's
noise (a shared 2-core box) falls on all of them alike.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from _common import ms, ratio


@dataclass
class Runs:
    """Per command: wall times (spawn to exit) and CPU times (user + system of the process and
    of the children it waited for, from wait4), in seconds."""

    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)


def timed(
    argv: list[str],
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> tuple[float, float]:
    """(wall, CPU) seconds of one process from spawn to exit (stdout and stderr discarded,
    stdin empty, or the file `stdin` names); CalledProcessError if it fails, so that a broken
    command is never timed as a fast one."""
    with open(stdin or os.devnull, "rb") as given:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdin=given,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def interleaved(
    commands: dict[str, list[str]],
    rounds: int,
    cwd: str | None = None,
    envs: dict[str, dict[str, str]] | None = None,
    stdins: dict[str, str] | None = None,
) -> Runs:
    """Run every command once per round (after one unmeasured warm-up each), the order rotated
    by one each round. `envs` gives some commands an environment of their own (the others
    inherit this process's), `stdins` a file to read as stdin (the others get none)."""
    envs, stdins = envs or {}, stdins or {}
    names = list(commands)
    for name in names:
        timed(commands[name], cwd, envs.get(name), stdins.get(name))
    runs = Runs()
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            runs.add(name, *timed(commands[name], cwd, envs.get(name), stdins.get(name)))
    return runs


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def table(runs: Runs, base: str) -> None:
    """One line per command: wall median, min and p90, the ratio of its wall median to `base`'s,
    and the CPU median with its ratio."""
    width = max(len(name) for name in runs.wall)
    base_wall, base_cpu = median(runs.wall[base]), median(runs.cpu[base])
    for name, values in runs.wall.items():
        wall, cpu = median(values), median(runs.cpu[name])
        print(
            f"  {name:{width}}  wall median {ms(wall):>10} = {ratio(wall, base_wall):>6}  "
            f"(min {ms(min(values))}, p90 {ms(percentile(values, 90))}, n={len(values)});  "
            f"CPU median {ms(cpu):>10} = {ratio(cpu, base_cpu)}"
        )


def median(values: list[float]) -> float:
    return statistics.median(values)


def on_path(name: str) -> str:
    """What `name` resolves to on PATH, and whether that is a shell-script shim (pyenv's)."""
    found = shutil.which(name)
    if found is None:
        return f"{name}: not on PATH"
    with open(found, "rb") as head:
        start = head.read(64)
    if start[:2] != b"#!":
        return f"{name} -> {found}"
    first_line = start.split(b"\n", 1)[0].decode(errors="replace")
    return f"{name} -> {found} (a script: {first_line})"


def python_start_note() -> str:
    """How long one `python -c pass` of this interpreter spends importing `site` (the .pth
    files of site-packages run there), from `-X importtime`; certifi named if it is imported."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "pass"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    cumulative: dict[str, int] = {}
    for line in out.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit():
            cumulative[parts[2]] = int(parts[1])
    note = f"import of site {cumulative.get('site', 0) / 1000:.1f} ms"
    if "certifi" in cumulative:
        note += f", of which certifi (a .pth file) {cumulative['certifi'] / 1000:.1f} ms"
    return note


def home_env(home: str) -> dict[str, str]:
    """This process's environment with AIO_HOME set to `home`."""
    return {**os.environ, "AIO_HOME": home}


def import_profile(
    argv: list[str], runs: int = 5, env: dict[str, str] | None = None, stdin: str | None = None
) -> str:
    """Where a Python process's start goes: `-X importtime` of `argv` (a Python command line
    after the interpreter; stdin empty, or the file `stdin` names), the median cumulative ms of
    each module the program imported itself (not through another), largest first."""
    totals: dict[str, list[int]] = {}
    for _ in range(runs):
        with open(stdin or os.devnull, "rb") as given:
            err = subprocess.run(
                [sys.executable, "-X", "importtime", *argv],
                stdin=given,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                check=True,
            ).stderr
        for line in err.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) != 3 or not parts[1].strip().isdigit():
                continue
            name = parts[2]
            if name.startswith(" ") and not name.startswith("  "):  # imported by the program
                totals.setdefault(name.strip(), []).append(int(parts[1]))
    rows = sorted(((median(v), k) for k, v in totals.items() if len(v) == runs), reverse=True)
    return ", ".join(f"{k} {us / 1000:.1f}" for us, k in rows if us >= 1000) + " (ms)"


@contextlib.contextmanager
def temp_home(aio: str) -> Iterator[str]:
    """A fresh, short AIO_HOME under /tmp for verbs that need no core (`aio install`, `aio cli`);
    set in this process's environment, and removed (and unset) at the end, whatever happened.
    Should a verb have started a core there after all, it is stopped (`aio stop`) and named."""
    home = tempfile.mkdtemp(prefix="aiob")
    os.environ["AIO_HOME"] = home
    try:
        yield home
    finally:
        if os.path.exists(os.path.join(home, "core.sock")):
            print(f"WARNING: a core was started in {home}; stopping it", flush=True)
            subprocess.run([aio, "stop", "--force"], env=home_env(home), timeout=60, check=False)
        shutil.rmtree(home, ignore_errors=True)
        if os.environ.get("AIO_HOME") == home:
            del os.environ["AIO_HOME"]
