"""A snapshot of the Todos screen: the app and its core on one fixed clock, so relative times
(and so the picture) never change. Regenerate with `pytest tests/todos --snapshot-update`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from todo_harness import CORE_CONFIG, DEFAULT_TIMEOUT, FakeClock, local_zone
from todo_pilot import SEEDS, ThreadedCore, seed

from aio.app import AioApp
from aio.screens.todos import TodosScreen


async def wait_on(pilot: Pilot, predicate: Callable[[], bool], what: str) -> None:
    """Let the app run until `predicate()` holds; fail at the deadline."""
    deadline = time.monotonic() + DEFAULT_TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def test_the_todos_screen(snap_compare, core_home: Path, clock: FakeClock) -> None:
    with local_zone("UTC"):
        seed(core_home, clock)
        core = ThreadedCore(core_home, clock)
        core.start()
        try:
            app = AioApp(core_home, CORE_CONFIG, clock=clock)

            async def show_todos(pilot: Pilot) -> None:
                await wait_on(pilot, lambda: app.connected, "the dashboard to connect")
                await pilot.press("t")
                await wait_on(
                    pilot,
                    lambda: (
                        isinstance(app.screen, TodosScreen)
                        and app.screen.table.row_count == len(SEEDS)
                        and app.screen.sub_title == f"{len(SEEDS)} open todos"
                    ),
                    "the Todos table",
                )

            assert snap_compare(app, terminal_size=(100, 20), run_before=show_todos)
        finally:
            core.stop()


def test_the_empty_todos_screen(snap_compare, core_home: Path, clock: FakeClock) -> None:
    """No todos: what todos are, the two deadlines, and the ways to add one."""
    with local_zone("UTC"):
        core_home.mkdir(mode=0o700, parents=True)
        core = ThreadedCore(core_home, clock)
        core.start()
        try:
            app = AioApp(core_home, CORE_CONFIG, clock=clock)

            async def show_todos(pilot: Pilot) -> None:
                await wait_on(pilot, lambda: app.connected, "the dashboard to connect")
                await pilot.press("2")
                await wait_on(
                    pilot,
                    lambda: (
                        isinstance(app.screen, TodosScreen)
                        and app.screen.query_one("#todos-empty").display
                    ),
                    "the empty state",
                )

            assert snap_compare(app, terminal_size=(100, 30), run_before=show_todos)
        finally:
            core.stop()
