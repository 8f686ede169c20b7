"""`aio log N`: the job's bytes as its terminal got them by default; `--plain` for reading (no
escapes, no carriage-return residue, step markers with exit codes). A real core runs the jobs
in a real PTY; the step boundaries come from the core's record of each step's log offset."""

from __future__ import annotations

from core_harness import AioHome

STEPS = [
    # Colour, a progress line redrawn with \r, and output without a final newline.
    {
        "desc": "Build",
        "cmd": "printf '\\033[32mcompiled\\033[0m\\n'; printf '10%%\\r50%%\\r100%%\\n'; "
        "printf 'no newline'",
    },
    {
        "desc": "Test",
        "cmd": "printf '\\033]0;a title\\007tests: \\033[1;31mFAIL\\033[0m\\n'; exit 3",
    },
    {"desc": "Deploy", "cmd": "echo never"},
]


def test_log_is_raw_by_default_and_plain_on_request(core: AioHome) -> None:
    job = core.submit({"name": "ci", "steps": STEPS})
    record = core.wait_status(job, "failed")
    assert [s["status"] for s in record["steps"]] == ["done", "failed", "skipped"]

    raw = core.aio("log", str(job), text=False)
    assert raw.returncode == 0
    # As the terminal got it: escapes and carriage returns are all there.
    assert b"\x1b[32mcompiled\x1b[0m\r\n" in raw.stdout
    assert b"10%\r50%\r100%\r\n" in raw.stdout
    assert b"\x1b]0;a title\x07" in raw.stdout

    plain = core.ok("log", str(job), "--plain")
    assert plain == (
        "── step 1/3 Build ──\n"
        "compiled\n"
        "100%\n"
        "no newline\n"
        "── step 1/3 Build: exit 0 ──\n"
        "── step 2/3 Test ──\n"
        "tests: FAIL\n"
        "── step 2/3 Test: exit 3 ──\n"
        "── step 3/3 Deploy: skipped ──\n"
        f"── job {job} ci: failed (exit 3) ──\n"
    )
    offsets = [s["log_offset"] for s in record["steps"]]
    assert offsets[0] == 0 and offsets[1] == raw.stdout.index(b"\x1b]0;") and offsets[2] is None


def test_log_plain_of_a_one_step_job_and_bad_combinations(core: AioHome) -> None:
    job = core.submit({"name": "one", "steps": [{"desc": "Say", "cmd": "echo hi"}]})
    core.wait_status(job, "done")
    assert core.ok("log", "one", "--plain") == (
        f"── step 1/1 Say ──\nhi\n── step 1/1 Say: exit 0 ──\n── job {job} one: done (exit 0) ──\n"
    )
    refused = core.aio("log", str(job), "--plain", "-f")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "aio: log: --plain reads the log as it is now; it cannot be combined with -f"
    )
    unknown = core.aio("log", str(job), "--plian")
    assert unknown.returncode == 2
    assert "unrecognized arguments: --plian" in unknown.stderr
