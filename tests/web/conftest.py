"""Fixtures of the browser-bridge tests: a private `$AIO_HOME`, real cores on it, a real browser.

Every core a test starts is stopped at teardown, and no process that carries the test's home in
its environment (a core, a job) may be left running. The browser is Debian's chromium driven by
Playwright's sync API; a test without it is skipped (failed when AIO_REQUIRE_ALL=1).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from core_harness import reap_home
from web_harness import CHROMIUM, CHROMIUM_ARGS, Home, ServedCore, require_browser


def private_home() -> Iterator[Home]:
    """A fresh `$AIO_HOME` under /tmp; its cores are stopped and its processes gone after."""
    root = Path(tempfile.mkdtemp(prefix="aiow", dir="/tmp"))
    home = Home(root)
    try:
        yield home
    finally:
        for core in home.cores:
            core.stop()
        strays = reap_home(home.path)
        shutil.rmtree(root, ignore_errors=True)
    assert not strays, f"processes of {home.path} left running after the test: {strays}"


@pytest.fixture
def web_home() -> Iterator[Home]:
    """A fresh `$AIO_HOME` under /tmp; its processes are gone after the test."""
    yield from private_home()


@pytest.fixture
def second_home() -> Iterator[Home]:
    """Another fresh `$AIO_HOME`, for a second core on the same machine."""
    yield from private_home()


@pytest.fixture
def serve(web_home: Home) -> Callable[..., ServedCore]:
    """Start `aio serve ARGS` on the test's home (stopped at teardown)."""

    return web_home.serve


@pytest.fixture
def web_core(web_home: Home, serve: Callable[..., ServedCore]) -> Home:
    """A home whose core serves the bridge on a free port (`web_port = 0`)."""
    web_home.write_config("web_port = 0\n")
    serve()
    web_home.port = web_home.web_port()
    return web_home


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, for the tests of one module.

    Module scope on purpose: Playwright's sync API marks its event loop as the thread's running
    loop between calls, so it must be gone before any asyncio test of another module runs.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookies); CSP bypassed so Playwright may evaluate predicates."""
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1000, "height": 640})
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp client session with a deadline on every request."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
