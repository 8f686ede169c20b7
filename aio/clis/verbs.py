"""`aio install` and `aio cli`: external CLIs that feel native.

aio install PATH | cli_<ULID> | cli:<ULID> [--force]
aio cli ID [-- ARGS...]          run a tool; ARGS reach it verbatim
aio cli list [--json] | which ID | doctor ID | upgrade ID | uninstall ID
"""

from __future__ import annotations

import os
import sys

from aio.client.refusal import fail  # not .arguments: `aio cli ID` must not pay for argparse

TYPE_CHECKING = False  # `aio cli ID` pays for neither typing nor pathlib
if TYPE_CHECKING:
    from pathlib import Path

HELPERS = ("list", "which", "doctor", "upgrade", "uninstall", "shim", "run")
CLI_USAGE = """\
usage: aio cli ID [-- ARGS...]       run a registered or discovered tool (ARGS verbatim)
       aio cli list [--json]          tools: id, source kind, version, path, conflicts
       aio cli which ID               where ID resolves to
       aio cli doctor ID              manifest, source, toolchain command, build step, shim
       aio cli upgrade ID             install the catalog's newer version
       aio cli uninstall ID           remove the active registration (and its shim)
       aio cli shim ID [--bin DIR]    write ID's shim: its binary_name in DIR (~/.local/bin)
       aio cli run ID [-- ARGS...]    the same as aio cli ID (for a tool named like a helper)
"""


def _settings() -> tuple[Path, str | None, list[str]]:
    from aio.config.locations import aio_home
    from aio.config.settings import load_config

    home = aio_home()
    config = load_config(home)
    catalog = os.environ.get("AIO_CLI_CATALOG") or config.cli_catalog
    return home, catalog, config.cli_dev_roots


def _shim_folder(given: str | None) -> Path:
    from aio.clis.shims import bin_dir
    from aio.config.locations import aio_home
    from aio.config.settings import load_config

    return bin_dir(load_config(aio_home()).cli_bin_dir, given)


def _write_shim(home: Path, record, folder: Path) -> str:
    """Write `record`'s shim into `folder`; the line that says so."""
    from aio.clis.shims import on_path, write_shim

    path = write_shim(home, record, record.manifest(), folder)
    hint = "" if on_path(folder) else f" ({folder} is not on PATH)"
    return f"shim {path} runs {record.id}{hint}"


def _refresh_shim(home: Path, record) -> str | None:
    """Rewrite the recorded shim of `record`'s id for what it runs now (after an install or an
    upgrade); the line that says so, or None if it has none."""
    from pathlib import Path

    from aio.clis.shims import recorded

    where = recorded(home).get(record.id)
    if where is None:
        return None
    return _write_shim(home, record, Path(where).parent)


def _tell_core(home: Path) -> None:
    """Let a running core tell open dashboards that the registry changed."""
    import contextlib

    from aio.client.core_client import CoreClient, CoreError, CoreUnavailable

    with contextlib.suppress(CoreUnavailable, CoreError):
        CoreClient(home).request("POST", "/clis/changed")


def cmd_install(argv: list[str]) -> int:
    from aio.client.arguments import parser

    p = parser(
        "install",
        "Install an external CLI: a folder or flow-tool.toml (linked, never copied), "
        "or a catalog id cli_<ULID> (downloaded, sha256-checked, unpacked safely).",
    )
    p.add_argument("target", help="PATH, cli_<ULID> or cli:<ULID>")
    p.add_argument("--force", action="store_true", help="replace or shadow a tool with this id")
    p.add_argument(
        "--shim",
        action="store_true",
        help="also write a shim: the tool's binary_name in the bin folder, run without aio",
    )
    p.add_argument(
        "--bin",
        metavar="DIR",
        help="the bin folder for the shim (implies --shim; default: cli_bin_dir, ~/.local/bin)",
    )
    args = p.parse_args(argv)
    from pathlib import Path

    from aio.clis.install import InstallError, install
    from aio.clis.shims import ShimError
    from aio.config.settings import ConfigError

    try:
        home, catalog, dev_roots = _settings()
        folder = _shim_folder(args.bin) if args.shim or args.bin else None
        if folder is not None and folder.exists() and not folder.is_dir():
            return fail(f"--bin {folder}: not a folder")
        result = install(home, args.target, force=args.force, catalog=catalog, dev_roots=dev_roots)
    except (InstallError, ConfigError) as exc:
        return fail(str(exc))
    print(result.message)
    if result.changed:
        _tell_core(home)
    if result.record is None:
        return 0
    try:
        if folder is not None:
            print(_write_shim(home, result.record, Path(folder)))
        elif (said := _refresh_shim(home, result.record)) is not None:
            print(said)
    except ShimError as exc:
        return fail(str(exc), 1)
    return 0


