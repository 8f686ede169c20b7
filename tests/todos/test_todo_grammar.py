"""The todo grammar: every accepted form round-trips to the right timestamp, garbage is refused
(never a crash, never a saved row), and each refusal names the bad token.

Timestamps are checked against arithmetic done here independently (epoch seconds and
`calendar.timegm` with local time pinned to UTC), not against the grammar's own helpers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from todo_harness import TodoHome, local_zone

from aio.text.printable import printable
from aio.todos.grammar import (
    MAX_TITLE,
    AddTodo,
    CompleteTodos,
    DeleteTodos,
    ListTodos,
    TodoGrammarError,
    parse_todo_command,
)

NOW = datetime(2026, 1, 6, 9, 30, 15)  # local (naive), as the CLI and the dashboard pass it
NOW_UTC = calendar.timegm(NOW.timetuple())  # the same instant when local time is UTC
UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60}
COMMANDS = (ListTodos, AddTodo, CompleteTodos, DeleteTodos)


@pytest.fixture(autouse=True, scope="module")
def _utc() -> Iterator[None]:
    """Local time is UTC in every test here unless one says otherwise."""
    with local_zone("UTC"):
        yield


def add(text: str, now: datetime = NOW) -> AddTodo:
    command = parse_todo_command(text, now)
    assert isinstance(command, AddTodo), command
    return command


def refusal(text: str, now: datetime = NOW) -> str:
    with pytest.raises(TodoGrammarError) as caught:
        parse_todo_command(text, now)
    return str(caught.value)


# The forms of the issue, one by one


def test_the_documented_forms() -> None:
    assert parse_todo_command("", NOW) == ListTodos()
    assert parse_todo_command("   ", NOW) == ListTodos()
    assert parse_todo_command("all", NOW) == ListTodos(show_completed=True)
    assert add("+Fix bug 2h") == AddTodo("Fix bug", NOW_UTC + 7200, None)
    assert add("+Deploy feature 1d 4h") == AddTodo(
        "Deploy feature", NOW_UTC + 86_400, NOW_UTC + 4 * 3600
    )
    assert add('+"Read chapter 2" 1w') == AddTodo("Read chapter 2", NOW_UTC + 604_800, None)
    assert add("+No deadline at all") == AddTodo("No deadline at all", None, None)
    assert parse_todo_command("✓1", NOW) == CompleteTodos((1,))
    assert parse_todo_command("done 1", NOW) == CompleteTodos((1,))
    assert parse_todo_command("done 1 3 12", NOW) == CompleteTodos((1, 3, 12))
    assert parse_todo_command("✓1,2", NOW) == CompleteTodos((1, 2))
    assert parse_todo_command("✗2", NOW) == DeleteTodos((2,))
    assert parse_todo_command("rm 2", NOW) == DeleteTodos((2,))


def test_a_quoted_title_keeps_what_looks_like_deadlines() -> None:
    assert add('+"Call at 14:00 about 2h slot"') == AddTodo("Call at 14:00 about 2h slot")
    assert add('+"x 1h 2h 3h" 30m') == AddTodo("x 1h 2h 3h", NOW_UTC + 1800, None)
    assert add("+'single quotes 2h' 1d") == AddTodo("single quotes 2h", NOW_UTC + 86_400, None)


def test_the_edges_of_time_of_day_and_dates() -> None:
    # A clock time that has passed today (or is now) means tomorrow's.
    today = calendar.timegm(NOW.date().timetuple())
    assert add("+a 09:31").deadline == today + 9 * 3600 + 31 * 60
    assert add("+a 09:30").deadline == today + 86_400 + 9 * 3600 + 30 * 60
    assert add("+a 9:00").deadline == today + 86_400 + 9 * 3600
    # A date is the end of that day, so today still counts.
    assert add("+a 2026-01-06").deadline == today + 86_399
    # A date and time must be later than now, to the second.
    assert add("+a 2026-01-06T09:31").deadline == today + 9 * 3600 + 31 * 60
    assert add("+a 2026-01-06T9:31").deadline == today + 9 * 3600 + 31 * 60
    assert "'2026-01-06T09:30' is in the past" in refusal("+a 2026-01-06T09:30")
    assert "'2026-01-05' is in the past" in refusal("+a 2026-01-05")


def test_a_duration_is_elapsed_time_across_a_dst_change() -> None:
    """`2h` is 7200 s from now even when the clocks go forward or back in between."""
    with local_zone("America/New_York"):
        spring = datetime(2026, 3, 8, 1, 30)  # 02:00 -> 03:00 that night
        assert add("+a 2h", spring).deadline == spring.timestamp() + 7200
        autumn = datetime(2026, 11, 1, 0, 30)  # 02:00 -> 01:00 that night
        assert add("+a 2h", autumn).deadline == autumn.timestamp() + 7200
        assert add("+a 1d", autumn).deadline == autumn.timestamp() + 86_400


# Round trips (property-based)

durations = st.dictionaries(
    st.sampled_from(list(UNITS)), st.integers(min_value=0, max_value=400), min_size=1
).filter(lambda parts: sum(parts.values()) > 0)


def duration_text(parts: dict[str, int], order: list[str]) -> str:
    return "".join(f"{parts[unit]}{unit}" for unit in order if unit in parts)


@settings(max_examples=100, derandomize=True)
@given(parts=durations, order=st.permutations(list(UNITS)), title=st.sampled_from(["a", "Fix bug"]))
def test_durations_round_trip(parts: dict[str, int], order: list[str], title: str) -> None:
    text = duration_text(parts, order)
    seconds = sum(amount * UNITS[unit] for unit, amount in parts.items())
    assert add(f"+{title} {text}") == AddTodo(title, NOW_UTC + seconds, None)


@settings(max_examples=100, derandomize=True)
@given(
    parts=durations,
    when=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
)
def test_durations_are_elapsed_seconds_in_a_zone_with_dst(
    parts: dict[str, int], when: datetime
) -> None:
    seconds = sum(amount * UNITS[unit] for unit, amount in parts.items())
    with local_zone("Europe/Berlin"):
        assert add(f"+a {duration_text(parts, list(UNITS))}", when).deadline == (
            when.timestamp() + seconds
        )


future_dates = st.dates(min_value=NOW.date(), max_value=date(9998, 12, 31))


@settings(max_examples=100, derandomize=True)
@given(day=future_dates)
def test_dates_round_trip_to_the_end_of_the_day(day: date) -> None:
    expected = calendar.timegm((day.year, day.month, day.day, 23, 59, 59, 0, 0, 0))
    assert add(f"+a {day:%Y-%m-%d}").deadline == expected


@settings(max_examples=100, derandomize=True)
@given(day=future_dates, hour=st.integers(0, 23), minute=st.integers(0, 59), short=st.booleans())
def test_dates_with_times_round_trip(day: date, hour: int, minute: int, short: bool) -> None:
    expected = calendar.timegm((day.year, day.month, day.day, hour, minute, 0, 0, 0, 0))
    assume(expected > NOW_UTC)
    text = f"{day:%Y-%m-%d}T{hour if short else f'{hour:02d}'}:{minute:02d}"
    assert add(f"+a {text}").deadline == expected


@settings(max_examples=100, derandomize=True)
@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    short=st.booleans(),
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_clock_times_round_trip_to_the_next_one(
    hour: int, minute: int, short: bool, now: datetime
) -> None:
    now_utc = calendar.timegm(now.timetuple()) + now.microsecond / 1e6
    midnight = now_utc - now_utc % 86_400
    expected = midnight + hour * 3600 + minute * 60
    if expected <= now_utc:
        expected += 86_400
    text = f"{hour if short else f'{hour:02d}'}:{minute:02d}"
    assert add(f"+a {text}", now).deadline == expected


@settings(max_examples=100, derandomize=True)
@given(real=durations, virtual=durations)
def test_a_virtual_deadline_is_never_later_than_the_real_one(
    real: dict[str, int], virtual: dict[str, int]
) -> None:
    real_text, virtual_text = duration_text(real, list(UNITS)), duration_text(virtual, list(UNITS))
    real_s = sum(a * UNITS[u] for u, a in real.items())
    virtual_s = sum(a * UNITS[u] for u, a in virtual.items())
    text = f"+Plan {real_text} {virtual_text}"
    if virtual_s <= real_s:
        assert add(text) == AddTodo("Plan", NOW_UTC + real_s, NOW_UTC + virtual_s)
    else:
        message = refusal(text)
        assert f"'{virtual_text}'" in message and "later than the real one" in message


title_words = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=8
).filter(lambda w: not w[0].isdigit() and w[0] not in "+-\"'")


@settings(max_examples=100, derandomize=True)
@given(words=st.lists(title_words, min_size=1, max_size=6), deadline=st.sampled_from(["", "1h"]))
def test_unquoted_titles_round_trip(words: list[str], deadline: str) -> None:
    title = " ".join(words)
    assume(title.strip() == title and title.split() == words)
    todo = add(f"+{title} {deadline}".rstrip())
    assert todo.title == title
    assert todo.deadline == (NOW_UTC + 3600 if deadline else None)


@settings(max_examples=100, derandomize=True)
@given(title=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_quoted_titles_may_contain_anything(title: str) -> None:
    assume('"' not in title and title.strip())
    assert add(f'+"{title}" 1h') == AddTodo(title.strip(), NOW_UTC + 3600, None)


def test_a_title_has_a_length_limit() -> None:
    assert add("+" + "x" * MAX_TITLE).title == "x" * MAX_TITLE
    assert f"at most {MAX_TITLE}" in refusal("+" + "x" * (MAX_TITLE + 1))


# Garbage


def prefixed(*prefixes: str) -> st.SearchStrategy[str]:
    return st.builds(lambda p, t: p + t, st.sampled_from(prefixes), st.text(max_size=40))


garbage = st.one_of(
    st.text(),
    prefixed("+", "+x ", '+"', "+'", "done ", "rm ", "✓", "✗", "do ", "del ", "all "),
    st.text(alphabet="0123456789wdhmsT:-+ \"'✓✗,x²٣\t", max_size=30),
    st.builds(
        lambda a, b: f"+t {a} {b}",
        st.text(alphabet="0123456789wdhmT:-", max_size=20),
        st.text(alphabet="0123456789wdhmT:-", max_size=20),
    ),
)


@settings(max_examples=500, derandomize=True)
@given(text=garbage)
def test_garbage_never_crashes_the_grammar(text: str) -> None:
    try:
        command = parse_todo_command(text, NOW)
    except TodoGrammarError as exc:
        assert str(exc)
    else:
        assert isinstance(command, COMMANDS)


@pytest.mark.parametrize(
    "text",
    [
        "done ²",  # a digit to str.isdigit, not to int()
        "✓¹",
        "rm 99999999999999999999",  # more than SQLite's integers hold
        "done " + "9" * 5000,  # more digits than int() converts
        "+x 99999999999w",  # beyond any date
        "+x " + "9" * 5000 + "h",
        "+x 1d 99999999999999m",
    ],
    ids=lambda text: text if len(text) < 30 else f"{text[:12]}...({len(text)} chars)",
)
def test_numbers_too_odd_or_too_large_are_refused_not_crashes(text: str) -> None:
    assert refusal(text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("+Fix bug 2x", "'2x' is not a deadline"),
        ("+Fix bug -1h", "'-1h' is not a deadline"),
        ("+Fix bug 2026-13-40", "'2026-13-40' is not a valid date"),
        ("+Fix bug 2026-02-30T10:00", "'2026-02-30T10:00' is not a valid date"),
        ("+Fix bug 25:00", "'25:00' is not a valid date or time"),
        ("+Fix bug 2020-01-15", "'2020-01-15' is in the past"),
        ("+Fix bug 1d 4h 30m", "'1d 4h 30m': at most two deadlines"),
        ("+Fix bug 1h 2h", "the virtual deadline '2h' is later than the real one '1h'"),
        ("+Fix bug 0m", "'0m': a deadline must be in the future"),
        ("+Fix bug 1h1h", "'1h1h': the unit 'h' appears twice"),
        ("+", "a todo needs a title"),
        ("+ 2h", "a todo needs a title"),
        ('+"  " 2h', "a todo needs a title"),
        ('+"Fix bug 2h', 'the title\'s opening " has no closing "'),
        ("+'Fix bug 2h", "the title's opening ' has no closing '"),
        ('+"Fix bug" 2h 1h 30m', "'2h 1h 30m': at most two deadlines"),
        ('+"Fix bug" soon', "'soon' is not a deadline"),
        ("done", "'done' needs a todo number"),
        ("rm x", "'x' is not a todo number"),
        ("done 0", "'0' is not a todo number"),
        ("✓-1", "'-1' is not a todo number"),
        ("frobnicate 3", "'frobnicate' is not a todo command"),
        ("all 3", "'all' is not a todo command"),
    ],
)
def test_refusals_name_the_bad_token(text: str, names: str) -> None:
    assert names in refusal(text)


def test_an_unquoted_bad_deadline_suggests_quoting_the_title() -> None:
    message = refusal("+Fix bug 2x")
    assert message.endswith('quote the title: t +"Fix bug 2x"')


# Garbage through the real CLI: refused with exit 2, nothing saved

cli_words = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
)
cli_garbage = st.one_of(
    st.lists(cli_words, min_size=1, max_size=4),
    st.builds(
        lambda title, bad: [f"+{title}", bad],
        title_words,
        st.from_regex(r"\A(?:[0-9]{1,3}[a-z]|-[0-9]h|20[0-9]{2}-1[3-9]-[0-9]{2}|99:99)\Z"),
    ),
    st.builds(lambda word, n: [word, n], st.sampled_from(["done", "rm", "✓", "✗"]), cli_words),
)


def grammar_error(words: list[str]) -> str | None:
    """The grammar's refusal of `aio t WORDS` (as the CLI sees them), or None if accepted."""
    words = [w for w in words if w not in ("--json", "--all", "-a")]
    try:
        parse_todo_command(" ".join(words), datetime.now())
    except TodoGrammarError as exc:
        return str(exc)
    return None


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=cli_garbage)
def test_cli_refuses_garbage_and_saves_nothing(todo_home: TodoHome, words: list[str]) -> None:
    """One home for every example: the seed row is all the database ever holds."""
    expected = grammar_error(words)
    assume(expected is not None and words[0] not in ("-h", "--help"))
    if not todo_home.rows():
        todo_home.ok("t", "+Seed", "1h")
    before = todo_home.rows()
    # The refusal is made printable (issue 10): control characters arrive escaped.
    assert todo_home.refused("t", *words) == f"aio t: {printable(expected)}\n"
    assert todo_home.rows() == before


def test_cli_refusals_name_the_bad_token(todo_home: TodoHome) -> None:
    past = (date.today() - timedelta(days=2)).isoformat()
    for args, names in [
        (["+Fix", "bug", "2x"], "'2x'"),
        (["+Fix", "bug", "-1h"], "'-1h'"),
        (["+Fix", "bug", "2026-13-40"], "'2026-13-40'"),
        (["+Fix", "bug", past], f"'{past}' is in the past"),
        (["+Fix", "bug", "3d", "2d", "1d"], "'3d 2d 1d'"),
        (["+Fix", "bug", "1h", "2h"], "'2h' is later"),
        (["+"], "needs a title"),
        (['+"Fix bug 2h'], 'no closing "'),
        (["+Read chapter 2", "soon"], "'soon' is not a deadline"),  # a shell-quoted title
        (["done", "99999999999999999999"], "is not a todo number"),  # was a traceback
        (["+Fix", "99999999999w"], "'99999999999w' is too far in the future"),
    ]:
        assert names in todo_home.refused("t", *args)
    assert todo_home.rows() == []
    assert not todo_home.database.exists(), "a refused command must not even create the database"
