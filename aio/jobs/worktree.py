"""Git worktrees for tasks with a `repo`: checked when a job is submitted, made when it starts.

A job's worktree is detached at the task's branch (or HEAD), so a branch checked out elsewhere can
still be used, and it is removed and pruned with the job's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from aio.jobs.tasks import TaskError


def resolve_repo_path(repo: str, task_source: str | None) -> Path:
    """An absolute repo path: `~` expanded, relative paths taken from the task file's folder."""
    path = Path(repo).expanduser()
    if not path.is_absolute() and task_source and Path(task_source).is_absolute():
        path = Path(task_source).parent / path
    return Path(os.path.normpath(path.absolute()))


def check_repo(repo: Path, branch: str | None, source: str | None) -> str:
    """Check that `repo` is a git repository with `branch`; return the commit it points at."""
    import git

    where = source or "task"
    try:
        repository = git.Repo(repo)
    except git.NoSuchPathError:
        raise TaskError(f"{where}: field 'repo': {repo} does not exist") from None
    except git.InvalidGitRepositoryError:
        raise TaskError(f"{where}: field 'repo': {repo} is not a git repository") from None
    with repository:
        ref = branch or "HEAD"
        try:
            return repository.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except git.GitCommandError:
            if branch is None:
                raise TaskError(f"{where}: field 'repo': {repo} has no commits yet") from None
            raise TaskError(
                f"{where}: field 'branch': '{branch}' does not exist in {repo}"
            ) from None


def add_worktree(repo: Path, commit: str, target: Path) -> None:
    """Create a detached worktree of `repo` at `commit` in `target`."""
    import git

    if target.exists():
        # Left by a start the core did not finish (stopped mid-way): start afresh.
        remove_worktree(repo, target)
    with git.Repo(repo) as repository:
        repository.git.worktree("add", "--detach", str(target), commit)


def remove_worktree(repo: Path, target: Path) -> None:
    """Remove a worktree and prune the repo's records of it; a vanished repo is fine."""
    import git

    try:
        with git.Repo(repo) as repository:
            with contextlib.suppress(git.GitCommandError):
                repository.git.worktree("remove", "--force", str(target))
            with contextlib.suppress(git.GitCommandError):
                repository.git.worktree("prune")
    except (git.NoSuchPathError, git.InvalidGitRepositoryError):
        pass
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