def cmd_cli(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(CLI_USAGE)
        return 0 if argv else 2
    first, rest = argv[0], argv[1:]
    if first in HELPERS and first != "run":
        return _helper(first, rest)
    if first == "run":
        if not rest:
            return fail("aio cli run: which tool? (aio cli run ID -- ARGS)")
        first, rest = rest[0], rest[1:]
    return _run(first, rest[1:] if rest[:1] == ["--"] else rest)


def _run(name: str, args: list[str]) -> int:
    # Inside an aio job (a CLI run from the dashboard), the caller is whoever queued the job.
    inside_job = "AIO_JOB_ID" in os.environ and "AIO_CALLER_CWD" in os.environ
    caller = os.environ["AIO_CALLER_CWD"] if inside_job else os.getcwd()
    from aio.clis.run_cache import cached_command
    from aio.config.locations import aio_home_text

    cached = cached_command(aio_home_text(), name)
    if cached is not None:
        env = {**os.environ, **cached["env"], "AIO_CALLER_CWD": caller}
        argv = [*cached["run"], *args]
        try:
            os.chdir(cached["source_root"])
            os.execvpe(argv[0], argv, env)
        except OSError:
            pass  # the full resolve below names what is wrong
    from aio.clis.registry import ToolNotFound, resolve
    from aio.clis.run import ToolRunError, exec_tool
    from aio.config.settings import ConfigError

    try:
        home, _, dev_roots = _settings()
        record = resolve(home, name, dev_roots)
        if record.problem:
            return fail(record.problem)
        exec_tool(record, args, caller, remember=(str(home), name))  # returns only on failure
    except (ToolNotFound, ToolRunError, ConfigError) as exc:
        return fail(str(exc))
    return 1


def _helper(verb: str, argv: list[str]) -> int:
    from aio.client.arguments import parser
    from aio.clis.install import InstallError
    from aio.clis.registry import ToolNotFound
    from aio.clis.shims import ShimError
    from aio.config.settings import ConfigError

    p = parser(f"cli {verb}", CLI_USAGE.splitlines()[HELPERS.index(verb) + 1].split("  ")[-1])
    if verb == "list":
        p.add_argument("--json", action="store_true")
    else:
        p.add_argument("id", help="tool id or alias")
        if verb == "doctor":
            p.add_argument("--json", action="store_true")
        if verb == "shim":
            p.add_argument("--bin", metavar="DIR", help="the bin folder (default ~/.local/bin)")
    args = p.parse_args(argv)
    try:
        home, catalog, dev_roots = _settings()
        return HANDLERS[verb](home, catalog, dev_roots, args)
    except (InstallError, ToolNotFound, ConfigError) as exc:
        return fail(str(exc))
    except ShimError as exc:
        return fail(str(exc), 1)


def _list(home, catalog, dev_roots, args) -> int:
    from aio.clis.registry import list_tools

    tools = list_tools(home, dev_roots)
    if args.json:
        from aio.text.json_list import write_json_list

        write_json_list([t.to_dict() for t in tools])
        return 0
    if not tools:
        print("no CLIs (aio install PATH registers one)")
        return 0
    rows = [
        (
            t.id,
            t.kind,
            t.version or "-",
            str(t.source_root),
            "; ".join(t.conflicts) or ("! " + t.problem if t.problem else "-"),
        )
        for t in tools
    ]
    from aio.text.table import text_table

    headers = ("ID", "KIND", "VERSION", "PATH", "CONFLICTS")
    sys.stdout.write(text_table(headers, rows))
    return 0


def _which(home, catalog, dev_roots, args) -> int:
    from aio.clis.registry import resolve

    record = resolve(home, args.id, dev_roots)
    version = f" {record.version}" if record.version else ""
    print(f"{record.id}{version}: {record.kind} {record.source_root}")
    print(f"  manifest: {record.manifest_path}")
    for conflict in record.conflicts:
        print(f"  shadows: {conflict}")
    return 0


def _doctor(home, catalog, dev_roots, args) -> int:
    from aio.clis.manage import doctor
    from aio.clis.registry import resolve

    record = resolve(home, args.id, dev_roots)
    checks = doctor(record)
    if checks[0].ok:  # the manifest loads: is the shim (if any) what it should be?
        from aio.clis.manage import Check
        from aio.clis.shims import shim_problem

        shim = shim_problem(home, record, record.manifest())
        if shim is not None:
            checks.append(Check("shim", shim[1], shim[0]))
    if getattr(args, "json", False):
        from aio.text.json_list import write_json

        write_json([c.to_dict() for c in checks])
    else:
        for check in checks:
            print(f"{'ok ' if check.ok else 'BAD'}  {check.name:<9} {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def _upgrade(home, catalog, dev_roots, args) -> int:
    from aio.clis.install import InstallError
    from aio.clis.manage import upgrade

    if not catalog:
        raise InstallError("no CLI catalog is set (AIO_CLI_CATALOG or cli_catalog in config.toml)")
    result = upgrade(home, args.id, catalog, dev_roots)
    print(result.message)
    if result.changed:
        _tell_core(home)
        if result.record is not None and (said := _refresh_shim(home, result.record)):
            print(said)
    return 0


def _uninstall(home, catalog, dev_roots, args) -> int:
    from aio.clis.manage import uninstall
    from aio.clis.shims import remove_shim

    record = uninstall(home, args.id, dev_roots)
    print(f"uninstalled {record.id} ({record.kind} {record.install_id or record.source_root})")
    removed = remove_shim(home, record.id)
    if removed is not None:
        print(f"removed the shim {removed}")
    _tell_core(home)
    return 0


def _shim(home, catalog, dev_roots, args) -> int:
    from aio.clis.registry import resolve

    record = resolve(home, args.id, dev_roots)
    if record.problem:
        return fail(record.problem)
    print(_write_shim(home, record, _shim_folder(args.bin)))
    return 0


HANDLERS = {
    "list": _list,
    "which": _which,
    "doctor": _doctor,
    "upgrade": _upgrade,
    "uninstall": _uninstall,
    "shim": _shim,
}
