"""The todo grammar, shared by the command bar and `aio t` (pure: no I/O, stdlib only).

    t                         list               t +Fix bug 2h          add, real deadline in 2 h
    t +Deploy feature 1d 4h   real 1d, virtual 4h (the self-imposed one, never later)
    t +"Read chapter 2" 1w    a quoted title may contain anything
    t ✓1   t done 1           complete           t ✗2   t rm 2           delete

Deadlines: 30m 2h 1d 1w, combinations like 1d4h, 2026-01-15 (the end of that day),
2026-01-15T14:00, and 14:00 (the next one). Anything else is refused, naming the bad token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

ACCEPTED_FORMS = "30m, 2h, 1d, 1w, 1d4h, 2026-01-15, 2026-01-15T14:00, 14:00"
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
_DURATION = re.compile(r"(?:\d+[wdhm])+")
_DURATION_PART = re.compile(r"(\d+)([wdhm])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{1,2}:\d{2}")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_LOOKS_LIKE_DEADLINE = re.compile(r"[-+]?\d")
MAX_TITLE = 500
_LATEST = datetime(9999, 1, 1).timestamp()  # later cannot be shown as a date in every zone


class TodoGrammarError(ValueError):
    """Input the todo grammar refuses; the message names the bad token and the accepted forms."""


@dataclass(frozen=True, slots=True)
class ListTodos:
    show_completed: bool = False


@dataclass(frozen=True, slots=True)
class AddTodo:
    title: str
    deadline: float | None = None
    virtual_deadline: float | None = None


@dataclass(frozen=True, slots=True)
class CompleteTodos:
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeleteTodos:
    ids: tuple[int, ...]


TodoCommand = ListTodos | AddTodo | CompleteTodos | DeleteTodos


def parse_deadline(token: str, now: datetime) -> float:
    """A deadline token as a timestamp after `now` (a local, naive datetime)."""
    if _DURATION.fullmatch(token):
        seen: set[str] = set()
        seconds = 0
        for amount, unit in _DURATION_PART.findall(token):
            if unit in seen:
                raise TodoGrammarError(f"'{token}': the unit '{unit}' appears twice")
            seen.add(unit)
            digits = amount.lstrip("0") or "0"
            if len(digits) > 12:  # int() refuses very long digit strings; this is far enough
                raise TodoGrammarError(f"'{token}' is too far in the future")
            seconds += int(digits) * _UNITS[unit]
        if seconds <= 0:
            raise TodoGrammarError(f"'{token}': a deadline must be in the future")
        # Elapsed time, not wall-clock time: 2h is 7200 s even across a DST change.
        when = now.timestamp() + seconds
        if when > _LATEST:
            raise TodoGrammarError(f"'{token}' is too far in the future")
        return when
    try:
        if _DATETIME.fullmatch(token):
            day, clock = token.split("T")
            hours, minutes = (int(part) for part in clock.split(":"))
            when = datetime.combine(date.fromisoformat(day), time(hours, minutes))
        elif _DATE.fullmatch(token):
            when = datetime.combine(date.fromisoformat(token), time(23, 59, 59))
        elif _CLOCK.fullmatch(token):
            hours, minutes = (int(part) for part in token.split(":"))
            when = datetime.combine(now.date(), time(hours, minutes))
            if when <= now:
                when += timedelta(days=1)
        else:
            raise TodoGrammarError(f"'{token}' is not a deadline (accepted: {ACCEPTED_FORMS})")
    except ValueError as exc:
        if isinstance(exc, TodoGrammarError):
            raise
        raise TodoGrammarError(
            f"'{token}' is not a valid date or time (accepted: {ACCEPTED_FORMS})"
        ) from None
    if when <= now:
        raise TodoGrammarError(f"'{token}' is in the past; a deadline must be in the future")
    return when.timestamp()


def _split_title(text: str) -> tuple[str, list[str]]:
    """The title (quoted or not) and the deadline tokens after it."""
    if text[:1] in ('"', "'"):
        quote = text[0]
        end = text.find(quote, 1)
        if end < 0:
            raise TodoGrammarError(f"the title's opening {quote} has no closing {quote}")
        return text[1:end], text[end + 1 :].split()
    words = text.split()
    tail: list[str] = []
    while words and _LOOKS_LIKE_DEADLINE.match(words[-1]) and len(tail) < 3:
        tail.insert(0, words.pop())
    return " ".join(words), tail


def parse_add(text: str, now: datetime) -> AddTodo:
    """`+Title [deadline [virtual]]` (the text after `+`)."""
    stripped = text.strip()
    title, tokens = _split_title(stripped)
    return build_add(title, tokens, now, quoted=stripped[:1] in ('"', "'"))


def build_add(title: str, tokens: list[str], now: datetime, quoted: bool = True) -> AddTodo:
    """A new todo from its title and its deadline tokens (real, then virtual)."""
    title = title.strip()
    if not title:
        raise TodoGrammarError("a todo needs a title: t +Fix bug 2h")
    if len(title) > MAX_TITLE:
        raise TodoGrammarError(f"the title is {len(title)} characters; at most {MAX_TITLE}")
    hint = "" if quoted else f'; to put it in the title, quote the title: t +"{title} '
    if len(tokens) > 2:
        extra = f'{hint}{" ".join(tokens)}"' if hint else ""
        raise TodoGrammarError(
            f"'{' '.join(tokens)}': at most two deadlines (real, then virtual){extra}"
        )
    try:
        deadlines = [parse_deadline(token, now) for token in tokens]
    except TodoGrammarError as exc:
        raise TodoGrammarError(f'{exc}{hint}{" ".join(tokens)}"' if hint else str(exc)) from None
    real = deadlines[0] if deadlines else None
    virtual = deadlines[1] if len(deadlines) > 1 else None
    if real is not None and virtual is not None and virtual > real:
        raise TodoGrammarError(
            f"the virtual deadline '{tokens[1]}' is later than the real one '{tokens[0]}'; "
            "the virtual (self-imposed) deadline must not be later"
        )
    return AddTodo(title, real, virtual)


def _ids(words: list[str], verb: str) -> tuple[int, ...]:
    if not words:
        raise TodoGrammarError(f"'{verb}' needs a todo number: t {verb} 1")
    ids = []
    for word in words:
        if not (word.isascii() and word.isdigit()) or len(word) > 18 or int(word) == 0:
            raise TodoGrammarError(f"'{word}' is not a todo number (expected 1, 2, ...)")
        ids.append(int(word))
    return tuple(ids)


def parse_todo_command(text: str, now: datetime | None = None) -> TodoCommand:
    """Parse what follows `t` (an empty string lists)."""
    now = now or datetime.now()
    stripped = text.strip()
    if not stripped:
        return ListTodos()
    if stripped.startswith("+"):
        return parse_add(stripped[1:], now)
    for mark, kind in (("✓", CompleteTodos), ("✗", DeleteTodos)):
        if stripped.startswith(mark):
            return kind(_ids(stripped[1:].replace(",", " ").split(), mark))
    verb, *rest = stripped.split()
    if verb in ("done", "do", "complete"):
        return CompleteTodos(_ids(rest, verb))
    if verb in ("rm", "del", "delete"):
        return DeleteTodos(_ids(rest, verb))
    if verb in ("all", "-a", "--all") and not rest:
        return ListTodos(show_completed=True)
    raise TodoGrammarError(
        f"'{verb}' is not a todo command (t +Title 2h · t done N · t rm N · t ✓N · t ✗N · t)"
    )
