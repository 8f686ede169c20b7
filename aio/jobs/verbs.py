"""Job verbs: run, ls, log, a (attach), kill, rm."""

from __future__ import annotations

import os
import sys

from aio.client.arguments import fail, parser, quick_parse, reports_core_errors
from aio.client.core_client import connect
from aio.client.paths import segment
from aio.config.locations import aio_home
from aio.text.json_list import write_json_list
from aio.text.printable import printable


def _exit_code_of(status: str | None, exit_code: int | None) -> int:
    """The process exit code that reports a finished job to a script."""
    if status == "done":
        return 0
    if exit_code:
        return exit_code
    return 1


@reports_core_errors
def cmd_run(argv: list[str]) -> int:
    p = parser("run", "Queue a task file as a job and print its number.")
    p.add_argument("file", help="a task file (JSON)")
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="K=V",
        help="set a {{variable}} (repeatable)",
    )
    p.add_argument(
        "--wait", action="store_true", help="stream the job's output; exit with its exit code"
    )
    args = p.parse_args(argv)
    from aio.jobs.tasks import TaskError, parse_var_assignment

    variables: dict[str, str] = {}
    try:
        for item in args.var:
            name, value = parse_var_assignment(item)
            variables[name] = value
    except TaskError as exc:
        return fail(str(exc))
    path = os.path.abspath(args.file)
    if not os.path.exists(path):
        return fail(f"{args.file}: no such file")
    core = connect()
    answer = core.request("POST", "/jobs", {"path": path, "vars": variables, "cwd": os.getcwd()})
    job = answer["job"]
    if not args.wait:
        print(job["id"])
        return 0
    sys.stderr.write(f"[aio] job {job['id']} {printable(job['name'], 80)}\n")
    from aio.client.raw_attach import run_attach

    result = run_attach(
        aio_home(), str(job["id"]), mode="full", forward_input=False, announce=False
    )
    if result.error:
        return fail(f"job {job['id']}: {result.error}", 1)
    sys.stderr.write(
        f"[aio] job {job['id']} {result.status}"
        f"{'' if result.exit_code is None else f' (exit {result.exit_code})'}\n"
    )
    return _exit_code_of(result.status, result.exit_code)


def _ls_parser():
    p = parser("ls", "List jobs: number, name, status, step i/n, exit code, duration.")
    p.add_argument("--json", action="store_true", help="print the jobs as JSON")
    return p


@reports_core_errors
def cmd_ls(argv: list[str]) -> int:
    args = quick_parse(argv, (), {"--json": "json"}) or _ls_parser().parse_args(argv)
    jobs = connect().request("GET", "/jobs")["jobs"]
    if args.json:
        write_json_list(jobs)
        return 0
    from aio.jobs.display import jobs_table

    sys.stdout.write(jobs_table(jobs, colour=sys.stdout.isatty()))
    return 0


def _log_parser():
    p = parser(
        "log",
        "Print the complete output of a job, byte for byte as its terminal got it; --plain "
        "gives text for reading: no colours or other escapes, no carriage-return overwrites, "
        "and a marker line where each step starts and ends.",
    )
    p.add_argument("job", help="job number or name")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing until it ends")
    p.add_argument(
        "--plain", action="store_true", help="plain text with step markers (not with -f)"
    )
    return p


@reports_core_errors
def cmd_log(argv: list[str]) -> int:
    switches = {"-f": "follow", "--follow": "follow", "--plain": "plain"}
    args = quick_parse(argv, ("job",), switches) or _log_parser().parse_args(argv)
    if args.plain and args.follow:
        return fail("log: --plain reads the log as it is now; it cannot be combined with -f")
    job = connect().request("GET", f"/jobs/{segment(args.job)}")["job"]
    if job["folder_removed"]:
        return fail(f"job {job['id']}: its folder and log were removed (older than kept jobs)")
    if args.follow and job["status"] in ("queued", "running"):
        from aio.client.raw_attach import run_attach

        result = run_attach(
            aio_home(), str(job["id"]), mode="full", forward_input=False, announce=False
        )
        return 1 if result.error else 0
    try:
        with open(job["log_path"], "rb") as log:
            if args.plain:
                from aio.jobs.plain_log import write_plain

                write_plain(log, job, sys.stdout)
            else:
                import shutil

                shutil.copyfileobj(log, sys.stdout.buffer, 1024 * 1024)
    except FileNotFoundError:
        if job["status"] == "queued":
            return 0
        return fail(f"job {job['id']}: no log at {job['log_path']}", 1)
    sys.stdout.flush()
    return 0


@reports_core_errors
def cmd_attach(argv: list[str]) -> int:
    from aio.config.keys import parse_control_key
    from aio.config.settings import ConfigError, load_config

    p = parser(
        "a",
        "Attach this terminal to a job. The detach key (ctrl-] by default, 'detach_key' in "
        "config.toml) returns without stopping the job.",
    )
    p.add_argument("job", help="job number or name")
    args = p.parse_args(argv)
    home = aio_home()
    try:
        detach = parse_control_key(load_config(home).detach_key)
    except ConfigError as exc:
        return fail(str(exc))
    job = connect().request("GET", f"/jobs/{segment(args.job)}")["job"]
    from aio.client.raw_attach import run_attach

    if os.isatty(0):
        key = load_config(home).detach_key
        sys.stderr.write(
            f"[aio] attached to job {job['id']} {printable(job['name'], 80)}; {key} detaches\r\n"
        )
    result = run_attach(home, str(job["id"]), mode="tail", detach_key=detach)
    if result.error:
        return fail(f"job {job['id']}: {result.error}", 1)
    return 0


def _each_job(verb: str, description: str, path: str, method: str):
    @reports_core_errors
    def command(argv: list[str]) -> int:
        p = parser(verb, description)
        p.add_argument("jobs", nargs="+", help="job numbers or names")
        args = p.parse_args(argv)
        core = connect()
        code = 0
        for ref in args.jobs:
            from aio.client.core_client import CoreError

            try:
                answer = core.request(method, path.format(ref=segment(ref)))
            except CoreError as exc:
                code = fail(str(exc), 2 if exc.status < 500 else 1)
                continue
            job_id = answer.get("removed") or answer.get("job", {}).get("id")
            print(f"{verb}: job {job_id}")
        return code

    return command


cmd_kill = _each_job("kill", "Kill running jobs or cancel queued ones.", "/jobs/{ref}/kill", "POST")
cmd_rm = _each_job(
    "rm", "Remove finished jobs with their folders and worktrees.", "/jobs/{ref}", "DELETE"
)
