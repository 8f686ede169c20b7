"""A worklet's clone: made with gitpython, pulled (fast-forward only), and turned into a branch
on its remote for a pull request. Blocking: the service calls these in a thread.

Git never prompts (no terminal, `GIT_TERMINAL_PROMPT=0`, ssh in batch mode), so a remote that
wants credentials fails at once with git's own words.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from aio.worklets.model import WorkletError

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"}
_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
FALLBACK_IDENTITY = {"name": "aio", "email": "aio@localhost"}


def is_url(repo: str) -> bool:
    """Whether `repo` names a remote (`scheme://...` or `user@host:path`), not a local path."""
    return bool(_URL.match(repo))


def said(exc: Exception) -> str:
    """What git said, on one short line."""
    text = (getattr(exc, "stderr", "") or str(exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if line.lower().startswith(("fatal", "error"))] or lines
    return " ".join(" ".join(useful).split()).replace("stderr: ", "")[:300]


def check_local(path: Path, branch: str | None) -> None:
    """A local REPO must be a git repository with `branch` (precise errors before cloning)."""
    import git

    try:
        repository = git.Repo(path)
    except git.NoSuchPathError:
        raise WorkletError(f"repo: {path} does not exist") from None
    except git.InvalidGitRepositoryError:
        raise WorkletError(f"repo: {path} is not a git repository") from None
    with repository:
        ref = f"refs/heads/{branch}" if branch else "HEAD"
        try:
            repository.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except git.GitCommandError:
            if branch is None:
                raise WorkletError(f"repo: {path} has no commits yet") from None
            raise WorkletError(f"--branch: no branch '{branch}' in {path}") from None


@dataclass(frozen=True, slots=True)
class Cloned:
    """A clone made: the branch checked out and its commit."""

    branch: str | None
    commit: str


def clone(repo: str, branch: str | None, target: Path) -> Cloned:
    """Clone `repo` (a URL or an absolute path) at `branch` into `target`; on failure nothing
    is left at `target`."""
    import git

    options = {"branch": branch} if branch else {}
    try:
        repository = git.Repo.clone_from(repo, target, env=GIT_ENV, **options)
    except git.GitCommandError as exc:
        shutil.rmtree(target, ignore_errors=True)
        text = said(exc)
        if branch and "not found" in text.lower():
            raise WorkletError(f"--branch: no branch '{branch}' in {repo}") from None
        raise WorkletError(f"repo: cannot clone {repo}: {text}") from None
    with repository:
        if not repository.head.is_valid():
            shutil.rmtree(target, ignore_errors=True)
            raise WorkletError(f"repo: {repo} has no commits yet")
        return Cloned(_branch_of(repository), repository.head.commit.hexsha)


def _branch_of(repository) -> str | None:
    return None if repository.head.is_detached else repository.active_branch.name


def head_commit(clone_dir: Path) -> str | None:
    """The commit the clone has checked out, or None when it cannot be read."""
    import git

    try:
        with git.Repo(clone_dir) as repository:
            return repository.head.commit.hexsha
    except (git.GitError, ValueError, OSError):
        return None


def pull(clone_dir: Path, branch: str | None) -> str:
    """Fetch the clone's remote and fast-forward to its `branch`; return the new commit."""
    import git

    with git.Repo(clone_dir) as repository:
        upstream = f"origin/{branch}" if branch else "FETCH_HEAD"
        try:
            with repository.git.custom_environment(**GIT_ENV):
                repository.git.fetch("origin", *([branch] if branch else []))
                repository.git.merge("--ff-only", upstream)
        except git.GitCommandError as exc:
            raise WorkletError(f"pull: {said(exc)}", 409) from None
        return repository.head.commit.hexsha


@dataclass(frozen=True, slots=True)
class Proposed:
    """The branch `propose` pushed, and what `gh pr create` said (None: gh not installed)."""

    branch: str
    pr: str | None
    pr_error: str | None


def propose(clone_dir: Path, name: str, title: str, base: str | None) -> Proposed:
    """Commit every change of the clone to a new branch `aio/wl-<name>-<stamp>`, push it to
    the clone's remote and, with `gh` installed, open a pull request. The clone stays on the
    new branch. A clean tree is an error, and so is a push that fails (the branch is then
    taken back: the changes are where they were, uncommitted)."""
    import git

    with git.Repo(clone_dir) as repository:
        if not repository.is_dirty(untracked_files=True):
            raise WorkletError(f"worklet '{name}': no changes to propose (the tree is clean)", 409)
        branch = f"aio/wl-{name}-{time.strftime('%Y%m%d-%H%M%S')}"
        previous = _branch_of(repository) or repository.head.commit.hexsha
        repository.git.checkout("-b", branch)
        try:
            repository.git.add("-A")
            with repository.git.custom_environment(**_identity(repository)):
                repository.git.commit("-q", "-m", title)
            with repository.git.custom_environment(**GIT_ENV):
                repository.git.push("-u", "origin", f"HEAD:refs/heads/{branch}")
        except git.GitCommandError as exc:
            _take_back(repository, previous, branch)
            raise WorkletError(f"pr: {said(exc)}", 409) from None
    pr, pr_error = _gh_pr(clone_dir, branch, title, base)
    return Proposed(branch, pr, pr_error)


def _identity(repository) -> dict[str, str]:
    """A committer for a clone whose user has none configured (git would refuse)."""
    reader = repository.config_reader()
    env: dict[str, str] = {}
    for key, value in FALLBACK_IDENTITY.items():
        if not reader.has_option("user", key) and not os.environ.get(f"GIT_AUTHOR_{key.upper()}"):
            env[f"GIT_AUTHOR_{key.upper()}"] = env[f"GIT_COMMITTER_{key.upper()}"] = value
    return env


def _take_back(repository, previous: str, branch: str) -> None:
    """Undo a proposal that failed: its commit undone (the changes kept in the tree), back on
    the branch it started from, the new branch deleted."""
    import git

    with contextlib.suppress(git.GitCommandError):
        repository.git.reset("-q", previous)
        repository.git.checkout("-q", previous)
        repository.git.branch("-D", branch)


def _gh_pr(clone_dir: Path, branch: str, title: str, base: str | None) -> tuple[str | None, ...]:
    gh = shutil.which("gh")
    if gh is None:
        return None, None
    argv = [gh, "pr", "create", "--head", branch, "--title", title, "--body", "Made by aio wl pr."]
    if base:
        argv += ["--base", base]
    try:
        result = subprocess.run(
            argv, cwd=clone_dir, capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL, env={**os.environ, **GIT_ENV},
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)
    if result.returncode != 0:
        return None, " ".join(result.stderr.split())[:300] or f"gh exited {result.returncode}"
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else None, None
