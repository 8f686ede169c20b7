"""How a worklet builds and runs: its `worklet.toml`, else what its files say (like the seed).

`worklet.toml` (every field checked; an error names the file, the field and what was expected):

    build = ["npm ci"]            # optional: shell commands, each one step of the build job
    run = ["node", "server.js"]   # the server: an argv list (run as is) or one shell command
    port_env = "PORT"             # optional: the variable that carries its port (default PORT)
    health = "/healthz"           # optional: a path that must answer 2xx (else: the port opens)

Without it: package.json -> `npm ci` (`npm install` without a lockfile) and `npm start` (or
`node` on its `main`); pyproject.toml or requirements.txt -> a venv in the worklet's folder,
`pip install`, then the project's first script or `python app.py`; go.mod -> `go run .`; a
Dockerfile -> `docker build` and `docker run` (published on 127.0.0.1 only), when a Docker
daemon answers. A tool the plan needs that is not installed is an error naming it.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aio.worklets.model import ENV_NAME, WorkletError

TOML_NAME = "worklet.toml"
TOML_FIELDS = ("build", "run", "port_env", "health")
MAX_TOML_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a worklet's build job and run job execute (shell commands, cwd: its clone)."""

    kind: str  # toml, npm, python, go, docker
    build: tuple[str, ...]
    run: str
    port_env: str = "PORT"
    health: str | None = None
    sandboxable: bool = True  # false for docker: the container is its isolation


def read_plan(clone: Path, folder: Path, image: str, env_names: list[str]) -> RunPlan:
    """The plan of the clone at `clone` (blocking: it may ask Docker whether it runs)."""
    toml = clone / TOML_NAME
    if toml.is_file():
        return _toml_plan(toml)
    if (clone / "package.json").is_file():
        return _npm_plan(clone)
    if (clone / "pyproject.toml").is_file() or (clone / "requirements.txt").is_file():
        return _python_plan(clone, folder)
    if (clone / "go.mod").is_file():
        _need("go", "go.mod")
        return RunPlan("go", (), "go run .")
    if (clone / "Dockerfile").is_file():
        return _docker_plan(image, env_names)
    raise WorkletError(
        f"{clone}: no {TOML_NAME}, package.json, pyproject.toml, requirements.txt, go.mod or "
        f"Dockerfile: aio cannot tell how to run it (add a {TOML_NAME} with run = [...])"
    )


def _toml_plan(path: Path) -> RunPlan:
    where = f"{path.parent.name}/{TOML_NAME}"
    try:
        raw = path.read_bytes()[: MAX_TOML_BYTES + 1]
        if len(raw) > MAX_TOML_BYTES:
            raise WorkletError(f"{where}: at most {MAX_TOML_BYTES // 1024} KiB")
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise WorkletError(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkletError(f"{where}: not valid TOML: {exc}") from None
    unknown = [key for key in data if key not in TOML_FIELDS]
    if unknown:
        raise WorkletError(
            f"{where}: unknown field '{unknown[0]}' (expected: {', '.join(TOML_FIELDS)})"
        )
    build = data.get("build", [])
    if not isinstance(build, list) or not all(_text(c) for c in build):
        raise WorkletError(f"{where}: field 'build': expected a list of shell commands (strings)")
    if "run" not in data:
        raise WorkletError(f"{where}: missing field 'run' (the server's command)")
    run = data["run"]
    if isinstance(run, list) and run and all(_text(word) for word in run):
        command = shlex.join(run)
    elif _text(run):
        command = run
    else:
        raise WorkletError(
            f"{where}: field 'run': expected a non-empty list of strings (the server's argv) "
            "or a shell command"
        )
    port_env = data.get("port_env", "PORT")
    if not isinstance(port_env, str) or not ENV_NAME.fullmatch(port_env):
        raise WorkletError(f"{where}: field 'port_env': expected a variable name such as PORT")
    health = data.get("health")
    if health is not None and (
        not isinstance(health, str) or not health.startswith("/") or not health.isprintable()
        or " " in health or len(health) > 1000
    ):  # fmt: skip
        raise WorkletError(f"{where}: field 'health': expected a path starting with / (no spaces)")
    return RunPlan("toml", tuple(build), command, port_env, health)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\x00" not in value


def _need(tool: str, because: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise WorkletError(f"{because} asks for `{tool}`, which is not installed")
    return found


def _npm_plan(clone: Path) -> RunPlan:
    _need("npm", "package.json")
    try:
        package = json.loads((clone / "package.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkletError(f"{clone.name}/package.json: not valid JSON: {exc}") from None
    if not isinstance(package, dict):
        raise WorkletError(f"{clone.name}/package.json: expected a JSON object")
    locked = any((clone / name).is_file() for name in ("package-lock.json", "npm-shrinkwrap.json"))
    build = ("npm ci" if locked else "npm install",)
    scripts = package.get("scripts")
    if isinstance(scripts, dict) and _text(scripts.get("start")):
        return RunPlan("npm", build, "npm start")
    main = package.get("main")
    for candidate in ([main] if _text(main) else []) + ["server.js", "index.js"]:
        if (clone / candidate).is_file():
            return RunPlan("npm", build, shlex.join(["node", candidate]))
    raise WorkletError(
        f"{clone.name}/package.json: field 'scripts.start': missing, and no 'main', server.js "
        "or index.js to run"
    )


def _python_plan(clone: Path, folder: Path) -> RunPlan:
    python = shutil.which("python3") or sys.executable
    venv = folder / "venv"
    pip = shlex.quote(str(venv / "bin" / "pip"))
    build = [shlex.join([python, "-m", "venv", str(venv)])]
    if (clone / "requirements.txt").is_file():
        build.append(f"{pip} install -r requirements.txt")
    scripts: dict = {}
    if (clone / "pyproject.toml").is_file():
        try:
            project = tomllib.loads((clone / "pyproject.toml").read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WorkletError(f"{clone.name}/pyproject.toml: not valid TOML: {exc}") from None
        section = project.get("project")
        if isinstance(section, dict):
            build.append(f"{pip} install .")
            scripts = section.get("scripts") if isinstance(section.get("scripts"), dict) else {}
    if scripts:
        return RunPlan("python", tuple(build), shlex.quote(str(venv / "bin" / next(iter(scripts)))))
    if (clone / "app.py").is_file():
        return RunPlan("python", tuple(build), shlex.join([str(venv / "bin" / "python"), "app.py"]))
    raise WorkletError(
        f"{clone.name}: a Python project with no [project.scripts] in pyproject.toml and no "
        "app.py to run"
    )


def docker_answers() -> bool:
    """Whether a Docker daemon answers (`docker info`, bounded)."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _docker_plan(image: str, env_names: list[str]) -> RunPlan:
    _need("docker", "Dockerfile")
    if not docker_answers():
        raise WorkletError("Dockerfile: `docker` is installed but no Docker daemon answers")
    passed = ["PORT", "AIO_WORKLET_ID", "AIO_KV_URL", "AIO_KV_TOKEN", *env_names]
    flags = " ".join(f"-e {name}" for name in passed)
    # Published on the host's loopback only; inside its own network the server binds all.
    run = (
        f'docker run --rm --init -p "127.0.0.1:$PORT:$PORT" {flags} -e HOST=0.0.0.0 '
        f"{shlex.quote(image)}"
    )
    return RunPlan("docker", (f"docker build -t {shlex.quote(image)} .",), run, sandboxable=False)
