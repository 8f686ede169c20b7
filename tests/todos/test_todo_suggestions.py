"""The command a refusal suggests for an unquoted title: it quotes only the words that were not
deadlines (the deadlines after them stay deadlines), in a quote the title does not hold, and run
as suggested it adds the todo that was meant."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import datetime

import pytest
from todo_harness import local_zone

from aio.todos.grammar import AddTodo, TodoGrammarError, parse_todo_command

NOW = datetime(2026, 1, 6, 9, 30, 15)
NOW_UTC = calendar.timegm(NOW.timetuple())
MARK = "quote the title: t "


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    with local_zone("UTC"):
        yield


def suggestion(text: str) -> str | None:
    """What the refusal of `t TEXT` suggests typing instead (after `t `), or None."""
    with pytest.raises(TodoGrammarError) as refused:
        parse_todo_command(text, NOW)
    message = str(refused.value)
    return message.split(MARK, 1)[1] if MARK in message else None


@pytest.mark.parametrize(
    ("typed", "suggested", "meant"),
    [
        ("+Fix bug 2x", '+"Fix bug 2x"', AddTodo("Fix bug 2x")),
        # The deadline after the refused word stays a deadline.
        ("+Read chapter 2 1d", '+"Read chapter 2" 1d', AddTodo("Read chapter 2", NOW_UTC + 86_400)),
        (
            "+Fix bug 1 2 3h",
            '+"Fix bug 1 2" 3h',
            AddTodo("Fix bug 1 2", NOW_UTC + 3 * 3600),
        ),
        # A title with double quotes is put in single ones, not nested.
        ('+Say "hi" 2x', "+'Say \"hi\" 2x'", AddTodo('Say "hi" 2x')),
        (
            '+Ask about "v2" 2 1h',
            "+'Ask about \"v2\" 2' 1h",
            AddTodo('Ask about "v2" 2', NOW_UTC + 3600),
        ),
        ("+Don't 2x", '+"Don\'t 2x"', AddTodo("Don't 2x")),
    ],
)
def test_the_suggestion_adds_what_was_meant(typed: str, suggested: str, meant: AddTodo) -> None:
    assert suggestion(typed) == suggested
    assert parse_todo_command(suggested, NOW) == meant


def test_no_suggestion_when_the_title_holds_both_quotes() -> None:
    assert suggestion('+It\'s "x" 2x') is None


def test_a_quoted_title_gets_no_suggestion() -> None:
    assert suggestion('+"Fix bug" soon') is None
