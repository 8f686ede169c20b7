"""Tasks with a `repo`: each job runs in its own detached git worktree inside its folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_harness import AioHome, git, make_repo


def unpty(text: str) -> str:
    return text.replace("\r\n", "\n")


@pytest.fixture
def repo(home: AioHome) -> tuple[Path, dict[str, str]]:
    """A real repository with `main` (checked out) and `feature`."""
    path = home.root / "repo"
    return path, make_repo(path)


def worktrees(repo: Path) -> list[str]:
    """The paths `git worktree list` shows."""
    return [line.split()[0] for line in git(repo, "worktree", "list").splitlines()]


def test_job_runs_in_a_worktree_at_the_branch(home: AioHome, repo) -> None:
    path, commits = repo
    task = home.task(
        {
            "name": "wt",
            "repo": str(path),
            "branch": "{{branch}}",
            "variables": {"branch": "main"},
            "steps": [{"cmd": "git rev-parse HEAD; pwd; cat readme.txt; git status --short"}],
        }
    )
    result = home.aio("run", str(task), "--var", "branch=feature", "--wait")
    assert result.returncode == 0, result.stderr
    head, cwd, content, *status = unpty(result.stdout).splitlines()
    job = home.job(1)
    worktree = Path(job["folder"]) / "worktree"
    assert head == commits["feature"]
    assert Path(cwd) == worktree
    assert content == "feature"
    assert status == []
    assert job["branch"] == "feature"
    assert job["repo"] == str(path)
    assert str(worktree) in worktrees(path)
    assert git(path, "rev-parse", "--abbrev-ref", "HEAD") == "main"  # the main repo untouched


def test_branch_checked_out_in_the_main_repo_still_works(home: AioHome, repo) -> None:
    path, commits = repo
    task = home.task(
        {
            "name": "on-main",
            "repo": str(path),
            "branch": "main",
            "steps": [{"cmd": "git rev-parse HEAD"}],
        }
    )
    result = home.aio("run", str(task), "--wait")
    assert result.returncode == 0, result.stderr
    assert unpty(result.stdout).strip() == commits["main"]
    worktree = Path(home.job(1)["folder"]) / "worktree"
    assert git(worktree, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # detached


def test_default_branch_is_head_and_relative_repo_is_taken_from_the_task_folder(
    home: AioHome, repo
) -> None:
    path, commits = repo
    git(path, "checkout", "-q", "feature")
    task = home.task(
        {"name": "rel", "repo": "../repo", "steps": [{"cmd": "git rev-parse HEAD"}]},
        folder=home.src,
    )
    result = home.aio("run", str(task), "--wait", cwd=home.root)
    assert result.returncode == 0, result.stderr
    assert unpty(result.stdout).strip() == commits["feature"]
    assert Path(home.job(1)["repo"]).resolve() == path.resolve()


def test_rm_removes_the_worktree(home: AioHome, repo) -> None:
    path, _ = repo
    task = home.task({"name": "tidy", "repo": str(path), "steps": [{"cmd": "touch made-here"}]})
    home.ok("run", str(task), "--wait")
    folder = Path(home.job(1)["folder"])
    worktree = folder / "worktree"
    assert (worktree / "made-here").exists()
    assert str(worktree) in worktrees(path)
    assert home.ok("rm", "tidy").strip() == "rm: job 1"
    assert not folder.exists()
    assert worktrees(path) == [str(path)]
    assert not (path / ".git" / "worktrees").exists() or not any(
        (path / ".git" / "worktrees").iterdir()
    )


def test_two_jobs_of_one_repo_get_separate_worktrees(home: AioHome, repo) -> None:
    path, commits = repo
    for branch in ("main", "feature"):
        task = home.task(
            {
                "name": branch,
                "repo": str(path),
                "branch": branch,
                "steps": [{"cmd": "git rev-parse HEAD"}],
            },
            name=f"{branch}.json",
        )
        home.ok("run", str(task), "--wait")
    first, second = home.jobs()
    assert first["workdir"] != second["workdir"]
    assert len(worktrees(path)) == 3
    assert unpty(home.ok("log", "main")).strip() == commits["main"]
    assert unpty(home.ok("log", "feature")).strip() == commits["feature"]


def test_branch_may_be_a_commit(home: AioHome, repo) -> None:
    path, commits = repo
    task = home.task(
        {
            "name": "sha",
            "repo": str(path),
            "branch": commits["main"][:12],
            "steps": [{"cmd": "git rev-parse HEAD"}],
        }
    )
    result = home.aio("run", str(task), "--wait")
    assert result.returncode == 0, result.stderr
    assert unpty(result.stdout).strip() == commits["main"]
