"""Reminders in the core's `TodoService`: one timer for the next unfired deadline, each deadline
fired exactly once (an event and a desktop notification), re-armed on every change, and
deadlines that passed while the core was down fired once at start.

Time is injected: a `FakeClock` and a `Schedule` that records (delay, callback) instead of
arming a timer on the loop; the test fires a timer by calling its callback after moving the
clock. The service, its SQLite database and its EventBus are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from todo_harness import FIXED_NOW, FakeClock, Notes, Schedule, Timer

from aio.core.events import EventBus, Subscription
from aio.todos.model import HOUR, TodoBook
from aio.todos.service import LONGEST_SLEEP, TodoService

NOW = FIXED_NOW


class Reminders:
    """A TodoService under test, with its clock, timers, notifications and events."""

    def __init__(self, database: Path, clock: FakeClock) -> None:
        self.database = database
        self.clock = clock
        self.bus = EventBus()
        self.events: Subscription = self.bus.subscribe()
        self.pending: list[dict] = []
        self.schedule = Schedule()
        self.notes = Notes()
        self.service = TodoService(
            database, self.bus, clock=clock, schedule=self.schedule, notify=self.notes
        )

    def drain(self, kind: str = "reminder") -> list[dict]:
        """The events of `kind` published and not drained yet (others stay)."""
        while not self.events.queue.empty():
            event = self.events.queue.get_nowait()
            assert event is not None, "the event bus dropped or closed the subscription"
            self.pending.append(event)
        found = [e for e in self.pending if e["type"] == kind]
        self.pending = [e for e in self.pending if e["type"] != kind]
        return found

    async def fire(self, timer: Timer) -> None:
        """What the loop does when `timer` is due: call it, then let what it started finish."""
        await run_to_completion(timer.fire)

    async def add(self, title: str, real: float | None, virtual: float | None = None) -> int:
        return (await self.service.call("add", title, real, virtual)).id


async def run_to_completion(action: Callable[[], object | Awaitable[object]]) -> None:
    """Run `action` and wait (bounded) for every task it started to finish."""
    before = asyncio.all_tasks()
    result = action()
    if asyncio.iscoroutine(result):
        await result
    started = asyncio.all_tasks() - before
    if started:
        await asyncio.wait_for(asyncio.gather(*started), 10)


@pytest.fixture
async def reminders(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Reminders]:
    found = Reminders(tmp_path / "aio.db", clock)
    await found.service.start()
    try:
        yield found
    finally:
        await found.service.stop()


async def test_nothing_to_remind_arms_nothing(reminders: Reminders) -> None:
    assert reminders.schedule.timers == []
    assert reminders.service.armed_for is None
    await reminders.add("No deadline", None)
    assert reminders.schedule.live == []
    assert reminders.drain("todos_changed") == [{"type": "todos_changed"}]


async def test_the_timer_is_armed_for_the_next_unfired_deadline(reminders: Reminders) -> None:
    await reminders.add("Deploy", NOW + 2 * HOUR, NOW + HOUR)
    timer = reminders.schedule.armed
    assert timer.delay == HOUR  # the virtual deadline comes first
    assert reminders.service.armed_for == NOW + HOUR

    await reminders.add("Quick", NOW + 30 * 60)
    assert timer.cancelled
    assert reminders.schedule.armed.delay == 30 * 60
    assert reminders.service.armed_for == NOW + 30 * 60

    await reminders.add("Later still", NOW + 3 * HOUR)
    assert reminders.schedule.armed.delay == 30 * 60  # unchanged: not the next one


async def test_a_far_deadline_sleeps_at_most_an_hour_at_a_time(reminders: Reminders) -> None:
    await reminders.add("Far", NOW + 3 * 86_400)
    assert reminders.schedule.armed.delay == LONGEST_SLEEP
    assert reminders.service.armed_for == NOW + 3 * 86_400
    reminders.clock.advance(LONGEST_SLEEP)
    await reminders.fire(reminders.schedule.armed)
    assert reminders.drain() == []  # woke early: nothing due yet, so it sleeps again
    assert reminders.schedule.armed.delay == LONGEST_SLEEP


async def test_each_deadline_fires_exactly_once(reminders: Reminders) -> None:
    deploy = await reminders.add("Deploy", NOW + 2 * HOUR, NOW + HOUR)
    first = reminders.schedule.armed
    reminders.drain("todos_changed")

    reminders.clock.advance(HOUR)
    await reminders.fire(first)
    [event] = reminders.drain()
    assert event["type"] == "reminder" and event["which"] == "virtual"
    assert event["text"] == f"todo {deploy} Deploy: virtual deadline reached"
    assert event["todo"]["id"] == deploy and event["todo"]["urgency"] == "behind plan"
    assert reminders.notes.sent == [("aio: virtual deadline", f"{deploy}. Deploy")]
    assert reminders.service.fired == [(deploy, "virtual")]
    second = reminders.schedule.armed
    assert second is not first and second.delay == HOUR  # now for the real deadline

    reminders.clock.advance(HOUR + 5)  # the loop may be late: it still fires, once
    await reminders.fire(second)
    [event] = reminders.drain()
    assert event["which"] == "real" and event["todo"]["urgency"] == "overdue"
    assert event["text"] == f"todo {deploy} Deploy: deadline reached"
    assert reminders.notes.sent[-1] == ("aio: deadline", f"{deploy}. Deploy")
    assert reminders.schedule.live == []
    assert reminders.service.armed_for is None

    for timer in (first, second, first):  # firing again does nothing
        await reminders.fire(timer)
        await run_to_completion(reminders.service.fire_due)
    assert reminders.drain() == []
    assert reminders.schedule.live == []
    assert reminders.service.fired == [(deploy, "virtual"), (deploy, "real")]
    assert len(reminders.notes.sent) == 2


async def test_concurrent_wakeups_fire_once(reminders: Reminders) -> None:
    await reminders.add("Race", NOW + 60)
    reminders.clock.advance(60)
    timer = reminders.schedule.armed
    await asyncio.gather(
        reminders.service.fire_due(), reminders.fire(timer), reminders.service.changed()
    )
    assert len(reminders.drain()) == 1
    assert len(reminders.notes.sent) == 1


async def test_deadlines_due_together_fire_together(reminders: Reminders) -> None:
    a = await reminders.add("A", NOW + 60, NOW + 30)
    b = await reminders.add("B", NOW + 90)
    reminders.clock.advance(600)
    await reminders.fire(reminders.schedule.armed)
    fired = [(e["todo"]["id"], e["which"]) for e in reminders.drain()]
    assert fired == [(a, "virtual"), (a, "real"), (b, "real")]  # in deadline order
    assert len(reminders.notes.sent) == 3


async def test_completing_deleting_and_editing_re_arm(reminders: Reminders) -> None:
    first = await reminders.add("First", NOW + 10 * 60)
    second = await reminders.add("Second", NOW + 20 * 60, NOW + 15 * 60)
    third = await reminders.add("Third", NOW + 40 * 60)
    assert reminders.service.armed_for == NOW + 10 * 60

    await reminders.service.call("complete", (first,))
    assert reminders.service.armed_for == NOW + 15 * 60
    assert reminders.schedule.armed.delay == 15 * 60

    await reminders.service.call("delete", (second,))
    assert reminders.service.armed_for == NOW + 40 * 60
    assert reminders.schedule.armed.delay == 40 * 60

    await reminders.service.call("edit", third, "Third, sooner", NOW + 5 * 60, None)
    assert reminders.schedule.armed.delay == 5 * 60

    await reminders.service.call("complete", (third,))
    assert reminders.schedule.live == []
    assert reminders.service.armed_for is None

    await reminders.service.call("reopen", first)
    assert reminders.schedule.armed.delay == 10 * 60

    reminders.clock.advance(10 * 60)
    await reminders.fire(reminders.schedule.armed)
    assert [e["todo"]["id"] for e in reminders.drain()] == [first]
    assert len(reminders.drain("todos_changed")) == 8  # one per change


async def test_an_edited_deadline_fires_again(reminders: Reminders) -> None:
    todo = await reminders.add("Moved", NOW + 60)
    reminders.clock.advance(60)
    await reminders.fire(reminders.schedule.armed)
    assert len(reminders.drain()) == 1
    await reminders.service.call("edit", todo, "Moved on", NOW + 60, None)  # title only
    assert reminders.drain() == []
    await reminders.service.call("edit", todo, "Moved on", NOW + 600, None)
    assert reminders.schedule.armed.delay == 540
    reminders.clock.advance(540)
    await reminders.fire(reminders.schedule.armed)
    [event] = reminders.drain()
    assert event["todo"]["title"] == "Moved on"


async def test_a_change_made_by_the_cli_re_arms_once_told(reminders: Reminders) -> None:
    """`aio t` writes the database itself, then tells the core (POST /todos/changed)."""
    book = TodoBook(reminders.database, reminders.clock)
    try:
        todo = book.add("From the CLI", NOW + 120, None)
    finally:
        book.close()
    assert reminders.schedule.live == []
    await reminders.service.changed()
    assert reminders.schedule.armed.delay == 120
    assert reminders.drain("todos_changed") == [{"type": "todos_changed"}]
    reminders.clock.advance(120)
    await reminders.fire(reminders.schedule.armed)
    assert [e["todo"]["id"] for e in reminders.drain()] == [todo.id]


async def test_a_restart_fires_what_passed_while_down_once_and_nothing_twice(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = tmp_path / "aio.db"
    first = Reminders(database, clock)
    await first.service.start()
    try:
        early = await first.add("Early", NOW + 60)
        missed = await first.add("Missed", NOW + 3600, NOW + 1800)
        upcoming = await first.add("Upcoming", NOW + 5 * 3600)
        clock.advance(60)
        await first.fire(first.schedule.armed)
        assert [e["todo"]["id"] for e in first.drain()] == [early]
    finally:
        await first.service.stop()
    assert first.schedule.live == []  # stopping disarms the timer

    clock.advance(2 * 3600)  # the core was down while both of Missed's deadlines passed
    second = Reminders(database, clock)
    await second.service.start()
    try:
        fired = [(e["todo"]["id"], e["which"]) for e in second.drain()]
        assert fired == [(missed, "virtual"), (missed, "real")]
        assert len(second.notes.sent) == 2
        assert second.service.armed_for == NOW + 5 * 3600
        assert second.schedule.armed.delay == min(5 * 3600 - 60 - 2 * 3600, LONGEST_SLEEP)
    finally:
        await second.service.stop()

    third = Reminders(database, clock)  # and once more: nothing fires twice
    await third.service.start()
    try:
        assert third.drain() == []
        assert third.notes.sent == []
        assert third.service.armed_for == NOW + 5 * 3600
        clock.advance(3 * 3600)
        await third.fire(third.schedule.armed)
        assert [e["todo"]["id"] for e in third.drain()] == [upcoming]
    finally:
        await third.service.stop()


async def test_a_completed_todo_never_reminds(tmp_path: Path, clock: FakeClock) -> None:
    book = TodoBook(tmp_path / "aio.db", clock)
    try:
        done = book.add("Done already", NOW + 60, None)
        book.complete((done.id,))
    finally:
        book.close()
    clock.advance(600)
    later = Reminders(tmp_path / "aio.db", clock)
    await later.service.start()
    try:
        assert later.drain() == [] and later.notes.sent == []
        assert later.schedule.live == []
    finally:
        await later.service.stop()
