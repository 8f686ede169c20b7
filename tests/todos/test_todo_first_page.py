"""Pages of a long todo list, sorted by SQLite (`TodoBook.first`, `GET /todos?limit=N&offset=M`):
the same todos in the same order as sorting every row in Python, and the right total, so the
Todos screen can show its first rows without the core loading ten thousand."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from todo_harness import FIXED_NOW, FakeClock, TodoHome

from aio.client.core_client import CoreClient, CoreError
from aio.todos.model import DAY, HOUR, TodoBook

NOW = FIXED_NOW
# Offsets from NOW that sit on and around every urgency boundary, and 0 (the epoch: Python's
# sort key treats a nearest deadline of 0 as none at all).
EDGES = [-DAY, -1.0, 0.0, 0.5, HOUR - 1, HOUR, HOUR + 1, DAY, DAY + 1, 3 * DAY]
deadline = st.one_of(
    st.none(),
    st.just(-NOW),  # an absolute deadline of 0
    st.sampled_from(EDGES),
    st.floats(-3 * DAY, 3 * DAY, allow_nan=False),
)


def add_all(book: TodoBook, specs: list[tuple]) -> None:
    for i, (real, virtual, done) in enumerate(specs):
        real = None if real is None else NOW + real
        virtual = None if virtual is None else NOW + virtual
        if real is not None and virtual is not None and virtual > real:
            real, virtual = virtual, real
        todo = book.add(f"todo {i}", real, virtual)
        if done:
            book.complete((todo.id,))


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    specs=st.lists(st.tuples(deadline, deadline, st.booleans()), max_size=25),
    limit=st.integers(1, 30),
    offset=st.integers(0, 30),
    every=st.booleans(),
)
def test_a_page_is_that_slice_of_list_in_the_same_order(
    tmp_path: Path, specs: list[tuple], limit: int, offset: int, every: bool
) -> None:
    path = tmp_path / f"aio-{abs(hash((tuple(specs), limit, offset, every)))}.db"
    book = TodoBook(path, FakeClock(NOW))
    try:
        add_all(book, specs)
        listed = book.list(include_completed=every)
        page, total = book.first(limit, include_completed=every, offset=offset)
        assert [t.id for t in page] == [t.id for t in listed[offset : offset + limit]]
        assert total == len(listed)
    finally:
        book.close()
        path.unlink()


def test_the_route_sends_the_head_and_the_total(served: TodoHome) -> None:
    client = CoreClient(served.path)
    for title, when in [("later", "3d"), ("none", None), ("soon", "30m"), ("today", "5h")]:
        served.ok("t", f"+{title}", *([when] if when else []))
    served.ok("t", "done", "3")  # "soon" is done
    every = client.request("GET", "/todos?all=1")["todos"]
    head = client.request("GET", "/todos?all=1&limit=2")
    assert (
        [t["title"] for t in head["todos"]]
        == [t["title"] for t in every[:2]]
        == [
            "today",
            "later",
        ]
    )
    assert head["total"] == 4
    rest = client.request("GET", "/todos?all=1&limit=2&offset=2")
    assert [t["title"] for t in rest["todos"]] == [t["title"] for t in every[2:]]
    assert rest["total"] == 4
    assert client.request("GET", "/todos?offset=99999999999999999999")["todos"] == []
    assert client.request("GET", "/todos?limit=99999999999999999999999")["total"] == 3
    for query in ("limit=0", "limit=-1", "limit=x", "offset=-1", "offset=1.5"):
        name = query.split("=")[0]
        with pytest.raises(CoreError, match=f"query '{name}'") as refused:
            client.request("GET", f"/todos?{query}")
        assert refused.value.status == 400
