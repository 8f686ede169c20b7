"""The command bar's grammar (aio/widgets/command_grammar.py): a pure parser, no Textual."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aio.widgets.command_grammar import (
    HELP,
    Attach,
    ClaudeNew,
    Clear,
    Command,
    Empty,
    Invalid,
    Kill,
    Menu,
    Quit,
    Run,
    ShowLog,
    parse_command,
)

COMMANDS = get_args(Command)  # every kind of command the grammar knows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a 1", Attach("1")),
        ("a build", Attach("build")),
        ("r build.json", Run("build.json")),
        ("r ~/tasks/deploy.json", Run("~/tasks/deploy.json")),
        ("c 2", Clear("2")),
        ("k 3", Kill("3")),
        ("l 4", ShowLog("4")),
        ("m", Menu()),
        ("q", Quit()),
    ],
)
def test_every_verb(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("claude", ClaudeNew("")),
        ("claude fix the flaky test", ClaudeNew("fix the flaky test")),
        ("claude -p summarise README.md", ClaudeNew("summarise README.md", headless=True)),
        ("claude\t-p\tsay hi", ClaudeNew("say hi", headless=True)),
        ("claude -pretend", Invalid("'claude': unknown option -pretend", "claude [-p] [prompt]")),
        (
            "claude -p",
            Invalid("'claude -p' needs a prompt", "for example: claude -p summarise README.md"),
        ),
        (
            "claude -p   ",
            Invalid("'claude -p' needs a prompt", "for example: claude -p summarise README.md"),
        ),
    ],
)
def test_claude_starts_a_session_headless_with_p(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("verb", ["a", "c", "k", "l"])
def test_a_hash_job_number_is_a_job_number(verb: str) -> None:
    parsed = parse_command(f"{verb} #3")
    assert parsed == parse_command(f"{verb} 3")
    assert parsed.job == "3"


@pytest.mark.parametrize("text", ["a #", "k # ", "c\t#", "l  #  "])
def test_a_lone_hash_is_a_missing_job(text: str) -> None:
    verb = text.split()[0]
    assert parse_command(text) == Invalid(f"'{verb}' needs a job", f"for example: {verb} 1")


def test_a_hash_is_kept_in_a_task_name() -> None:
    assert parse_command("r #3") == Run("#3")


@pytest.mark.parametrize(
    ("verb", "what"), [("a", "job"), ("c", "job"), ("k", "job"), ("l", "job"), ("r", "task")]
)
def test_a_missing_argument_is_named(verb: str, what: str) -> None:
    for text in (verb, f"{verb}   ", f"  {verb}"):
        parsed = parse_command(text)
        assert isinstance(parsed, Invalid), text
        assert parsed.message == f"'{verb}' needs a {what}"
        assert parsed.hint == f"for example: {verb} 1"


@pytest.mark.parametrize("verb", ["m", "q"])
def test_an_extra_argument_to_a_bare_verb_is_refused(verb: str) -> None:
    parsed = parse_command(f"{verb} now")
    assert parsed == Invalid(f"'{verb}' takes no argument", f"type just {verb}")


@pytest.mark.parametrize("text", ["x 1", "attach 1", "kill", "A 1", "?", "❯ a 1"])
def test_an_unknown_verb_is_invalid_with_a_hint(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, Invalid)
    assert parsed.message == f"unknown command '{text.split()[0]}'"
    assert parsed.hint == HELP
    for verb in ("a <job>", "r <task>", "k <job>", "c <job>", "l <job>", "m", "q"):
        assert verb in parsed.hint


@pytest.mark.parametrize("text", ["", " ", "\t", "   \t  ", "\n"])
def test_empty_or_blank_input_is_empty(text: str) -> None:
    assert parse_command(text) == Empty()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  k 1  ", Kill("1")),
        ("k    1", Kill("1")),
        ("\tl 2\n", ShowLog("2")),
        ("r my task.json", Run("my task.json")),
        ("a  #12 ", Attach("12")),
        ("a # 12", Attach("12")),
        ("k\t7", Kill("7")),
        ("m\t", Menu()),
        (" m ", Menu()),
    ],
)
def test_surrounding_and_repeated_whitespace(text: str, expected: object) -> None:
    assert parse_command(text) == expected


# Arbitrary text, and text that starts like a command (a verb, some whitespace, anything).
COMMAND_LIKE = st.one_of(
    st.text(),
    st.builds(
        "".join,
        st.tuples(
            st.sampled_from(["", " ", "\t"]),
            st.sampled_from(list("acklrmqxw#")),
            st.sampled_from(["", " ", "  ", "\t", "\u00a0", " #", "#"]),
            st.text(),
        ),
    ),
)


@given(COMMAND_LIKE)
def test_any_string_parses_to_a_command_and_never_raises(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, COMMANDS)
    if isinstance(parsed, Invalid):
        assert parsed.message and parsed.hint
    job = getattr(parsed, "job", None)
    if job is not None:
        assert job and job == job.strip() and not job.startswith("#"), parsed
    if not text.strip():
        assert parsed == Empty()


@given(st.sampled_from("acklr"), st.text(min_size=1).filter(lambda s: s.strip()))
def test_a_verb_with_any_argument_keeps_the_argument(verb: str, argument: str) -> None:
    parsed = parse_command(f"{verb} {argument}")
    expected = argument.strip()
    if verb != "r":
        expected = expected.removeprefix("#").strip()
    if not expected:
        assert isinstance(parsed, Invalid) and "needs a job" in parsed.message
        return
    assert (parsed.task if isinstance(parsed, Run) else parsed.job) == expected
