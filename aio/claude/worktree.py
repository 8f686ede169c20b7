"""Git worktrees for Claude sessions started with `--worktree`.

Each such session gets a new worktree of the repository at `$AIO_HOME/claude/N/worktree`, on a
new branch `aio/<slug>` made from a base branch (by default the branch the repository has
checked out). Removing the session removes the worktree (`aio.jobs.worktree.remove_worktree`);
the branch is always kept, so no work is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aio.core.errors import RequestError
from aio.jobs.worktree import remove_worktree

BRANCH_PREFIX = "aio/"
SLUG_CHARS = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class WorktreeError(RequestError):
    """A worktree that cannot be made from what the client gave (400)."""


@dataclass(frozen=True, slots=True)
class RepoBase:
    """A repository checked for a new worktree: its top folder and the base to branch from."""

    repo: Path
    base: str  # a branch name, or a commit when the repository's HEAD is detached
    commit: str


def slug_of(prompt: str | None, fallback: str) -> str:
    """A branch-name slug: the first words of the prompt, else `fallback` (a short id)."""
    words = _NOT_SLUG.sub("-", (prompt or "").lower()).strip("-")
    slug = words[:SLUG_CHARS].rstrip("-")
    return slug or fallback


def check_repo_base(folder: str, base: str | None) -> RepoBase:
    """The repository holding `folder` and the commit of `base` (default: its current branch);
    a WorktreeError names what is wrong."""
    import git

    try:
        repository = git.Repo(folder, search_parent_directories=True)
    except (git.NoSuchPathError, git.InvalidGitRepositoryError):
        raise WorktreeError(f"field 'cwd': {folder} is not in a git repository") from None
    with repository:
        if repository.bare:
            raise WorktreeError(f"field 'cwd': {folder} is a bare git repository")
        top = Path(repository.working_tree_dir)
        if base is None:
            try:
                base = repository.git.symbolic_ref("--quiet", "--short", "HEAD")
            except git.GitCommandError:
                base = "HEAD"  # detached: branch from the commit it is at
        try:
            commit = repository.git.rev_parse("--verify", "--quiet", f"{base}^{{commit}}")
        except git.GitCommandError:
            if base == "HEAD" or _is_unborn(repository, base):
                raise WorktreeError(f"field 'cwd': {top} has no commits yet") from None
            raise WorktreeError(f"field 'base': no branch '{base}' in {top}") from None
    return RepoBase(top, base, commit)


def _is_unborn(repository, base: str) -> bool:
    import git

    try:
        repository.git.rev_parse("--verify", "--quiet", "HEAD")
    except git.GitCommandError:
        return True
    return False


def add_session_worktree(checked: RepoBase, slug: str, target: Path) -> str:
    """Make a worktree of the checked repository at `target` on a new branch `aio/<slug>`
    (a number appended while that name is taken); return the branch. On failure nothing is
    left: no worktree, no branch."""
    import git

    with git.Repo(checked.repo) as repository:
        taken = {head.name for head in repository.heads}
        branch, n = f"{BRANCH_PREFIX}{slug}", 2
        while branch in taken:
            branch, n = f"{BRANCH_PREFIX}{slug}-{n}", n + 1
        try:
            repository.git.check_ref_format("--branch", branch)
        except git.GitCommandError:
            raise WorktreeError(f"'{branch}' is not a valid branch name") from None
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            repository.git.worktree("add", "-b", branch, str(target), checked.commit)
        except git.GitCommandError as exc:
            remove_session_worktree(checked.repo, target)
            if branch in {head.name for head in repository.heads}:
                repository.git.branch("-D", branch)
            raise WorktreeError(f"git worktree add failed: {_said(exc)}") from None
    return branch


def remove_session_worktree(repo: Path, target: Path) -> None:
    """Remove a session's worktree (with its uncommitted changes) and prune its record."""
    remove_worktree(repo, target)


def is_dirty(worktree: str) -> bool | None:
    """Whether the worktree has uncommitted changes (untracked files count); None when it is
    gone or unreadable."""
    import git

    try:
        with git.Repo(worktree) as repository:
            return repository.is_dirty(untracked_files=True)
    except (git.NoSuchPathError, git.InvalidGitRepositoryError, git.GitCommandError, OSError):
        return None


def _said(exc) -> str:
    text = (getattr(exc, "stderr", "") or str(exc)).strip()
    return " ".join(text.split())[:200]


DIFF_LIMIT = 8 * 1024 * 1024  # bytes of `git diff` a diff view gets; the rest is cut, and said


def session_diff(folder: str) -> str:
    """What changed in `folder`'s git checkout: `git status --short`, then `git diff HEAD`
    (coloured, for a log view), cut at DIFF_LIMIT; a WorktreeError when it is not in git."""
    import subprocess

    def git(*args: str) -> bytes:
        done = subprocess.run(
            ["git", "-C", folder, *args], capture_output=True, timeout=60, check=False
        )
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise WorktreeError(f"{folder}: git {args[0]} failed: {said[-1] if said else ''}", 409)
        return done.stdout

    try:
        status = git("status", "--short", "--branch")
        diff = git("-c", "color.diff=always", "diff", "HEAD")
    except FileNotFoundError:
        raise WorktreeError("git is not installed", 409) from None
    except subprocess.TimeoutExpired:
        raise WorktreeError(f"{folder}: git took longer than 60 s", 409) from None
    text = status.decode("utf-8", "replace") + "\n"
    if not diff:
        return text + "(no uncommitted changes to tracked files)\n"
    cut = len(diff) > DIFF_LIMIT
    text += diff[:DIFF_LIMIT].decode("utf-8", "replace")
    if cut:
        text += f"\n[aio] the diff is {len(diff)} bytes; the first {DIFF_LIMIT} are shown\n"
    return text
