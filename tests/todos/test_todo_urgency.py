"""Urgency at its boundaries with an injected `now`, the sort order, and how `aio t` shows it:
JSON with urgency and colour, ANSI colours on a terminal only."""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from todo_harness import FIXED_NOW, FakeClock, TodoHome, aio_command

from aio.todos.model import (
    DAY,
    HOUR,
    URGENCY_COLOURS,
    URGENCY_ORDER,
    Todo,
    TodoBook,
    Urgency,
    relative_time,
    sort_todos,
)

NOW = FIXED_NOW


def todo(
    deadline: float | None = None,
    virtual: float | None = None,
    completed: float | None = None,
    todo_id: int = 1,
) -> Todo:
    return Todo(todo_id, f"todo {todo_id}", deadline, virtual, NOW - DAY, completed)


@pytest.mark.parametrize(
    ("deadline", "virtual", "expected"),
    [
        # Overdue: at or after the real deadline, whatever the virtual one says.
        (NOW, None, Urgency.OVERDUE),
        (NOW - 1, None, Urgency.OVERDUE),
        (NOW - 30 * DAY, None, Urgency.OVERDUE),
        (NOW, NOW - HOUR, Urgency.OVERDUE),
        (NOW + 0.001, None, Urgency.WITHIN_HOUR),
        # Behind plan: past the virtual deadline but not the real one.
        (NOW + 10 * DAY, NOW, Urgency.BEHIND_PLAN),
        (NOW + 1, NOW - DAY, Urgency.BEHIND_PLAN),
        (None, NOW - 1, Urgency.BEHIND_PLAN),
        (NOW + 10 * DAY, NOW + 0.001, Urgency.WITHIN_HOUR),
        # Within 1 h: exactly 1 h counts; the nearest of the two deadlines decides.
        (NOW + HOUR, None, Urgency.WITHIN_HOUR),
        (NOW + HOUR + 0.001, None, Urgency.WITHIN_DAY),
        (NOW + 10 * DAY, NOW + HOUR, Urgency.WITHIN_HOUR),
        (NOW + 10 * DAY, NOW + 30 * 60, Urgency.WITHIN_HOUR),
        # Within 1 day: exactly 1 day counts.
        (NOW + DAY, None, Urgency.WITHIN_DAY),
        (NOW + DAY + 0.001, None, Urgency.LATER),
        (NOW + 10 * DAY, NOW + DAY, Urgency.WITHIN_DAY),
        (NOW + 10 * DAY, NOW + 2 * DAY, Urgency.LATER),
        (NOW + 365 * DAY, None, Urgency.LATER),
        # No deadline at all.
        (None, None, Urgency.NONE),
    ],
)
def test_urgency_at_its_boundaries(
    deadline: float | None, virtual: float | None, expected: Urgency
) -> None:
    assert todo(deadline, virtual).urgency(NOW) == expected


@pytest.mark.parametrize("deadline", [NOW - DAY, NOW, NOW + 1, NOW + 30 * DAY, None])
def test_a_completed_todo_is_done_whatever_its_deadlines(deadline: float | None) -> None:
    assert todo(deadline, completed=NOW - 5).urgency(NOW) == Urgency.DONE
    assert todo(deadline, deadline, completed=NOW - 5).urgency(NOW) == Urgency.DONE


def test_urgency_moves_with_time() -> None:
    one = todo(deadline=NOW + 2 * DAY, virtual=NOW + 2 * HOUR)
    seen = [one.urgency(NOW + offset) for offset in (0, HOUR, 2 * HOUR, DAY + HOUR, 2 * DAY)]
    assert seen == [
        Urgency.WITHIN_DAY,
        Urgency.WITHIN_HOUR,
        Urgency.BEHIND_PLAN,
        Urgency.BEHIND_PLAN,
        Urgency.OVERDUE,
    ]


def test_sort_order_is_most_urgent_first() -> None:
    todos = [
        todo(None, None, todo_id=1),  # none
        todo(NOW + 5 * DAY, None, todo_id=2),  # later
        todo(NOW + 3 * DAY, None, todo_id=3),  # later, sooner
        todo(NOW - HOUR, None, NOW - 1, todo_id=4),  # done
        todo(NOW + 2 * HOUR, None, todo_id=5),  # within a day
        todo(NOW + 10 * 60, None, todo_id=6),  # within an hour
        todo(NOW + DAY, NOW - 60, todo_id=7),  # behind plan
        todo(NOW - 60, None, todo_id=8),  # overdue
        todo(NOW - DAY, None, todo_id=9),  # overdue, longer ago
        todo(None, None, todo_id=10),  # none, newer
    ]
    assert [t.id for t in sort_todos(todos, NOW)] == [9, 8, 7, 6, 5, 3, 2, 1, 10, 4]


@settings(max_examples=100, derandomize=True)
@given(
    offsets=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-3 * DAY, 3 * DAY)),
            st.one_of(st.none(), st.floats(-3 * DAY, 3 * DAY)),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_sorted_urgencies_never_go_up(offsets: list) -> None:
    todos = [
        todo(
            None if real is None else NOW + real,
            None if virtual is None else NOW + virtual,
            NOW if done else None,
            todo_id=i + 1,
        )
        for i, (real, virtual, done) in enumerate(offsets)
    ]
    ranks = [URGENCY_ORDER.index(t.urgency(NOW)) for t in sort_todos(todos, NOW)]
    assert ranks == sorted(ranks)


