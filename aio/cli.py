"""The `aio` command: a thin, fast dispatcher. Each verb's module is imported only when used."""

from __future__ import annotations

import errno
import sys

USAGE = """\
usage: aio [VERB] [ARGS...]

  aio [--screen NAME]      open the dashboard (starts the core if needed), on the Jobs screen
                           or on NAME: jobs, todos, clis, claude, worklets, flows
  aio run FILE [--var K=V ...] [--wait]
                           queue a task file as a job; --wait streams it and exits with its code
  aio ls [--json]          list jobs
  aio log N [-f|--plain]   job N's output as its terminal got it (-f: follow until it ends;
                           --plain: text for reading, with step markers)
  aio a N|NAME             attach this terminal to a job (ctrl-] detaches)
  aio web [N]              a one-time link to the jobs page or job N in a browser
  aio t [+TITLE 2h | done N | rm N] [--json]
                           todos with real and virtual deadlines (aio t --help)
  aio install PATH|cli_ID [--shim]
                           install an external CLI (a folder, or from the CLI catalog); --shim
                           also puts its binary_name on PATH (~/.local/bin, or --bin DIR)
  aio cli ID [-- ARGS]     run an installed CLI (aio cli list, which, doctor, upgrade, uninstall,
                           shim)
  aio claude new|ls|send|show|stop|resume|rm
                           Claude Code sessions, each one a job (aio claude --help)
  aio wl add REPO|ls|open|logs|stop|rm|pull|prompt|pr
                           worklets: git repos built and run on a loopback port (aio wl --help)
  aio kv WORKLET get|set|rm|ls|export|import
                           a worklet's key-value store (aio kv --help)
  aio flow ls|dispatch|events|runs|show|replay|cancel
                           flows: events that run flow.toml steps as jobs (aio flow --help)
  aio kill N ...           kill running or cancel queued jobs
  aio rm N ...             remove finished jobs, their folders and worktrees
  aio serve                run the core in the foreground
  aio stop [--force]       stop the core; with running jobs it asks first (--force: kill them)

Every verb takes --help. Jobs are named by number or by name.
State lives under $AIO_HOME (default: the platform's user data folder).
"""

# Write errors that mean no room for the output (a full disk, a quota, a file size limit).
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
VERBS = {
    "run": ("aio.jobs.verbs", "cmd_run"),
    "ls": ("aio.jobs.verbs", "cmd_ls"),
    "log": ("aio.jobs.verbs", "cmd_log"),
    "a": ("aio.jobs.verbs", "cmd_attach"),
    "attach": ("aio.jobs.verbs", "cmd_attach"),
    "kill": ("aio.jobs.verbs", "cmd_kill"),
    "rm": ("aio.jobs.verbs", "cmd_rm"),
    "t": ("aio.todos.verbs", "cmd_todo"),
    "install": ("aio.clis.verbs", "cmd_install"),
    "cli": ("aio.clis.verbs", "cmd_cli"),
    "web": ("aio.web.verbs", "cmd_web"),
    "serve": ("aio.core.verbs", "cmd_serve"),
    "stop": ("aio.core.verbs", "cmd_stop"),
    "claude": ("aio.claude.verbs", "cmd_claude"),
    "wl": ("aio.worklets.verbs", "cmd_wl"),
    "kv": ("aio.kv.verbs", "cmd_kv"),
    "flow": ("aio.flows.verbs", "cmd_flow"),
    "hook": ("aio.claude.hook_entry", "cmd_hook"),  # run by Claude Code, not by people
}


SCREENS = ("jobs", "todos", "clis", "claude", "worklets", "flows")  # aio/screens/registry.py
# What the dashboard can draw in its first frame, fetched before it starts (as the jobs are).
FIRST_RECORDS = {
    "claude": ("claude_sessions", "/claude/sessions", "sessions"),
    "worklets": ("worklets", "/worklets", "worklets"),
}


def open_dashboard(argv: list[str] | None = None) -> int:
    """Open the dashboard (`[--screen NAME]`), starting the core first if none is running."""
    from aio.client.arguments import fail
    from aio.client.core_client import CoreUnavailable, connect
    from aio.config.locations import aio_home
    from aio.config.settings import ConfigError, load_config

    screen = None
    if argv:
        if argv[0] not in ("--screen", "-s") or len(argv) != 2 or argv[1] not in SCREENS:
            return fail(f"usage: aio [--screen {'|'.join(SCREENS)}]")
        screen = argv[1]
    home = aio_home()
    try:
        config = load_config(home)
        core = connect()
        jobs = core.request("GET", "/jobs")["jobs"]
        records = {}
        if screen in FIRST_RECORDS:
            name, path, key = FIRST_RECORDS[screen]
            records[name] = core.request("GET", path)[key]
    except ConfigError as exc:
        return fail(str(exc))
    except CoreUnavailable as exc:
        return fail(str(exc), 1)
    from aio.app import AioApp

    if config.keymap:
        from aio.config.locations import config_path
        from aio.screens.binding_ids import known_binding_ids, unknown_keymap_ids

        unknown = unknown_keymap_ids(config.keymap, AioApp)
        if unknown:
            known = ", ".join(sorted(known_binding_ids(AioApp)))
            return fail(
                f"{config_path(home)}: [keymap]: unknown binding id '{unknown[0]}' (known: {known})"
            )
    # The first frame shows these jobs; the live event stream follows it.
    AioApp(home, config, jobs=jobs, screen=screen, records=records).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one `aio` command; returns its exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("--screen", "-s"):
        return open_dashboard(args)
    verb, rest = args[0], args[1:]
    if verb in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if verb in ("-V", "--version"):
        from aio import __version__

        print(f"aio {__version__}")
        return 0
    target = VERBS.get(verb)
    if target is None:
        sys.stderr.write(f"aio: unknown verb '{verb}' (try: {', '.join(VERBS)})\n")
        return 2
    module = __import__(target[0], fromlist=[target[1]])  # not importlib: it loads warnings
    try:
        code = getattr(module, target[1])(rest)
        sys.stdout.flush()  # here, where a full disk can be told, not at the interpreter's exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno not in _FULL or exc.filename is not None:
            raise
        # A full disk or quota under stdout (`aio t --json > /dev/full`): said, not a traceback.
        sys.stderr.write(f"aio {verb}: could not write the output: {exc.strerror}\n")
        return 1
