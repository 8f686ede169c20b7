"""The `aio` command: a thin, fast dispatcher. Each verb's module is imported only when used."""

from __future__ import annotations

import sys

USAGE = """\
usage: aio [VERB] [ARGS...]

  aio                      open the dashboard (starts the core if needed)
  aio run FILE [--var K=V ...] [--wait]
                           queue a task file as a job; --wait streams it and exits with its code
  aio ls [--json]          list jobs
  aio log N [-f]           the complete output of job N (-f: follow until it ends)
  aio a N|NAME             attach this terminal to a job (ctrl-] detaches)
  aio web [N]              a one-time link to the jobs page or job N in a browser
  aio t [+TITLE 2h | done N | rm N] [--json]
                           todos with real and virtual deadlines (aio t --help)
  aio install PATH|cli_ID  install an external CLI (a folder, or from the CLI catalog)
  aio cli ID [-- ARGS]     run an installed CLI (aio cli list, which, doctor, upgrade, uninstall)
  aio kill N ...           kill running or cancel queued jobs
  aio rm N ...             remove finished jobs, their folders and worktrees
  aio serve                run the core in the foreground
  aio stop                 stop the core (running jobs are killed)

Every verb takes --help. Jobs are named by number or by name.
State lives under $AIO_HOME (default: the platform's user data folder).
"""

VERBS = {
    "run": ("aio.commands.jobs", "cmd_run"),
    "ls": ("aio.commands.jobs", "cmd_ls"),
    "log": ("aio.commands.jobs", "cmd_log"),
    "a": ("aio.commands.jobs", "cmd_attach"),
    "attach": ("aio.commands.jobs", "cmd_attach"),
    "kill": ("aio.commands.jobs", "cmd_kill"),
    "rm": ("aio.commands.jobs", "cmd_rm"),
    "t": ("aio.commands.todo", "cmd_todo"),
    "install": ("aio.commands.clis", "cmd_install"),
    "cli": ("aio.commands.clis", "cmd_cli"),
    "web": ("aio.commands.web", "cmd_web"),
    "serve": ("aio.commands.core", "cmd_serve"),
    "stop": ("aio.commands.core", "cmd_stop"),
}


def main(argv: list[str] | None = None) -> int:
    """Run one `aio` command; returns its exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from aio.commands.core import cmd_dashboard

        return cmd_dashboard([])
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
    import importlib

    module = importlib.import_module(target[0])
    try:
        return getattr(module, target[1])(rest)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
