"""Where the `claude` CLI is: the one bundled with `claude-agent-sdk`, else one the user installed.

`claude-agent-sdk` ships the native CLI inside the package, as `claude_agent_sdk/_bundled/claude`
with its version in `_bundled/claude.version` beside it. The package's folder is found through
importlib's finder, which does not run the package: importing `claude_agent_sdk` loads mcp,
pydantic and anyio and takes most of a second, too slow for a CLI fast path or a hook.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

SDK_PACKAGE = "claude_agent_sdk"
CLI_NAME = "claude.exe" if os.name == "nt" else "claude"
INSTALL_HINT = (
    "install it with `pip install claude-agent-sdk` (which bundles the CLI) "
    "or `npm install -g @anthropic-ai/claude-code`"
)


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def sdk_folder() -> Path | None:
    """The installed `claude_agent_sdk` package's folder, without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec(SDK_PACKAGE)
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without a spec
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_claude_cli() -> Path | None:
    """The CLI bundled with `claude-agent-sdk`, if that package is installed with it."""
    folder = sdk_folder()
    if folder is None:
        return None
    path = folder / "_bundled" / CLI_NAME
    return path if _runnable(path) else None


def bundled_cli_version() -> str | None:
    """The bundled CLI's version (e.g. `2.1.332`) from the file beside it, without running it."""
    cli = bundled_claude_cli()
    if cli is None:
        return None
    try:
        text = (cli.parent / "claude.version").read_text().strip()
    except OSError:
        return None
    return text.split()[0] if text else None


def _installed_locations() -> list[Path]:
    """Where the CLI's own installers put it when their folder is not on PATH."""
    home = Path.home()
    return [
        home / ".local/bin" / CLI_NAME,
        home / ".claude/local" / CLI_NAME,
        home / ".npm-global/bin" / CLI_NAME,
        home / "node_modules/.bin" / CLI_NAME,
        home / ".yarn/bin" / CLI_NAME,
        Path("/usr/local/bin") / CLI_NAME,
    ]


def find_claude_cli(configured: str | None = None, search_path: str | None = None) -> Path | None:
    """The `claude` CLI to run, or None when there is none.

    `configured` (a path the user set) wins; when it names no runnable file the answer is None,
    never a silent fallback to another CLI. Otherwise, in the SDK's own order: the bundled CLI,
    then `claude` on `search_path` (default `$PATH`), then the installers' usual folders.
    """
    if configured:
        path = Path(configured).expanduser()
        return path if _runnable(path) else None
    bundled = bundled_claude_cli()
    if bundled is not None:
        return bundled
    on_path = shutil.which(CLI_NAME, path=search_path)
    if on_path:
        return Path(on_path)
    return next((path for path in _installed_locations() if _runnable(path)), None)


def missing_cli_message(configured: str | None = None) -> str:
    """The one-line error for a CLI that was not found, naming what is missing and the fix."""
    if configured:
        return f"the claude CLI set as {configured!r} is not a runnable file"
    return f"the claude CLI was not found; {INSTALL_HINT}"
