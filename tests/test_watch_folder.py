"""The watch folder: task files dropped into $AIO_HOME/tasks run once per content, ones with
variables are listed for the menu, malformed ones are reported and nothing else stops.

Files are written atomically (a dot-named temp file, then rename) so the watcher never reads a
half-written file. To prove that an event did *not* queue a job, a sentinel file named to sort
last is dropped after it: the watcher handles events in order, so once the sentinel's job
exists, the earlier event has been handled.
"""

from __future__ import annotations

import json
from pathlib import Path

from core_harness import AioHome, atomic_write, wait_for


def task_text(name: str, cmd: str = "true", **fields) -> str:
    return json.dumps({"name": name, "steps": [{"cmd": cmd}], **fields})


def jobs_from(home: AioHome, path: Path) -> list[dict]:
    return [j for j in home.jobs() if j["source"] == str(path)]


def drop_sentinel(home: AioHome, tag: str) -> dict:
    """Drop a runnable file that sorts after the others; return its job once it is queued."""
    path = home.path / "tasks" / f"zz-sentinel-{tag}.json"
    atomic_write(path, task_text(f"sentinel-{tag}"))
    jobs = wait_for(lambda: jobs_from(home, path), 15, f"the sentinel {tag} to be queued")
    return jobs[0]


def test_a_file_without_variables_runs_once_per_content(core: AioHome) -> None:
    tasks = core.path / "tasks"
    path = tasks / "build.json"
    atomic_write(path, task_text("watched", "echo first version"))
    jobs = wait_for(lambda: jobs_from(core, path), 30, "the dropped file to be queued")
    assert len(jobs) == 1
    assert core.wait_status(jobs[0]["id"], "done")["name"] == "watched"
    assert "first version" in core.ok("log", str(jobs[0]["id"]))

    atomic_write(path, task_text("watched", "echo first version"))  # same content again
    drop_sentinel(core, "a")
    assert len(jobs_from(core, path)) == 1

    atomic_write(path, task_text("watched", "echo second version"))
    jobs = wait_for(lambda: len(jobs_from(core, path)) == 2 and jobs_from(core, path), 30)
    core.wait_status(jobs[1]["id"], "done")
    assert "second version" in core.ok("log", str(jobs[1]["id"]))

    # A restart reads the folder again but remembers what it queued.
    core.ok("stop")
    core.start()
    assert len(jobs_from(core, path)) == 2
    drop_sentinel(core, "b")
    assert len(jobs_from(core, path)) == 2


def test_files_present_before_the_core_starts_are_queued(home: AioHome) -> None:
    tasks = home.path / "tasks"
    tasks.mkdir(parents=True)
    atomic_write(tasks / "early.json", task_text("early", "echo early"))
    home.start()
    # The core reads the folder before it listens, so the job exists as soon as it answers.
    jobs = jobs_from(home, tasks / "early.json")
    assert [j["name"] for j in jobs] == ["early"]
    home.wait_status(jobs[0]["id"], "done")


def test_a_file_with_variables_is_listed_not_run(core: AioHome) -> None:
    path = core.path / "tasks" / "deploy.json"
    atomic_write(
        path,
        task_text("deploy-{{target}}", "echo {{target}} {{level}}", variables={"level": "3"}),
    )

    def listed() -> dict | None:
        found = [t for t in core.request("GET", "/tasks")["tasks"] if t["path"] == str(path)]
        return found[0] if found else None

    task = wait_for(listed, 30, "the task with variables to be listed")
    assert task["name"] == "deploy-{{target}}"
    assert task["origin"] == "watch"
    assert task["variables"] == {"level": "3", "target": None}
    assert task["steps"] == [
        {"desc": "echo {{target}} {{level}}", "cmd": "echo {{target}} {{level}}"}
    ]
    drop_sentinel(core, "v")
    assert jobs_from(core, path) == []
    # Listed tasks can be run with values by the dashboard's menu (the same API).
    answer = core.request("POST", "/jobs", {"path": str(path), "vars": {"target": "prod"}})
    job = core.wait_status(answer["job"]["id"], "done")
    assert job["name"] == "deploy-prod"
    assert "prod 3" in core.ok("log", str(job["id"]))


def test_a_malformed_file_is_reported_and_the_core_keeps_working(core: AioHome) -> None:
    tasks = core.path / "tasks"
    bad_json = tasks / "broken.json"
    no_steps = tasks / "nosteps.json"
    atomic_write(bad_json, '{"name": "broken", "steps": [')
    atomic_write(no_steps, json.dumps({"name": "no steps"}))

    def errors() -> dict | None:
        found = core.request("GET", "/tasks")["errors"]
        return found if str(bad_json) in found and str(no_steps) in found else None

    found = wait_for(errors, 30, "both files to be reported")
    assert found[str(bad_json)].startswith("bad JSON at line 1")
    assert "missing field 'steps'" in found[str(no_steps)]
    log = (core.path / "core.log").read_text()
    assert f"task file {bad_json}: bad JSON" in log
    assert core.jobs() == []

    sentinel = drop_sentinel(core, "ok")
    core.wait_status(sentinel["id"], "done")
    assert core.ok("ls").count("\n") == 2

    atomic_write(no_steps, task_text("fixed", "echo fixed"))
    wait_for(lambda: jobs_from(core, no_steps), 30, "the fixed file to be queued")
    assert str(no_steps) not in core.request("GET", "/tasks")["errors"]
    bad_json.unlink()
    wait_for(
        lambda: core.request("GET", "/tasks")["errors"] == {}, 30, "a deleted file's error to go"
    )


def test_a_deleted_file_with_variables_is_no_longer_listed(core: AioHome) -> None:
    path = core.path / "tasks" / "menu.json"
    atomic_write(path, task_text("menu", "echo {{x}}"))

    def listed() -> bool:
        return any(t["path"] == str(path) for t in core.request("GET", "/tasks")["tasks"])

    wait_for(listed, 30, "the file to be listed")
    path.unlink()
    wait_for(lambda: not listed(), 30, "the deleted file to be unlisted")
    answer = core.request("GET", "/tasks")
    assert str(path) not in answer["errors"]
    assert [t["name"] for t in answer["tasks"] if t["origin"] == "watch"] == []


def test_dot_files_and_other_suffixes_are_ignored(home: AioHome) -> None:
    tasks = home.path / "tasks"
    tasks.mkdir(parents=True)
    # Hidden files (such as an editor's or atomic_write's temp file) are ignored when the core
    # starts as well as when they change.
    (tasks / ".early.json").write_text(task_text("hidden-early"))
    home.start()
    atomic_write(tasks / "notes.txt", task_text("txt"))
    (tasks / ".hidden.json").write_text(task_text("hidden"))
    drop_sentinel(home, "i")
    assert [j["name"] for j in home.jobs()] == ["sentinel-i"]


def test_extra_watch_folders_from_the_config(home: AioHome) -> None:
    extra = home.root / "more-tasks"
    extra.mkdir()
    home.write_config(f'watch_folders = ["{extra}"]\n')
    home.start()
    path = extra / "extra.json"
    atomic_write(path, task_text("from-extra", "echo extra"))
    jobs = wait_for(lambda: jobs_from(home, path), 30, "the file in the extra folder to queue")
    assert home.wait_status(jobs[0]["id"], "done")["name"] == "from-extra"
