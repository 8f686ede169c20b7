"""`aio wl pr` commits a worklet's changes to a new branch and pushes it to the worklet's remote
(a bare repository made by the test); `pull` refuses what cannot fast-forward."""

from __future__ import annotations

import shutil
from pathlib import Path

from core_harness import AioHome, git
from worklet_harness import add, commit_all, get_json, make_python_app, worklet


def bare_remote(home: AioHome) -> tuple[str, Path]:
    """A bare repository holding the Python app's main branch; (its path, the work repo)."""
    work = make_python_app(home.src / "work")
    remote = home.src / "remote.git"
    git(home.src, "init", "-q", "--bare", "-b", "main", str(remote))
    git(work, "push", "-q", str(remote), "main")
    return str(remote), work


def test_pr_pushes_the_changes_on_a_new_branch_of_the_remote(core: AioHome) -> None:
    remote, _ = bare_remote(core)
    added = add(core, remote, "--name", "site")
    clone = f"{added['folder']}/repo"
    refused = core.aio("wl", "pr", "site")
    assert refused.returncode == 2
    assert "worklet 'site': no changes to propose (the tree is clean)" in refused.stderr
    with open(f"{clone}/greeting.txt", "w") as out:
        out.write("changed in the worklet\n")
    with open(f"{clone}/new.txt", "w") as out:
        out.write("a new file\n")
    out = core.ok("wl", "pr", "site", "--title", "Say something else")
    branch = out.splitlines()[0]
    assert branch.startswith("aio/wl-site-") and (len(out.splitlines()) == 1 or shutil.which("gh"))
    on_remote = git(core.src, "--git-dir", remote, "branch", "--list", "aio/wl-*")
    assert on_remote.strip() == branch
    shown = git(core.src, "--git-dir", remote, "show", "--stat", "--format=%s", branch)
    assert shown.startswith("Say something else") and "greeting.txt" in shown
    assert "new.txt" in shown
    assert git(core.src, "--git-dir", remote, "rev-parse", "main") != git(
        core.src, "--git-dir", remote, "rev-parse", branch
    )
    after = worklet(core, "site")
    assert after["commit"] == git(core.src, "--git-dir", remote, "rev-parse", branch)
    assert get_json(after["url"])["greeting"] == "hello from python"  # still running


def test_pull_that_cannot_fast_forward_changes_nothing(core: AioHome) -> None:
    remote, work = bare_remote(core)
    added = add(core, remote)
    clone = f"{added['folder']}/repo"
    with open(f"{clone}/local.txt", "w") as out:
        out.write("local\n")
    git(clone, "add", "local.txt")
    git(clone, "commit", "-q", "-m", "local work")
    (work / "greeting.txt").write_text("upstream\n")
    commit_all(work, "upstream work")
    git(work, "push", "-q", remote, "main")
    result = core.aio("wl", "pull", str(added["id"]))
    assert result.returncode == 2 and "pull:" in result.stderr and "fast-forward" in result.stderr
    kept = worklet(core, added["id"])
    assert kept["status"] == "running" and kept["run_job"] == added["run_job"]
