"""Unit tests of the SQLite store (a real temporary database) and of the step runner script
(run with a real bash, reporting on a real pipe)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest

from aio.core.store import Store, migrations
from aio.jobs.model import Job, JobStatus, Step, StepStatus
from aio.jobs.runner import write_runner
from aio.jobs.tasks import StepSpec

# Store


def sample_job(name: str = "build") -> Job:
    return Job(
        id=0,
        name=name,
        status=JobStatus.QUEUED,
        steps=[Step(desc="Say", cmd="echo hi"), Step(desc="Wait", cmd="sleep 1", timeout=5.0)],
        created_at=1000.5,
        folder="",
        source="/src/build.json",
        repo="/src/repo",
        branch="main",
        timeout=60.0,
        variables={"target": "prod"},
    )


@pytest.fixture
async def store(tmp_path: Path):
    db = Store(tmp_path / "aio.db")
    await db.open()
    yield db
    await db.close()


def test_migrations_are_numbered_in_order() -> None:
    found = migrations()
    assert found, "no packaged migrations"
    versions = [v for v, _ in found]
    assert versions == sorted(versions) == list(range(1, len(found) + 1))
    assert "CREATE TABLE jobs" in found[0][1]


async def test_open_applies_migrations_sets_version_wal_and_private_mode(
    store: Store, tmp_path: Path
) -> None:
    latest = migrations()[-1][0]
    assert await store.schema_version() == latest
    path = tmp_path / "aio.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == latest
        tables = {r[0] for r in other.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"jobs", "watched_files"} <= tables


async def test_job_round_trip(store: Store) -> None:
    job = sample_job()
    job.id = await store.insert_job(job)
    assert job.id == 1
    job.folder = "/h/jobs/1-build"
    job.status = JobStatus.FAILED
    job.started_at, job.finished_at, job.exit_code, job.current_step = 1001.0, 1002.25, 3, 1
    job.steps[0].status = StepStatus.DONE
    job.steps[0].exit_code = 0
    job.steps[1].status = StepStatus.FAILED
    job.error = "boom"
    job.workdir = "/h/jobs/1-build/worktree"
    await store.update_job(job)
    second = sample_job("other")
    second.id = await store.insert_job(second)
    loaded = await store.load_jobs()
    assert [j.id for j in loaded] == [1, 2]
    assert loaded[0] == job
    assert loaded[1].name == "other"
    assert loaded[1].status == JobStatus.QUEUED
    await store.delete_job(1)
    assert [j.id for j in await store.load_jobs()] == [2]


async def test_ids_are_never_reused(store: Store) -> None:
    first = await store.insert_job(sample_job())
    await store.delete_job(first)
    assert await store.insert_job(sample_job()) == first + 1


async def test_watched_files_are_remembered(store: Store) -> None:
    assert await store.watched_sha("/t/a.json") is None
    await store.record_watched("/t/a.json", "abc", 1.0)
    await store.record_watched("/t/a.json", "def", 2.0)
    assert await store.watched_sha("/t/a.json") == "def"


async def test_reopen_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "aio.db"
    first = Store(path)
    await first.open()
    job_id = await first.insert_job(sample_job())
    await first.close()
    again = Store(path)
    await again.open()
    try:
        assert await again.schema_version() == migrations()[-1][0]
        assert [j.id for j in await again.load_jobs()] == [job_id]
    finally:
        await again.close()


# Runner


def run_runner(folder: Path, steps: list[StepSpec]) -> tuple[int, list[list[str]], str]:
    """Write and run the runner; returns (exit code, status lines, output).

    The status pipe's fd number is also in STATUS_FD, which the runner does not unset, so a
    step can check that it cannot write to the pipe.
    """
    argv = write_runner(folder, steps)
    read_end, write_end = os.pipe()
    env = {**os.environ, "AIO_STATUS_FD": str(write_end), "STATUS_FD": str(write_end)}
    try:
        proc = subprocess.run(
            argv,
            cwd=folder,
            env=env,
            pass_fds=(write_end,),
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "r") as status:
        lines = [line.split() for line in status.read().splitlines()]
    return proc.returncode, lines, proc.stdout


def test_runner_reports_each_step_on_the_status_pipe(tmp_path: Path) -> None:
    before = time.time()
    code, lines, output = run_runner(
        tmp_path, [StepSpec("one", "echo one"), StepSpec("two", "echo two\nfalse\ntrue")]
    )
    assert code == 0
    assert output == "one\ntwo\n"
    assert [line[:2] for line in lines] == [["S", "0"], ["E", "0"], ["S", "1"], ["E", "1"]]
    assert lines[1][2] == "0"
    assert lines[3][2] == "0"  # a step's code is its last command's, not the first failing one
    times = [float(lines[0][2]), float(lines[1][3]), float(lines[2][2]), float(lines[3][3])]
    assert times == sorted(times)
    assert before - 1 <= times[0] <= time.time() + 1


def test_runner_stops_at_the_first_failing_step(tmp_path: Path) -> None:
    code, lines, output = run_runner(
        tmp_path,
        [StepSpec("ok", "echo ok"), StepSpec("bad", "echo bad; exit 7"), StepSpec("no", "echo no")],
    )
    assert code == 7
    assert output == "ok\nbad\n"
    assert lines[-1][:3] == ["E", "1", "7"]
    assert ["S", "2"] not in [line[:2] for line in lines]


def test_steps_run_in_their_own_bash_without_the_status_fd(tmp_path: Path) -> None:
    code, lines, output = run_runner(
        tmp_path,
        [
            StepSpec("set", 'cd /; X=1; echo "${AIO_STATUS_FD:-unset}"'),
            StepSpec("fresh", 'pwd; echo "X=${X:-}"'),
            StepSpec("fd", 'if { true >&"$STATUS_FD"; } 2>/dev/null; then echo open; fi; echo ok'),
        ],
    )
    assert code == 0
    assert output.splitlines() == ["unset", str(tmp_path), "X=", "ok"]
    assert len(lines) == 6


def test_runner_files_are_private(tmp_path: Path) -> None:
    argv = write_runner(tmp_path, [StepSpec("a", "echo a")])
    assert argv[-1] == str(tmp_path / "runner.sh")
    for path in (tmp_path / "runner.sh", tmp_path / "steps" / "0.sh"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "steps").stat().st_mode) == 0o700
    assert (tmp_path / "steps" / "0.sh").read_text() == "echo a\n"
