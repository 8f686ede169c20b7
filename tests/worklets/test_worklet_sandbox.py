"""Under bubblewrap a worklet writes only in its own folder: not in `$AIO_HOME` (whose core
socket it cannot even see), not in the test's folder; its /tmp is its own. With
`worklet_sandbox = false` the same probe does write there, so the checks can fail."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from core_harness import AioHome, require_tool
from worklet_harness import add, get_json, make_python_app

PROBE = """\
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer


def try_write(path):
    try:
        with open(path, "w") as out:
            out.write("escaped")
        return "written"
    except OSError as exc:
        return exc.strerror


report = {
    "aio_home": try_write(os.environ["PROBE_HOME"] + "/escape.txt"),
    "test_folder": try_write(os.environ["PROBE_SRC"] + "/escape.txt"),
    "var_tmp": try_write(os.environ["PROBE_OUTSIDE"] + "/escape.txt"),
    "own_clone": try_write("own.txt"),
    "own_home": try_write(os.environ["HOME"] + "/own.txt"),
    "tmp": try_write("/tmp/" + os.environ["PROBE_MARK"]),
    "sees_host_tmp": os.path.exists("/tmp/" + os.environ["PROBE_HOST_MARK"]),
    "sees_core_socket": os.path.exists(os.environ["PROBE_HOME"] + "/core.sock"),
}
body = json.dumps(report).encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
"""


def probe(home: AioHome, tmp_marks: tuple[str, str], outside: Path) -> tuple[dict, dict]:
    repo = make_python_app(home.src / "probe", toml='run = ["python3", "probe.py"]\n')
    (repo / "probe.py").write_text(PROBE)
    from worklet_harness import commit_all

    commit_all(repo, "probe")
    mark, host_mark = tmp_marks
    added = add(
        home, str(repo),
        "--env", f"PROBE_HOME={home.path}", "--env", f"PROBE_SRC={home.src}",
        "--env", f"PROBE_MARK={mark}", "--env", f"PROBE_HOST_MARK={host_mark}",
        "--env", f"PROBE_OUTSIDE={outside}",
    )  # fmt: skip
    return added, get_json(added["url"])


@pytest.fixture
def outside():
    """A folder the test may write, outside /tmp (which the sandbox replaces)."""
    folder = Path(tempfile.mkdtemp(prefix="aio-wl-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def tmp_marks():
    """A file name the worklet writes in its /tmp, and one the test writes in the host's."""
    mark, host_mark = f"aio-wl-{uuid.uuid4().hex}", f"aio-wl-host-{uuid.uuid4().hex}"
    Path("/tmp", host_mark).write_text("host")
    yield mark, host_mark
    for name in (mark, host_mark):
        Path("/tmp", name).unlink(missing_ok=True)


def test_a_sandboxed_worklet_writes_only_in_its_own_folder(
    core: AioHome, tmp_marks: tuple[str, str], outside: Path
) -> None:
    require_tool("bwrap")
    added, report = probe(core, tmp_marks, outside)
    assert report["aio_home"] == "Read-only file system"
    assert report["var_tmp"] == "Read-only file system"
    assert report["test_folder"] == "No such file or directory"  # under the host's /tmp
    assert report["own_clone"] == "written" and report["own_home"] == "written"
    assert report["tmp"] == "written" and report["sees_host_tmp"] is False
    assert report["sees_core_socket"] is False
    assert not (core.path / "escape.txt").exists() and not (core.src / "escape.txt").exists()
    assert not (outside / "escape.txt").exists()
    assert not Path("/tmp", tmp_marks[0]).exists()  # it wrote in a /tmp of its own
    folder = Path(added["folder"])
    assert (folder / "repo" / "own.txt").read_text() == "escaped"
    assert (folder / "home" / "own.txt").read_text() == "escaped"
    assert core.job(added["run_job"])["steps"][0]["cmd"].startswith("exec /usr/bin/bwrap ")


def test_with_the_sandbox_off_the_same_probe_writes_anywhere(
    home: AioHome, tmp_marks: tuple[str, str], outside: Path
) -> None:
    home.write_config("worklet_sandbox = false\n")
    home.start()
    _, report = probe(home, tmp_marks, outside)
    assert report["aio_home"] == report["test_folder"] == report["tmp"] == "written"
    assert report["var_tmp"] == "written" and (outside / "escape.txt").exists()
    assert report["sees_host_tmp"] is True and report["sees_core_socket"] is True
    assert Path("/tmp", tmp_marks[0]).exists()


def test_worklet_sandbox_must_be_true_or_false(home: AioHome) -> None:
    home.write_config('worklet_sandbox = "no"\n')
    result = home.aio("wl", "ls")
    assert result.returncode == 2
    assert "'worklet_sandbox' must be true or false" in result.stderr