def test_relative_times() -> None:
    assert relative_time(None, NOW) == "-"
    assert relative_time(NOW + 2 * HOUR, NOW) == "in 2h 00m"
    assert relative_time(NOW + 2 * HOUR - 0.4, NOW) == "in 2h 00m"
    assert relative_time(NOW + 90, NOW) == "in 2m"
    assert relative_time(NOW + 42, NOW) == "in 42s"
    assert relative_time(NOW - 3 * DAY - 4 * HOUR, NOW) == "3d 4h ago"
    assert relative_time(NOW - 125 * 60, NOW) == "2h 05m ago"


def test_the_json_form_carries_urgency_and_colour() -> None:
    overdue = todo(NOW - 1).to_dict(NOW)
    assert overdue["urgency"] == "overdue"
    assert overdue["colour"] == URGENCY_COLOURS[Urgency.OVERDUE][0]
    assert overdue["due"] == "1s ago" and overdue["virtual_due"] == "-"
    assert todo().to_dict(NOW)["colour"] == URGENCY_COLOURS[Urgency.NONE][0]
    assert len({rich for rich, _ in URGENCY_COLOURS.values()}) == len(Urgency)
    assert len({ansi for _, ansi in URGENCY_COLOURS.values()}) == len(Urgency)


def test_the_enum_is_the_plain_levels_in_their_order() -> None:
    """aio t --json reads aio.todos.urgency without the enum: both must say the same."""
    from aio.todos import urgency

    assert tuple(Urgency) == urgency.LEVELS
    assert [str(level) for level in URGENCY_ORDER] == list(urgency.LEVELS)
    assert {str(k): v for k, v in URGENCY_COLOURS.items()} == urgency.COLOURS


def test_the_book_lists_by_urgency_with_its_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    book = TodoBook(tmp_path / "aio.db", clock)
    try:
        later = book.add("later", NOW + 2 * DAY, None)
        soon = book.add("soon", NOW + 2 * HOUR, NOW + 30 * 60)
        plain = book.add("plain", None, None)
        assert [t.id for t in book.list()] == [soon.id, later.id, plain.id]
        clock.advance(2 * DAY)  # the same todos, two days on
        assert [(t.id, t.urgency(clock())) for t in book.list()] == [
            (soon.id, Urgency.OVERDUE),  # overdue for longer
            (later.id, Urgency.OVERDUE),
            (plain.id, Urgency.NONE),
        ]
        book.complete((later.id,))
        assert [t.id for t in book.list()] == [soon.id, plain.id]
        assert [t.id for t in book.list(include_completed=True)] == [soon.id, plain.id, later.id]
        with pytest.raises(ValueError, match="virtual deadline must not be later"):
            book.add("bad", NOW + HOUR, NOW + 2 * HOUR)
    finally:
        book.close()


# `aio t` shows urgency


def seed(home: TodoHome) -> dict[str, Urgency]:
    """One todo per urgency (times around the real clock, far from any boundary)."""
    now = time.time()
    book = TodoBook(home.database)
    try:
        book.add("Overdue", now - 600, None)
        book.add("Behind", now + 2 * DAY, now - 600)
        book.add("Soon", now + 30 * 60, None)
        book.add("Today", now + 5 * HOUR, None)
        book.add("Later", now + 3 * DAY, None)
        book.add("Someday", None, None)
        done = book.add("Finished", now + HOUR, None)
        book.complete((done.id,))
    finally:
        book.close()
    return {
        "Overdue": Urgency.OVERDUE,
        "Behind": Urgency.BEHIND_PLAN,
        "Soon": Urgency.WITHIN_HOUR,
        "Today": Urgency.WITHIN_DAY,
        "Later": Urgency.LATER,
        "Someday": Urgency.NONE,
        "Finished": Urgency.DONE,
    }


def test_aio_t_json_carries_urgency_and_colour(todo_home: TodoHome) -> None:
    expected = seed(todo_home)
    listed = json.loads(todo_home.ok("t", "--json"))
    assert [t["title"] for t in listed] == list(expected)[:-1]  # most urgent first, open only
    every = json.loads(todo_home.ok("t", "--all", "--json"))
    assert [t["title"] for t in every] == list(expected)
    for item in every:
        level = expected[item["title"]]
        assert item["urgency"] == str(level)
        assert item["colour"] == URGENCY_COLOURS[level][0]
    assert every[-1]["completed_at"] is not None


def run_in_pty(home: TodoHome, *args: str, timeout: float = 30.0) -> bytes:
    """Run `aio ARGS` with its stdout on a pseudo-terminal; everything it wrote there."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [*aio_command(), *args],
        env=home.env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            readable, _, _ = select.select([master], [], [], deadline - time.monotonic())
            assert readable, f"aio {' '.join(args)} wrote nothing more for {timeout}s"
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert process.wait(timeout) == 0, process.stderr.read()
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    return b"".join(chunks)


def test_aio_t_colours_only_on_a_terminal(todo_home: TodoHome) -> None:
    expected = seed(todo_home)
    on_terminal = run_in_pty(todo_home, "t", "--all").decode()
    for title, level in expected.items():
        line = next(line for line in on_terminal.splitlines() if f" {title}" in line)
        assert f"{URGENCY_COLOURS[level][1]}{level}" in line, line
        assert "\x1b[0m" in line, line
    piped = todo_home.ok("t", "--all")
    assert "\x1b" not in piped
    header, *rows = piped.splitlines()
    assert header.split() == ["#", "URGENCY", "TITLE", "DUE", "VIRTUAL"]
    assert [row.split("  ")[0].strip() for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    for row, (title, level) in zip(rows, expected.items(), strict=True):
        assert str(level) in row and title in row
