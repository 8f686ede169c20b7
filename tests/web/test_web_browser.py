"""The browser bridge in a real browser: Debian's chromium, driven by Playwright, on a real core.

Each test opens a one-time link the way a user does (`aio web N --no-open`, or POST /web/links)
and asserts on what the page shows: the address bar, the cookie, the title, the terminal's
buffer (`window.aioTerm`, the xterm.js Terminal) and the notice line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import pytest
from web_harness import (
    DEADLINE,
    SECRET,
    Home,
    ServedCore,
    ThreadedCore,
    shell_task,
    submit_secret_job,
)

from aio.config.settings import Config

pytestmark = pytest.mark.timeout(90)
WAIT_MS = int(DEADLINE * 1000)

# The terminal's whole buffer (scrollback and screen) as text, one line per row.
BUFFER_JS = """() => {
  const term = window.aioTerm;
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


def terminal_text(page) -> str:
    return page.evaluate(BUFFER_JS)


def wait_terminal(page, pattern: str, timeout: float = DEADLINE) -> str:
    """Wait until the terminal's buffer matches the regular expression `pattern`; its text."""
    predicate = f"(pattern) => new RegExp(pattern, 'm').test(({BUFFER_JS})())"
    try:
        page.wait_for_function(predicate, arg=pattern, timeout=int(timeout * 1000))
    except Exception as exc:
        raise AssertionError(
            f"the terminal never showed /{pattern}/; it shows:\n{terminal_text(page)}"
        ) from exc
    return terminal_text(page)


def wait_attached(page) -> dict:
    """Wait for the page's first `hello` (the job it shows); that job as the page saw it."""
    page.wait_for_function("() => !!window.aioJob", timeout=WAIT_MS)
    return page.evaluate("() => window.aioJob")


def cli_link(home: Home, *args: str) -> str:
    """The one-time link `aio web ARGS --no-open` prints."""
    result = home.aio("web", *args, "--no-open")
    assert result.returncode == 0, f"aio web failed: {result.stdout!r} {result.stderr!r}"
    url = result.stdout.strip()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{home.port}/login\?token=[\w%-]+&next=\S+", url), url
    return url


def test_one_time_link_opens_the_job_and_typing_reaches_it(web_core: Home, context, page):
    from playwright.sync_api import expect

    job = web_core.submit(shell_task("greet", "read x; echo got $x"))
    web_core.wait_status(job, "running")
    url = cli_link(web_core, str(job))

    page.goto(url)
    expect(page).to_have_url(f"http://127.0.0.1:{web_core.port}/jobs/{job}")
    assert "token" not in page.url
    cookies = context.cookies()
    assert [c["name"] for c in cookies] == ["aio_session"], cookies
    cookie = cookies[0]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["domain"] == "127.0.0.1" and cookie["path"] == "/"
    assert page.evaluate("() => document.cookie") == "", "the page's scripts can read the cookie"

    assert wait_attached(page)["id"] == job
    expect(page).to_have_title(f"aio #{job} greet · running", timeout=WAIT_MS)
    expect(page.locator("#title")).to_have_text(f"#{job} greet · running")

    # No click: the terminal has the keyboard as soon as the page is loaded.
    focused = "() => document.activeElement.classList.contains('xterm-helper-textarea')"
    assert page.evaluate(focused), "the terminal does not have the keyboard focus"
    page.keyboard.type("hello web")
    page.keyboard.press("Enter")
    wait_terminal(page, r"^got hello web$")
    # The header reads as one sentence, exit code included; the notice line stays empty.
    expect(page).to_have_title(f"aio #{job} greet · done (exit 0)", timeout=WAIT_MS)
    expect(page.locator("#bar")).to_have_text(f"jobs #{job} greet · done (exit 0)")
    expect(page.locator("#notice")).to_have_text("")
    assert "got hello web" in web_core.log(job)

    # The link was good once: the same URL now gets the refusal page, and no new cookie.
    again = context.request.get(url, max_redirects=0)
    assert again.status == 401
    assert "not valid" in again.text()


# The PTY's size as the job last reported it equals the terminal's size in the page.
PTY_FOLLOWS_JS = f"""() => {{
  const sizes = [...({BUFFER_JS})().matchAll(/^size=(\\d+) (\\d+)$/gm)];
  if (!sizes.length) return false;
  const [, rows, cols] = sizes[sizes.length - 1];
  return +rows === window.aioTerm.rows && +cols === window.aioTerm.cols;
}}"""
REPORT_SIZE = 'echo "size=$(stty size)"'


def wait_pty_follows(page) -> tuple[int, int]:
    """Wait until the job's last size report is the page terminal's size; that (cols, rows)."""
    try:
        page.wait_for_function(PTY_FOLLOWS_JS, timeout=WAIT_MS)
    except Exception as exc:
        size = page.evaluate("() => [window.aioTerm.cols, window.aioTerm.rows]")
        raise AssertionError(
            f"the PTY did not follow the page's {size[0]}x{size[1]}; the terminal shows:\n"
            f"{terminal_text(page)}"
        ) from exc
    return tuple(page.evaluate("() => [window.aioTerm.cols, window.aioTerm.rows]"))


def test_the_pty_follows_the_browser_window(web_core: Home, page):
    job = web_core.submit(
        shell_task(
            "sizes",
            f"{REPORT_SIZE}; trap '{REPORT_SIZE}' WINCH; echo ready; while :; do sleep 0.05; done",
        )
    )
    web_core.wait_log(job, "ready")
    page.goto(web_core.link(job))
    wait_attached(page)
    # The page attaches with its own size (the job reports the PTY's size at start and on
    # every SIGWINCH).
    cols, rows = wait_pty_follows(page)

    page.set_viewport_size({"width": 560, "height": 360})
    page.wait_for_function(
        "([cols, rows]) => window.aioTerm.cols < cols && window.aioTerm.rows < rows",
        arg=[cols, rows],
        timeout=WAIT_MS,
    )
    small_cols, small_rows = wait_pty_follows(page)
    assert small_cols < cols and small_rows < rows
    assert f"size={small_rows} {small_cols}" in web_core.log(job)

    # A bigger window again: the PTY follows again.
    page.set_viewport_size({"width": 900, "height": 520})
    page.wait_for_function("(cols) => window.aioTerm.cols > cols", arg=small_cols, timeout=WAIT_MS)
    big_cols, big_rows = wait_pty_follows(page)
    assert big_cols > small_cols and big_rows > small_rows
    assert web_core.job(job)["status"] == "running"


TICKER = 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'
NOTICE_DOWN = "disconnected, reconnecting…"


def mark_terminal(page) -> None:
    """Write a line into the page's terminal only (not the job): gone after the next reset."""
    page.evaluate("() => window.aioTerm.write('LOCAL-ONLY\\r\\n')")
    wait_terminal(page, r"^LOCAL-ONLY$")


def test_page_reconnects_after_the_bridge_drops_and_replays_the_tail(web_home: Home, page):
    """The bridge restarts under a running job: the page says so, reconnects with its cookie,
    resets its terminal and gets the job's tail, then live output again."""
    from playwright.sync_api import expect

    core = ThreadedCore(web_home, Config(web_port=0))
    try:
        core.start()
        bridge = core.core.web
        web_home.port = bridge.port
        job = web_home.submit(shell_task("ticker", TICKER))
        page.goto(web_home.link(job))
        wait_attached(page)
        wait_terminal(page, r"^tick 3$")
        mark_terminal(page)

        core.call(bridge.stop())
        expect(page.locator("#notice")).to_have_text(NOTICE_DOWN, timeout=WAIT_MS)
        assert not bridge.running
        last = max(int(n) for n in re.findall(r"^tick (\d+)", web_home.log(job), re.M))

        core.call(bridge.start())
        assert bridge.running and bridge.port == web_home.port
        expect(page.locator("#notice")).to_have_text("", timeout=WAIT_MS)
        # After term.reset() the buffer holds the replayed tail, not what the page had.
        text = wait_terminal(page, rf"^tick {last + 2}$")
        assert "LOCAL-ONLY" not in text
        assert re.search(r"^tick 1$", text, re.M), "the job's tail was not replayed"
        expect(page).to_have_title(f"aio #{job} ticker · running")
        assert web_home.job(job)["status"] == "running"
    finally:
        core.stop()


def test_page_reconnects_to_a_restarted_core_with_the_same_cookie(
    web_core: Home, serve: Callable[..., ServedCore], page
):
    """A core restart on the same home and port: the stored session keeps the cookie valid, and
    the page replays the (now ended) job's output from the new core."""
    from playwright.sync_api import expect

    job = web_core.submit(shell_task("ticker", TICKER))
    page.goto(web_core.link(job))
    wait_attached(page)
    wait_terminal(page, r"^tick 3$")
    mark_terminal(page)

    web_core.cores.pop().stop()
    expect(page.locator("#notice")).to_have_text(NOTICE_DOWN, timeout=WAIT_MS)
    web_core.write_config(f"web_port = {web_core.port}\n")
    serve()
    assert web_core.web_port() == web_core.port

    ended = web_core.job(job)["status"]
    assert ended in ("killed", "lost"), ended
    code = web_core.job(job)["exit_code"]
    said = f"#{job} ticker · {ended}" + ("" if code is None else f" (exit {code})")
    expect(page).to_have_title(f"aio {said}", timeout=WAIT_MS)
    expect(page.locator("#title")).to_have_text(said)
    text = wait_terminal(page, r"^tick 3$")
    assert "LOCAL-ONLY" not in text, "the page did not reset its terminal on reconnect"
    assert re.search(r"^tick 1$", text, re.M)


def test_jobs_page_lists_jobs_live(web_core: Home, page):
    from playwright.sync_api import expect

    gate = web_core.root / "go"
    page.goto(web_core.link())
    expect(page).to_have_url(f"http://127.0.0.1:{web_core.port}/")
    expect(page.locator("#state")).to_have_text("live", timeout=WAIT_MS)
    expect(page.locator("#empty")).to_be_visible()

    job = web_core.submit(
        shell_task("gated", f"while [ ! -e {gate} ]; do sleep 0.05; done", "echo passed")
    )
    row = page.locator(f"#job-{job}")
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#empty")).to_be_hidden()
    expect(row.locator("a")).to_have_text("gated")
    expect(row.locator("a")).to_have_attribute("href", f"/jobs/{job}")
    expect(row.locator(".status")).to_have_text("running", timeout=WAIT_MS)
    expect(row.locator("td").nth(3)).to_have_text("1/2 step 1")

    gate.touch()
    expect(row.locator(".status")).to_have_text("done", timeout=WAIT_MS)
    cells = row.locator("td").all_inner_texts()
    assert cells[1:5] == ["gated", "done", "2/2 step 2", "0"]

    web_core.request("DELETE", f"/jobs/{job}")
    expect(row).to_have_count(0, timeout=WAIT_MS)
    assert page.locator("#jobs tbody tr").count() == 0
    assert page.locator("#empty").is_visible()


def test_login_never_redirects_off_the_bridge(web_core: Home, page):
    """A `next` of "/<tab>/evil.example/" must not become //evil.example in the browser."""
    from playwright.sync_api import expect

    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    for target in ("/\t/evil.example/", "/\\evil.example/", "//evil.example/"):
        hosts.clear()
        page.goto(re.sub(r"next=[^&]*", "next=" + quote(target, safe=""), web_core.link()))
        expect(page).to_have_url(f"http://127.0.0.1:{web_core.port}/")
        expect(page.locator("#state")).to_have_text("live")
        assert set(hosts) == {f"127.0.0.1:{web_core.port}"}, (target, hosts)


def test_read_only_link_cannot_type(web_core: Home, page):
    from playwright.sync_api import expect

    job = web_core.submit(shell_task("asker", "read x; echo got $x"))
    web_core.wait_status(job, "running")
    page.goto(cli_link(web_core, str(job), "--read-only"))
    wait_attached(page)
    expect(page).to_have_title(f"aio #{job} asker · running · read-only", timeout=WAIT_MS)

    page.locator("#terminal").click()
    page.keyboard.type("secret")
    page.keyboard.press("Enter")
    # A writable viewer answers next: had "secret" reached the job, `read` would have taken it.
    fed = web_core.aio("a", str(job), input="other\n")
    assert fed.returncode == 0, fed.stderr
    text = wait_terminal(page, r"^got other$")
    assert "secret" not in text
    assert "secret" not in web_core.log(job)
    assert web_core.wait_status(job, "done")["exit_code"] == 0
    expect(page).to_have_title(f"aio #{job} asker · done (exit 0) · read-only", timeout=WAIT_MS)


def test_a_job_link_shows_that_job_only(web_core: Home, browser, page):
    """The jobs page of a job-N session lists job N alone (no other job's variables reach the
    page), another job's page is refused; a jobs-page link's session lists every job."""
    from playwright.sync_api import expect

    mine = web_core.submit(shell_task("mine", "read x; echo got $x"))
    other = submit_secret_job(web_core, "read x; echo got $x")
    page.goto(web_core.link(mine))
    assert wait_attached(page)["id"] == mine

    base = f"http://127.0.0.1:{web_core.port}"
    page.goto(base + "/")
    expect(page.locator(f"#job-{mine}")).to_be_visible()  # the snapshot has been shown
    assert page.locator(f"#job-{other}").count() == 0
    expect(page.locator("#state")).to_have_text(f"live · this link is for job {mine} only")
    seen = page.evaluate("() => JSON.stringify([...jobs.values()])")
    assert SECRET not in seen and SECRET not in page.content()
    refused = page.goto(f"{base}/jobs/{other}")
    assert refused is not None and refused.status == 403
    expect(page.locator("p")).to_contain_text(f"for job {mine} only")

    everyone = browser.new_context(bypass_csp=True)
    try:
        jobs_page = everyone.new_page()
        jobs_page.goto(web_core.link())
        expect(jobs_page.locator("#state")).to_have_text("live", timeout=WAIT_MS)
        expect(jobs_page.locator(f"#job-{mine}")).to_be_visible()
        expect(jobs_page.locator(f"#job-{other}")).to_be_visible()
    finally:
        everyone.close()


def test_logging_out_ends_the_terminal_page(web_core: Home, browser, page):
    """After a logout the page says the session ended and what it types reaches no job."""
    from playwright.sync_api import expect

    job = web_core.submit(shell_task("echoer", 'while read x; do echo "got $x"; done'))
    web_core.wait_status(job, "running")
    page.goto(web_core.link(job))
    wait_attached(page)
    page.locator("#terminal").click()
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    wait_terminal(page, r"^got one$")

    assert page.evaluate("() => fetch('/logout', {method: 'POST'}).then((r) => r.status)") == 200
    expect(page.locator("#notice")).to_have_text(
        "session ended: get a new link with aio web", timeout=WAIT_MS
    )
    page.keyboard.type("two")
    page.keyboard.press("Enter")

    # A viewer with its own link types next: the job reads that line, and never read "two".
    other = browser.new_context(bypass_csp=True)
    try:
        viewer = other.new_page()
        viewer.goto(web_core.link(job))
        wait_attached(viewer)
        viewer.locator("#terminal").click()
        viewer.keyboard.type("marker")
        viewer.keyboard.press("Enter")
        wait_terminal(viewer, r"^got marker$")
    finally:
        other.close()
    assert "got one" in web_core.log(job)
    assert "two" not in web_core.log(job)
    expect(page.locator("#notice")).to_have_text("session ended: get a new link with aio web")
