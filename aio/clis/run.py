"""`aio cli ID -- ARGS`: become the tool (the fast path: no installer code is imported)."""

from __future__ import annotations

import os

from aio.clis.manifest import ManifestError
from aio.clis.registry import ToolRecord


class ToolRunError(RuntimeError):
    """The tool could not be started."""


def exec_tool(
    record: ToolRecord,
    args: list[str],
    caller_cwd: str,
    remember: tuple[str, str] | None = None,
) -> None:
    """Replace this process with the tool: its stdio, signals and exit code are the tool's own.

    `args` are appended verbatim. The working directory is the tool's source root; the
    caller's directory is in `AIO_CALLER_CWD`. With `remember` (the home and the name it was
    run by), the resolve is recorded for the next run (`aio.clis.run_cache`).
    """
    try:
        manifest = record.manifest()
    except ManifestError as exc:
        raise ToolRunError(str(exc)) from None
    if not record.source_root.is_dir():
        raise ToolRunError(f"{record.id}: its source folder {record.source_root} is gone")
    if remember is not None:
        from aio.clis.run_cache import remember as record_run

        record_run(*remember, record, manifest)
    argv = [*manifest.run, *args]
    env = {**os.environ, **manifest.env, "AIO_CALLER_CWD": caller_cwd}
    os.chdir(record.source_root)
    try:
        os.execvpe(argv[0], argv, env)
    except FileNotFoundError:
        raise ToolRunError(f"{record.id}: command not found: {argv[0]}") from None
    except PermissionError:
        raise ToolRunError(f"{record.id}: not executable: {argv[0]}") from None
