"""The Todos screen through Textual's Pilot: a real AioApp on a real in-process core, both on one
injected clock. Keys: t (the screen), n add, d complete, x delete (asked), e edit, c show completed,
`:` the command bar; reminders end as toasts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static
from todo_harness import FIXED_NOW, CoreStarter, FakeClock, Notes, Schedule, local_zone
from todo_pilot import SEEDS, Dashboard, open_dashboard, seed, todo_core

from aio.config.locations import database_path
from aio.screens.confirm import ConfirmScreen
from aio.screens.todo_form import TodoFormScreen, deadline_text
from aio.screens.todos import TodosScreen
from aio.todos.model import HOUR, URGENCY_COLOURS, TodoBook

NOW = FIXED_NOW


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    with local_zone("UTC"):  # the edit form shows deadlines in local time
        yield


class Setup:
    def __init__(self, home: Path, clock: FakeClock) -> None:
        self.home = home
        self.clock = clock
        self.schedule = Schedule()
        self.notes = Notes()

    def book(self) -> TodoBook:
        return TodoBook(database_path(self.home), self.clock)

    def stored(self) -> dict[str, tuple]:
        """Every todo in the database: title -> (id, deadline, virtual, completed_at)."""
        book = self.book()
        try:
            return {
                t.title: (t.id, t.deadline, t.virtual_deadline, t.completed_at)
                for t in book.list(include_completed=True)
            }
        finally:
            book.close()


@pytest.fixture
async def setup(core_home: Path, clock: FakeClock, cores: CoreStarter) -> Setup:
    found = Setup(core_home, clock)
    seed(core_home, clock)
    await cores.start(todo_core(core_home, clock, found.schedule, found.notes))
    return found


async def open_todos(dash: Dashboard, rows: int) -> None:
    await dash.pilot.press("t")
    await dash.wait(lambda: isinstance(dash.app.screen, TodosScreen), "the Todos screen")
    await dash.wait(lambda: dash.table.row_count == rows, f"{rows} rows in the Todos table")


async def test_the_list_shows_urgency_labels_and_styles(setup: Setup) -> None:
    async with open_dashboard(setup.home, setup.clock) as dash:
        await open_todos(dash, len(SEEDS))
        assert dash.app.current_mode == "todos"
        for row, (title, _, _, level, due, virtual_due) in zip(dash.rows(), SEEDS, strict=True):
            _, urgency, shown_title, shown_due, shown_virtual = row
            assert urgency.plain == str(level)
            assert str(urgency.style) == URGENCY_COLOURS[level][0]
            assert shown_title.plain == title and str(shown_title.style) == ""
            assert (shown_due, shown_virtual) == (due, virtual_due)
        assert [row[0].plain for row in dash.rows()] == ["1", "2", "3", "4", "5", "6"]
        assert dash.app.screen.sub_title == "6 open todos"

        await dash.pilot.press("c")  # completed too, at the end
        await dash.wait(lambda: dash.table.row_count == 7, "the completed todo to show")
        last = dash.rows()[-1]
        assert last[1].plain == "done" and str(last[1].style) == "dim"
        assert last[2].plain == "Finished" and str(last[2].style) == "strike dim"
        assert dash.app.screen.sub_title == "7 all todos"
        await dash.pilot.press("c")
        await dash.wait(lambda: dash.table.row_count == 6, "the completed todo to hide again")

        # A todo added by another client shows at once (the core's todos_changed event).
        await dash.app.core.request(
            "POST", "/todos", {"title": "From afar", "deadline": NOW + 2 * HOUR}
        )
        await dash.wait(lambda: "From afar" in dash.titles(), "the new todo in the table")

        # Twenty minutes on, Soon is due in ten and Overdue thirty minutes ago.
        setup.clock.advance(20 * 60)
        await dash.pilot.press("c")
        await dash.wait(lambda: dash.table.row_count == 8, "every todo, reloaded")
        shown = {row[2].plain: row for row in dash.rows()}
        assert shown["Soon"][3] == "in 10m" and shown["Overdue"][3] == "30m ago"
        assert shown["From afar"][1].plain == "due within 1d"
        assert shown["From afar"][3] == "in 1h 40m"


async def test_the_form_validates_live_and_saves(setup: Setup) -> None:
    async with open_dashboard(setup.home, setup.clock) as dash:
        await open_todos(dash, len(SEEDS))
        await dash.pilot.press("n")
        await dash.wait(lambda: isinstance(dash.app.screen, TodoFormScreen), "the form")
        await dash.type("Never mind")
        await dash.pilot.press("escape")  # cancels: nothing is saved
        await dash.wait(lambda: isinstance(dash.app.screen, TodosScreen), "the form to close")

        await dash.pilot.press("n")
        form = await dash.wait(
            lambda: isinstance(dash.app.screen, TodoFormScreen) and dash.app.screen, "the form"
        )
        save = form.query_one("#todo-save", Button)
        check = form.query_one("#todo-check", Static)
        assert save.disabled  # no title yet
        assert form.focused is form.query_one("#todo-title", Input)
        await dash.type("Ship it")
        await dash.pilot.press("tab")
        await dash.type("2x")
        await dash.wait(lambda: save.disabled and "'2x'" in str(check.content), "2x refused")
        assert "is not a deadline" in str(check.content)

        await dash.pilot.press("backspace", "backspace")
        await dash.type("1h")
        await dash.wait(lambda: not save.disabled, "Save enabled for 1h")
        assert "Ship it" in str(check.content) and "in 1h 00m" in str(check.content)

        await dash.pilot.press("tab")
        await dash.type("2h")
        await dash.wait(lambda: save.disabled, "a later virtual deadline refused")
        assert "later than the real one" in str(check.content)
        await dash.pilot.press("backspace", "backspace")
        await dash.type("45m")
        await dash.wait(lambda: not save.disabled, "Save enabled for 1h, 45m")

        await dash.pilot.click("#todo-save")
        await dash.wait(lambda: isinstance(dash.app.screen, TodosScreen), "the form to close")
        await dash.wait(lambda: "Ship it" in dash.titles(), "Ship it in the table")
        assert setup.stored()["Ship it"][1:] == (NOW + HOUR, NOW + 45 * 60, None)
        assert "Never mind" not in setup.stored()
        row = dash.rows()[dash.titles().index("Ship it")]
        assert row[1].plain == "due within 1h" and row[3:] == ["in 1h 00m", "in 45m"]


async def test_d_completes_x_deletes_and_e_edits(setup: Setup) -> None:
    async with open_dashboard(setup.home, setup.clock) as dash:
        await open_todos(dash, len(SEEDS))
        titles = [s[0] for s in SEEDS]

        await dash.pilot.press("d")  # the first row: Overdue
        await dash.wait_titles(titles[1:])
        assert setup.stored()["Overdue"][3] == NOW

        await dash.pilot.press("down", "x")  # the second row now: Soon; x asks first
        await dash.wait(lambda: isinstance(dash.app.screen, ConfirmScreen), "the question")
        await dash.pilot.press("enter")
        await dash.wait_titles([titles[1], *titles[3:]])
        assert "Soon" not in setup.stored()

        await dash.pilot.press("e")  # Today: after a delete the cursor stays where it was
        form = await dash.wait(
            lambda: isinstance(dash.app.screen, TodoFormScreen) and dash.app.screen, "the form"
        )
        title = form.query_one("#todo-title", Input)
        assert title.value == "Today"
        assert form.query_one("#todo-deadline", Input).value == deadline_text(NOW + 5 * HOUR)
        assert form.query_one("#todo-virtual", Input).value == deadline_text(NOW + 4 * HOUR)
        assert deadline_text(NOW + 5 * HOUR) == "2026-01-06T14:30"
        await dash.pilot.press("end")
        await dash.type(", really")
        await dash.pilot.press("enter")
        await dash.wait(lambda: "Today, really" in dash.titles(), "the edited title")
        assert setup.stored()["Today, really"][1:3] == (NOW + 5 * HOUR, NOW + 4 * HOUR)

        await dash.pilot.press("c")
        await dash.wait(lambda: "Overdue" in dash.titles(), "completed todos to show")
        assert dash.rows()[-1][1].plain == "done"
        while dash.titles()[dash.table.cursor_row] != "Overdue":
            await dash.pilot.press("down")
        await dash.pilot.press("d")  # on a completed todo: open it again
        await dash.wait(lambda: dash.rows()[0][2].plain == "Overdue", "Overdue reopened")
        assert setup.stored()["Overdue"][3] is None


async def test_t_in_the_command_bar_from_the_jobs_screen(setup: Setup) -> None:
    async with open_dashboard(setup.home, setup.clock) as dash:
        assert dash.app.current_mode == "jobs"
        await dash.pilot.press("colon")
        command = dash.app.screen.query_one("#command-input", Input)
        await dash.wait(lambda: command.has_focus, "the command bar to take focus")
        await dash.type("t +Title 1h")
        await dash.pilot.press("enter")
        await dash.wait(lambda: "Title" in setup.stored(), "the todo to be added")
        assert setup.stored()["Title"][1:] == (NOW + HOUR, None, None)
        await dash.wait(
            lambda: "Todo added: 8 · Title, due in 1h 00m" in dash.log.notifications(),
            "the added toast",
        )
        assert dash.app.current_mode == "jobs"

        await dash.pilot.press("colon")
        await dash.type("t +Broken 2x")
        await dash.pilot.press("enter")
        await dash.wait(
            lambda: any("'2x'" in n for n in dash.log.notifications("warning")), "a warning"
        )
        assert "Broken" not in setup.stored()

        await dash.pilot.press("colon")
        await dash.type("t done 8")
        await dash.pilot.press("enter")
        await dash.wait(lambda: setup.stored()["Title"][3] == NOW, "todo 8 completed")

        await dash.pilot.press("colon")
        await dash.type("t")
        await dash.pilot.press("enter")
        await dash.wait(lambda: dash.app.current_mode == "todos", "t alone to open the Todos")


async def test_a_reminder_is_a_toast(setup: Setup) -> None:
    async with open_dashboard(setup.home, setup.clock) as dash:
        await open_todos(dash, len(SEEDS))
        # The core armed its timer for Soon's deadline; time passes and the timer fires.
        timer = setup.schedule.armed
        assert timer.delay == 30 * 60
        setup.clock.advance(30 * 60)
        timer.fire()
        expected = "todo: todo 3 Soon: deadline reached"
        await dash.wait(lambda: expected in dash.log.notifications("warning"), "the toast")
        assert setup.notes.sent == [  # the first two fired as the core started
            ("aio: deadline", "1. Overdue"),
            ("aio: virtual deadline", "2. Behind"),
            ("aio: deadline", "3. Soon"),
        ]

        def toasts() -> list[str]:
            return [str(toast.render()) for toast in dash.app.screen.query("Toast")]

        await dash.wait(
            lambda: any("todo 3 Soon: deadline reached" in t for t in toasts()), "a toast shown"
        )
