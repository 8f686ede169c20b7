"""The Todos screen as a newcomer meets it (issue 14), through Textual's Pilot on a real core:
an empty state that teaches, a form without a red error before anything is typed, a footer
whose `c` says what it will do, done todos saying when they were done, a delete that asks,
toasts with real titles; and a long list loaded a page at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey
from todo_harness import FIXED_NOW, CoreStarter, FakeClock, Notes, Schedule, local_zone
from todo_pilot import SEEDS, Dashboard, open_dashboard, seed, todo_core

from aio.config.locations import database_path
from aio.screens.confirm import ConfirmScreen
from aio.screens.todo_form import TodoFormScreen
from aio.screens.todos import TodosScreen
from aio.todos.model import DAY, HOUR, TodoBook
from aio.widgets.todo_table import PAGE

NOW = FIXED_NOW


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    with local_zone("UTC"):
        yield


async def start_core(home: Path, clock: FakeClock, cores: CoreStarter) -> None:
    await cores.start(todo_core(home, clock, Schedule(), Notes()))


async def open_todos(dash: Dashboard) -> TodosScreen:
    await dash.pilot.press("2")
    return await dash.wait(
        lambda: isinstance(dash.app.screen, TodosScreen) and dash.app.screen, "the Todos screen"
    )


def footer_labels(dash: Dashboard) -> list[str]:
    return [key.description for key in dash.app.screen.query(FooterKey)]


def stored_titles(home: Path, clock: FakeClock) -> list[str]:
    book = TodoBook(database_path(home), clock)
    try:
        return [t.title for t in book.list(include_completed=True)]
    finally:
        book.close()


async def test_the_empty_screen_teaches_and_the_form_waits_for_typing(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    await start_core(core_home, clock, cores)
    async with open_dashboard(core_home, clock) as dash:
        screen = await open_todos(dash)
        empty = screen.query_one("#todos-empty", Static)
        await dash.wait(lambda: empty.display, "the empty state")
        text = str(empty.render())
        assert not screen.table.display
        for words in ("No todos yet", "real deadline", "virtual deadline", "t +Fix bug 2h"):
            assert words in text, words
        assert "\n  a " in text  # the key that adds one, here

        await dash.pilot.press("a")
        form = await dash.wait(
            lambda: isinstance(dash.app.screen, TodoFormScreen) and dash.app.screen, "the form"
        )
        check = form.query_one("#todo-check", Static)
        assert "[red]" not in str(check.content) and "Type a title" in str(check.content)
        await dash.type("x")
        await dash.pilot.press("backspace")  # typed, then emptied: now it is an error
        await dash.wait(lambda: "needs a title" in str(check.content), "the title error")
        await dash.type("First")
        await dash.pilot.press("enter")
        await dash.wait(lambda: screen.table.display, "the table, once there is a todo")
        assert not empty.display
        assert dash.titles() == ["First"]
        assert screen.table.has_focus


async def test_c_says_what_it_will_do_and_done_todos_say_when(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    seed(core_home, clock)  # "Finished" (due in 1 h) was done at NOW
    await start_core(core_home, clock, cores)
    clock.advance(10 * 60)
    async with open_dashboard(core_home, clock) as dash:
        await open_todos(dash)
        await dash.wait(lambda: dash.table.row_count == len(SEEDS), "the open todos")
        await dash.wait(lambda: "Show done" in footer_labels(dash), "Show done in the footer")
        assert "Hide done" not in footer_labels(dash)

        await dash.pilot.press("c")
        await dash.wait(lambda: dash.table.row_count == len(SEEDS) + 1, "the done todo too")
        await dash.wait(lambda: "Hide done" in footer_labels(dash), "Hide done in the footer")
        assert "Show done" not in footer_labels(dash)
        done = dash.rows()[-1]
        assert done[2].plain == "Finished"
        assert done[3:] == ["done 10m ago", "-"]  # not "in 50m", its old deadline

        await dash.pilot.press("c")
        await dash.wait(lambda: dash.table.row_count == len(SEEDS), "the done todo hidden")
        await dash.wait(lambda: "Show done" in footer_labels(dash), "Show done again")


async def test_delete_asks_and_only_enter_or_y_deletes(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    seed(core_home, clock, finished=False)
    await start_core(core_home, clock, cores)
    async with open_dashboard(core_home, clock) as dash:
        await open_todos(dash)
        await dash.wait(lambda: dash.table.row_count == len(SEEDS), "the todos")
        titles = [s[0] for s in SEEDS]
        for key in ("n", "escape", "z", "space"):  # any key but Enter and y keeps it
            await dash.pilot.press("x")
            question = await dash.wait(
                lambda: isinstance(dash.app.screen, ConfirmScreen) and dash.app.screen,
                "the question",
            )
            assert "Delete todo 1, 'Overdue'?" in str(question.query_one(".title").content)
            await dash.pilot.press(key)
            await dash.wait(lambda: isinstance(dash.app.screen, TodosScreen), f"{key} to close")
            assert stored_titles(core_home, clock) == titles, f"{key} deleted a todo"

        await dash.pilot.press("x", "y")
        await dash.wait_titles(titles[1:])
        await dash.wait(lambda: "Todo deleted: 1 · Overdue" in dash.log.notifications(), "toast")
        await dash.pilot.press("x")
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("enter")
        await dash.wait_titles(titles[2:])
        assert stored_titles(core_home, clock) == titles[2:]


async def test_command_bar_toasts_have_real_titles(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    seed(core_home, clock, finished=False)
    await start_core(core_home, clock, cores)
    async with open_dashboard(core_home, clock) as dash:
        command = dash.app.screen.query_one("#command-input", Input)
        for text, toast in [
            ("t +Ship 2h", "Todo added: 7 · Ship, due in 2h 00m"),
            ("t +Draft", "Todo added: 8 · Draft"),
            ("t done 3 5", "Todos done: 3 · Soon\n5 · Later"),
            ("t rm 6", "Todo deleted: 6 · Someday"),
            ("t +Read chapter 2 1d", "Todo not added: '2' is not a deadline"),
            ("t done 99", "Todo not done: no todo 99"),
            ("t frobnicate", "Not a todo command: 'frobnicate'"),
        ]:
            await dash.pilot.press("colon")
            await dash.wait(lambda: command.has_focus, "the command bar")
            await dash.type(text)
            await dash.pilot.press("enter")
            await dash.wait(
                lambda toast=toast: any(n.startswith(toast) for n in dash.log.notifications()),
                f"the toast {toast!r}",
            )
        assert not any(n.startswith("t: ") for n in dash.log.notifications())
        refusal = next(n for n in dash.log.notifications() if n.startswith("Todo not added"))
        assert refusal.endswith('quote the title: t +"Read chapter 2" 1d')


async def test_a_long_list_comes_a_page_at_a_time(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    count = 2 * PAGE + 50
    core_home.mkdir(mode=0o700, parents=True)
    book = TodoBook(database_path(core_home), clock)
    try:
        for i in range(count):  # due one minute apart, so the order is the insertion order
            book.add(f"todo {i:04d}", NOW + DAY + i * 60, None)
        book.add("soonest", NOW + HOUR, None)
        expected = [t.title for t in book.list()]
    finally:
        book.close()
    await start_core(core_home, clock, cores)
    async with open_dashboard(core_home, clock) as dash:
        screen = await open_todos(dash)
        table = screen.table
        await dash.wait(lambda: table.row_count == count + 1, "every row counted")
        assert screen.sub_title == f"{count + 1} open todos"
        assert dash.titles()[:PAGE] == expected[:PAGE]
        assert table.todos[PAGE] is None, "only the first page is fetched at first"

        await dash.pilot.press("end")  # the last rows are drawn, so their page is fetched
        await dash.wait(lambda: table.todos[-1] is not None, "the last page")
        assert table.cursor_row == count
        assert [t["title"] for t in table.todos[2 * PAGE :]] == expected[2 * PAGE :]
        assert table.todos[PAGE] is None, "the middle page was never drawn"
        assert dash.titles()[-1] == expected[-1]

        # A change reloads the first page and drops the others.
        await dash.app.core.request("POST", "/todos", {"title": "new", "deadline": NOW + 60})
        await dash.wait(lambda: table.todos[0] and table.todos[0]["title"] == "new", "reloaded")
        await dash.wait(lambda: table.todos[-1] is not None, "the shown last page again")
        assert [t["title"] for t in table.todos[2 * PAGE :]] == expected[2 * PAGE - 1 :]


async def test_drawn_times_move_on_when_the_screen_comes_back(
    core_home: Path, clock: FakeClock, cores: CoreStarter
) -> None:
    seed(core_home, clock, finished=False)
    await start_core(core_home, clock, cores)
    async with open_dashboard(core_home, clock) as dash:
        screen = await open_todos(dash)
        await dash.wait(lambda: dash.table.row_count == len(SEEDS), "the todos")

        def drawn(row: int) -> str:  # as the terminal gets it (row 0 is the header)
            return "".join(segment.text for segment in screen.table.render_line(row + 1))

        await dash.wait(lambda: "10m ago" in drawn(0), "Overdue drawn 10m ago")
        soon = drawn(2)
        assert "in 30m" in soon
        clock.advance(5 * 60)
        await dash.pilot.press("1")
        await dash.wait(lambda: dash.app.current_mode == "jobs", "the Jobs screen")
        await dash.pilot.press("2")
        await dash.wait(lambda: "15m ago" in drawn(0), "Overdue drawn 15m ago")
        assert "in 25m" in drawn(2)
        assert "Someday" in drawn(5) and drawn(5).count(" - ") == 2  # no time, nothing moved
