"""`aio t --json` written by SQLite (aio.todos.json_rows) says what the Python model says
(`sort_todos`, then `to_dict`): for any todos, deadlines, completions, titles and time, the
lines read back as the model's dicts, in its order, as ASCII."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from aio.todos.json_rows import todo_json
from aio.todos.model import TodoBook, sort_todos

NOW = 1_764_580_000.0
# Offsets from now: whole seconds and half minutes (to hit rounding's halves), and any float.
OFFSET = st.one_of(
    st.integers(-400_000, 400_000).map(float),
    st.integers(-7000, 7000).map(lambda m: m * 30.0),
    st.floats(-5e6, 5e6, allow_nan=False),
)
TODO = st.tuples(
    st.text(min_size=1, max_size=20),
    st.one_of(st.none(), OFFSET),
    st.one_of(st.none(), OFFSET),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TODO, max_size=25), st.one_of(st.just(0.0), OFFSET))
def test_sqlite_json_reads_as_the_models_dicts_in_its_order(tmp_path_factory, todos, moved):
    book = TodoBook(tmp_path_factory.mktemp("t") / "todos.db", clock=lambda: NOW)
    for title, deadline, virtual, done in todos:
        real = NOW + deadline if deadline is not None else None
        plan = NOW + virtual if virtual is not None else None
        if real is not None and plan is not None and plan > real:
            plan, real = real, plan
        todo = book.add(title, real, plan)
        if done:
            book.complete((todo.id,))
    now = NOW + moved
    for everything in (False, True):
        expected = [t.to_dict(now) for t in sort_todos(book.list(everything), now)]
        text = todo_json(book.conn, now, everything)
        assert text.isascii()
        assert json.loads(text) == expected
        assert text.count("\n") == (len(expected) + 2 if expected else 1)  # one todo a line
    book.conn.close()


def test_mostly_done_and_mostly_open_lists_read_the_same(tmp_path) -> None:
    """Open todos are read through the index when few are open, by a scan when most are: both
    give the model's list (and page), non-ASCII titles escaped."""
    book = TodoBook(tmp_path / "todos.db", clock=lambda: NOW)
    titles = ["Fix bug", "Tür öffnen", "emoji 🎉", 'quote " and \\ back', "tab\tnew\nline"]
    for i in range(40):
        book.add(f"{titles[i % len(titles)]} {i}", NOW + (i - 20) * 1800.0, None)
    for done in (range(1, 36), range(1, 6)):  # 5 open of 40, then 35 open of 40
        book.conn.execute("UPDATE todos SET completed_at = NULL")
        book.complete(tuple(done))
        expected = [t.to_dict(NOW) for t in sort_todos(book.list(), NOW)]
        text = todo_json(book.conn, NOW)
        assert text.isascii() and json.loads(text) == expected
        page, total = book.first(100)  # the dashboard's page query chooses the same way
        assert [t.id for t in page] == [todo["id"] for todo in expected] and total == len(page)
    book.conn.close()


def test_a_deadline_at_zero_sorts_as_the_model_sorts_it(tmp_path) -> None:
    """The model sorts a nearest deadline of 0 as none (`nearest or inf`): SQL too."""
    book = TodoBook(tmp_path / "todos.db", clock=lambda: NOW)
    for real, virtual in ((0.0, None), (NOW - 60, None), (None, None), (NOW + 60, 0.0), (5.0, 0.0)):
        book.add("t", real, virtual)
    page, _ = book.first(10)
    expected = sort_todos(book.list(), NOW)
    assert [t.id for t in page] == [t.id for t in expected]
    assert json.loads(todo_json(book.conn, NOW)) == [t.to_dict(NOW) for t in expected]
    book.conn.close()
