"""Integration: the real core on a temporary AIO_HOME, driven by the real `aio` CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from core_harness import (
    HEAVY,
    AioHome,
    aio_command,
    pid_alive,
    run_reporting_heavy_imports,
    wait_for,
)

VERBS = ["run", "ls", "log", "a", "attach", "kill", "rm", "serve", "stop"]


def unpty(text: str) -> str:
    """Undo the PTY's newline translation (\\n is written as \\r\\n)."""
    return text.replace("\r\n", "\n")


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(home: AioHome, verb: str) -> None:
    result = home.aio(verb, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: aio {'a' if verb == 'attach' else verb} ")
    assert not home.client().is_running(), "--help must not start the core"


def test_top_level_help_and_unknown_verb(home: AioHome) -> None:
    assert "aio run FILE" in home.ok("--help")
    assert home.ok("--version").startswith("aio ")
    result = home.aio("frobnicate")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("aio: unknown verb 'frobnicate'")


def test_run_prints_the_job_number_and_the_job_runs(home: AioHome) -> None:
    first = home.submit({"name": "hello", "steps": [{"cmd": "echo hello from aio"}]})
    second = home.submit({"name": "hello2", "steps": [{"cmd": "echo again"}]})
    assert (first, second) == (1, 2)
    job = home.wait_status(first, "done")
    assert job["exit_code"] == 0
    assert unpty(home.ok("log", str(first))) == "hello from aio\n"
    assert Path(job["folder"]).name == "1-hello"
    assert Path(job["workdir"]) == Path(job["folder"]) / "work"


def test_job_folder_names_are_safe_and_steps_start_in_a_fresh_work_folder(home: AioHome) -> None:
    job_id = home.submit(home.task({"name": "feat/x y:z", "steps": [{"cmd": "ls -A; pwd"}]}))
    job = home.wait_status(job_id, "done")
    folder = Path(job["folder"])
    assert folder == home.path / "jobs" / "1-feat-x-y-z"
    assert unpty(home.ok("log", str(job_id))) == f"{folder / 'work'}\n"
    assert (folder / "task.json").exists()
    assert home.job("feat/x y:z")["id"] == job_id
    assert home.ok("log", "feat/x y:z") == home.ok("log", str(job_id))


def test_run_wait_streams_output_and_exits_zero_when_done(home: AioHome) -> None:
    task = home.task({"name": "ok", "steps": [{"cmd": "echo one"}, {"cmd": "echo two"}]})
    result = home.aio("run", str(task), "--wait")
    assert result.returncode == 0, result.stderr
    assert unpty(result.stdout) == "one\ntwo\n"
    assert "[aio] job 1 done" in result.stderr


def test_run_wait_exits_with_the_failing_steps_code_and_later_steps_are_skipped(
    home: AioHome,
) -> None:
    task = home.task(
        {
            "name": "fails",
            "steps": [
                {"desc": "good", "cmd": "echo good"},
                {"desc": "bad", "cmd": "echo bad; exit 7"},
                {"desc": "never", "cmd": "echo never-printed"},
            ],
        }
    )
    result = home.aio("run", str(task), "--wait")
    assert result.returncode == 7, result.stderr
    assert unpty(result.stdout) == "good\nbad\n"
    job = home.job(1)
    assert job["status"] == "failed"
    assert job["exit_code"] == 7
    assert [s["status"] for s in job["steps"]] == ["done", "failed", "skipped"]
    assert [s["exit_code"] for s in job["steps"]] == [0, 7, None]
    assert "never-printed" not in home.ok("log", "1")


def test_caller_cwd_is_passed_to_the_job(home: AioHome) -> None:
    task = home.task({"name": "cwd", "steps": [{"cmd": 'echo "caller=$AIO_CALLER_CWD"; pwd'}]})
    caller = home.root / "caller"
    caller.mkdir()
    result = home.aio("run", str(task), "--wait", cwd=caller)
    assert result.returncode == 0, result.stderr
    lines = unpty(result.stdout).splitlines()
    assert lines[0] == f"caller={caller}"
    assert lines[1] == str(home.path / "jobs" / "1-cwd" / "work")


def test_ls_table_and_json(home: AioHome) -> None:
    home.submit({"name": "lister", "steps": [{"cmd": "true"}, {"cmd": "exit 4"}]})
    home.wait_status(1, "failed")
    table = home.ok("ls").splitlines()
    assert table[0].split() == ["#", "NAME", "STATUS", "STEP", "EXIT", "DURATION"]
    row = table[1].split()
    assert row[:5] == ["1", "lister", "failed", "2/2", "4"]
    assert row[5].endswith("s")
    jobs = json.loads(home.ok("ls", "--json"))
    assert len(jobs) == 1
    job = jobs[0]
    assert (job["id"], job["name"], job["status"], job["exit_code"]) == (1, "lister", "failed", 4)
    assert job["current_step"] == 1
    assert [s["status"] for s in job["steps"]] == ["done", "failed"]
    assert job["finished_at"] >= job["started_at"]


def test_log_prints_the_complete_output_larger_than_the_ring(home: AioHome) -> None:
    # 300000 numbered lines are about 2 MB, four times the default 512 KiB ring.
    task = home.task({"name": "big", "steps": [{"cmd": "seq 1 300000"}]})
    expected = "".join(f"{i}\n" for i in range(1, 300001))
    waited = home.aio("run", str(task), "--wait", timeout=90)
    assert waited.returncode == 0, waited.stderr
    assert unpty(waited.stdout) == expected
    log = home.aio("log", "1", text=False)
    assert log.returncode == 0
    assert len(log.stdout) > 2 * 1024 * 1024
    assert unpty(log.stdout.decode()) == expected
    assert unpty(home.ok("log", "big")) == expected


def test_log_follow_prints_until_the_job_ends(home: AioHome) -> None:
    job_id = home.submit(
        {"name": "follow", "steps": [{"cmd": "echo first; read x; echo second $x"}]}
    )
    home.wait_log(job_id, "first")
    follower = subprocess.Popen(
        [*aio_command(), "log", "-f", str(job_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=home.env,
    )
    try:
        home.feed(job_id, "now\n")
        out, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
        follower.wait()
    assert follower.returncode == 0, err
    assert unpty(out) == "first\nnow\nsecond now\n"


def test_kill_marks_the_job_killed(home: AioHome) -> None:
    job_id = home.submit({"name": "sleeper", "steps": [{"cmd": "echo $$ > pid; sleep 60"}]})
    home.wait_step_running(job_id, 0)
    workdir = Path(home.job(job_id)["workdir"])
    pid = int(wait_for(lambda: (workdir / "pid").exists() and (workdir / "pid").read_text()))
    assert home.ok("kill", str(job_id)).strip() == f"kill: job {job_id}"
    job = home.wait_status(job_id, "killed")
    assert job["steps"][0]["status"] == "failed"
    assert job["exit_code"] is not None
    wait_for(lambda: not pid_alive(pid), 30, "the killed job's process to end")
    again = home.aio("kill", str(job_id))
    assert again.returncode == 2
    assert f"job {job_id} is already killed" in again.stderr


def test_kill_ends_steps_that_ignore_sigterm_and_sighup(home: AioHome) -> None:
    job_id = home.submit(
        {
            "name": "stubborn",
            "steps": [{"cmd": "trap '' TERM HUP; sleep 60 & echo $! > pid; echo $$ >> pid; wait"}],
        }
    )
    home.wait_step_running(job_id, 0)
    pid_file = Path(home.job(job_id)["workdir"]) / "pid"
    pids = wait_for(
        lambda: (
            pid_file.exists()
            and len(pid_file.read_text().split()) == 2
            and pid_file.read_text().split()
        )
    )
    home.ok("kill", str(job_id))
    assert home.wait_status(job_id, "killed")["exit_code"] is not None
    for pid in map(int, pids):
        wait_for(lambda pid=pid: not pid_alive(pid), 30, f"process {pid} of the killed job to end")


def test_kill_cancels_a_queued_job(home: AioHome) -> None:
    home.write_config("workers = 1\n")
    blocker = home.submit({"name": "blocker", "steps": [{"cmd": "read x"}]})
    queued = home.submit({"name": "waiting", "steps": [{"cmd": "echo ran"}]})
    home.wait_step_running(blocker, 0)
    assert home.job(queued)["status"] == "queued"
    home.ok("kill", "waiting")
    job = home.wait_status(queued, "killed")
    assert [s["status"] for s in job["steps"]] == ["skipped"]
    home.ok("kill", str(blocker))
    home.wait_status(blocker, "killed")
    assert home.job(queued)["status"] == "killed"
    assert home.job(queued)["started_at"] is None


def test_rm_removes_the_record_and_the_folder(home: AioHome) -> None:
    job_id = home.submit({"name": "gone", "steps": [{"cmd": "echo x > file"}]})
    folder = Path(home.wait_status(job_id, "done")["folder"])
    assert (folder / "work" / "file").exists()
    assert home.ok("rm", "gone").strip() == f"rm: job {job_id}"
    assert not folder.exists()
    assert home.jobs() == []
    result = home.aio("log", str(job_id))
    assert result.returncode == 2
    assert f"no job {job_id}" in result.stderr


def test_rm_refuses_a_running_job(home: AioHome) -> None:
    job_id = home.submit({"name": "busy", "steps": [{"cmd": "read x"}]})
    folder = Path(home.wait_step_running(job_id, 0)["folder"])
    result = home.aio("rm", str(job_id))
    assert result.returncode == 2
    assert f"job {job_id} is running; kill it first" in result.stderr
    assert folder.exists()
    home.ok("kill", str(job_id))
    home.wait_status(job_id, "killed")
    home.ok("rm", str(job_id))
    assert not folder.exists()


def test_names_are_accepted_where_numbers_are(home: AioHome) -> None:
    home.submit({"name": "same", "steps": [{"cmd": "echo old"}]})
    home.wait_status(1, "done")
    home.submit({"name": "same", "steps": [{"cmd": "echo new; read x"}]})
    home.submit({"name": "same", "steps": [{"cmd": "echo newest"}]})
    home.wait_status(3, "done")
    home.wait_step_running(2, 0)
    # The running job of a name wins over newer finished ones.
    assert home.job("same")["id"] == 2
    assert home.ok("kill", "same").strip() == "kill: job 2"
    home.wait_status(2, "killed")
    # With none running, the newest one of the name.
    assert unpty(home.ok("log", "same")) == "newest\n"
    assert home.ok("rm", "same").strip() == "rm: job 3"
    assert home.ok("rm", "same").strip() == "rm: job 2"
    assert [j["id"] for j in home.jobs()] == [1]


def test_step_status_is_live(home: AioHome) -> None:
    job_id = home.submit(
        {
            "name": "live",
            "steps": [
                {"desc": "first", "cmd": "echo step one"},
                {"desc": "wait", "cmd": "read line; echo got $line"},
                {"desc": "last", "cmd": "echo step three"},
            ],
        }
    )
    job = home.wait_step_running(job_id, 1)
    first, second, third = job["steps"]
    assert first["status"] == "done"
    assert first["exit_code"] == 0
    assert first["finished_at"] >= first["started_at"] > 0
    assert second["started_at"] >= first["finished_at"]
    assert (second["exit_code"], second["finished_at"]) == (None, None)
    assert third["status"] == "pending"
    row = home.ok("ls").splitlines()[1].split()
    assert row[:5] == ["1", "live", "running", "2/3", "-"]
    home.feed(job_id, "go\n")
    job = home.wait_status(job_id, "done")
    assert [s["status"] for s in job["steps"]] == ["done", "done", "done"]
    assert "got go" in home.ok("log", str(job_id))
    assert home.ok("ls").splitlines()[1].split()[:5] == ["1", "live", "done", "3/3", "0"]


def test_workers_limit_queues_jobs_in_order(home: AioHome) -> None:
    home.write_config("workers = 1\n")
    first = home.submit({"name": "first", "steps": [{"cmd": "read x; echo first $x"}]})
    second = home.submit({"name": "second", "steps": [{"cmd": "echo second ran"}]})
    third = home.submit({"name": "third", "steps": [{"cmd": "echo third ran"}]})
    home.wait_step_running(first, 0)
    assert home.job(second)["status"] == "queued"
    assert home.job(third)["status"] == "queued"
    assert home.ok("ls").splitlines()[2].split()[:5] == ["2", "second", "queued", "0/1", "-"]
    home.feed(first, "go\n")
    done = [home.wait_status(n, "done") for n in (first, second, third)]
    assert done[1]["started_at"] >= done[0]["finished_at"]
    assert done[2]["started_at"] >= done[1]["finished_at"]


@pytest.mark.parametrize("where", ["step", "task"])
def test_timeout_stops_the_job_with_status_timeout(home: AioHome, where: str) -> None:
    step = {"desc": "slow", "cmd": "echo started; sleep 60"}
    task: dict = {"name": f"{where}-timeout", "steps": [{"cmd": "echo quick"}, step]}
    if where == "step":
        step["timeout"] = 1
    else:
        task["timeout"] = 1.5
    task["steps"].append({"cmd": "echo never"})
    path = home.task(task)
    result = home.aio("run", str(path), "--wait", timeout=30)
    job = home.job(1)
    assert job["status"] == "timeout"
    assert job["exit_code"] == 128 + 15  # SIGTERM
    assert result.returncode == job["exit_code"]
    assert "[aio] job 1 timeout (exit 143)" in result.stderr
    assert [s["status"] for s in job["steps"]] == ["done", "failed", "skipped"]
    log = home.ok("log", "1")
    assert "started" in log
    assert "[aio] timed out" in log
    assert job["finished_at"] - job["started_at"] < 20


def test_job_folders_are_kept_newest_first_but_never_a_running_one(home: AioHome) -> None:
    home.write_config("keep_jobs = 2\n")
    running = home.submit({"name": "long", "steps": [{"cmd": "read x"}]})
    home.wait_step_running(running, 0)
    for i in range(4):
        task = home.task({"name": f"quick{i}", "steps": [{"cmd": f"echo {i}"}]})
        home.ok("run", str(task), "--wait")
    jobs_dir = home.path / "jobs"

    def folders() -> list[str]:
        return sorted(p.name for p in jobs_dir.iterdir())

    # Newest two are 5 and 4; the running job 1 keeps its folder although it is older.
    wait_for(lambda: folders() == ["1-long", "4-quick2", "5-quick3"], what="pruned folders")
    assert home.job(2)["folder_removed"] is True
    assert home.job(1)["folder_removed"] is False
    result = home.aio("log", "2")
    assert result.returncode == 2
    assert "its folder and log were removed" in result.stderr
    home.ok("kill", str(running))
    home.wait_status(running, "killed")
    wait_for(lambda: folders() == ["4-quick2", "5-quick3"], what="job 1's folder pruned")
    assert len(home.jobs()) == 5  # records stay; only folders go


def test_stop_kills_running_jobs_and_records_them_as_killed(home: AioHome) -> None:
    home.write_config("workers = 1\n")
    running = home.submit({"name": "victim", "steps": [{"cmd": "echo $$ > pid; read x"}]})
    queued = home.submit({"name": "later", "steps": [{"cmd": "echo later"}]})
    home.wait_step_running(running, 0)
    pid_file = Path(home.job(running)["workdir"]) / "pid"
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text().strip()))
    core_pid = home.core_pid()
    assert core_pid
    assert home.ok("stop", "--force").strip() == "aio: core stopped"
    assert not pid_alive(core_pid)
    wait_for(lambda: not pid_alive(pid), 30, "the job's process to end with the core")
    assert not (home.path / "core.sock").exists()
    assert "no core is running" in home.ok("stop")
    # The next verb starts a new core, which finds the record and runs the queued job.
    home.start()
    assert home.job(running)["status"] == "killed"
    assert home.wait_status(queued, "done")["exit_code"] == 0


def test_a_smaller_keep_jobs_prunes_when_the_core_starts(home: AioHome) -> None:
    for i in range(3):
        home.wait_status(home.submit({"name": f"p{i}", "steps": [{"cmd": "true"}]}), "done")
    jobs_dir = home.path / "jobs"
    assert len(list(jobs_dir.iterdir())) == 3
    home.ok("stop")
    home.write_config("keep_jobs = 1\n")
    home.start()
    wait_for(lambda: [p.name for p in jobs_dir.iterdir()] == ["3-p2"], what="folders pruned")
    assert [j["folder_removed"] for j in home.jobs()] == [True, True, False]


def test_run_and_ls_import_no_textual_aiohttp_or_aiosqlite(core: AioHome) -> None:
    path = core.task({"name": "quick", "steps": [{"cmd": "true"}]})
    for args in (("run", str(path), "--var", "x=1"), ("run", str(path)), ("ls",)):
        result = run_reporting_heavy_imports(core.env, *args)
        assert "heavy: []" in result.stderr, (args, result.stderr)


def test_aio_cli_of_a_tool_imports_no_argparse_sockets_or_client(home: AioHome) -> None:
    slow = ("argparse", "socket", "subprocess", "aio.client.core_client", *HEAVY)
    result = run_reporting_heavy_imports(home.env, "cli", "no-such-tool", packages=slow)
    assert "heavy: []" in result.stderr, result.stderr
    assert "no-such-tool" in result.stderr
