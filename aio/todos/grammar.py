"""The todo grammar, shared by the command bar and `aio t` (pure: no I/O, stdlib only).

    t                         list               t +Fix bug 2h          add, real deadline in 2 h
    t +Deploy feature 1d 4h   real 1d, virtual 4h (the self-imposed one, never later)
    t +"Read chapter 2" 1w    a quoted title may contain anything
    t ✓1   t done 1           complete           t ✗2   t rm 2           delete

Deadlines: 30m 2h 1d 1w, combinations like 1d4h, 2026-01-15 (the end of that day),
2026-01-15T14:00, and 14:00 (the next one). Anything else is refused, naming the bad token.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

ACCEPTED_FORMS = "30m, 2h, 1d, 1w, 1d4h, 2026-01-15, 2026-01-15T14:00, 14:00"
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
MAX_TITLE = 500
# Later cannot be shown as a date in every zone.
LATEST_DEADLINE = datetime(9999, 1, 1).timestamp()


class TodoGrammarError(ValueError):
    """Input the todo grammar refuses; the message names the bad token and the accepted forms."""


class _Command:
    """An immutable value with `__slots__` fields, compared by type and fields. Not a
    dataclass: `dataclasses` imports `inspect`, which costs `aio t +...` about a Python start."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()  # in the constructor's order
    _defaults: dict = {}

    def __init__(self, *args, **kwargs) -> None:
        names = self._fields
        values = dict(zip(names, args, strict=False))
        unknown = set(kwargs) - set(names)
        if len(args) > len(names) or unknown or set(values) & set(kwargs):
            raise TypeError(f"{type(self).__name__}: bad arguments {args!r} {kwargs!r}")
        values.update(kwargs)
        defaults = self._defaults
        for name in names:
            if name not in values and name not in defaults:
                raise TypeError(f"{type(self).__name__}: missing '{name}'")
            object.__setattr__(self, name, values.get(name, defaults.get(name)))

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__name__}({fields})"


class ListTodos(_Command):
    """List the todos (`show_completed`: the completed ones too)."""

    _fields = ("show_completed",)
    __slots__ = _fields
    _defaults = {"show_completed": False}
    show_completed: bool


class AddTodo(_Command):
    """Add a todo with optional real and virtual deadlines (timestamps)."""

    _fields = ("title", "deadline", "virtual_deadline")
    __slots__ = _fields
    _defaults = {"deadline": None, "virtual_deadline": None}
    title: str
    deadline: float | None
    virtual_deadline: float | None


class CompleteTodos(_Command):
    """Mark the todos `ids` done."""

    _fields = ("ids",)
    __slots__ = _fields
    ids: tuple[int, ...]


class DeleteTodos(_Command):
    """Delete the todos `ids` for good."""

    _fields = ("ids",)
    __slots__ = _fields
    ids: tuple[int, ...]


TodoCommand = ListTodos | AddTodo | CompleteTodos | DeleteTodos


# The token shapes are read by hand, not with `re`: importing it costs `aio t +...` about a
# third of a Python start. A digit is what `\d` matches (str.isdecimal: any script's digits).


def _digits(text: str, least: int, most: int) -> bool:
    return least <= len(text) <= most and text.isdecimal()


def _duration_parts(token: str) -> list[tuple[str, str]] | None:
    r"""`1d4h` as [("1", "d"), ("4", "h")]; None unless the whole token is amount-unit pairs
    (`(?:\d+[wdhm])+`)."""
    parts: list[tuple[str, str]] = []
    start = 0
    for at, char in enumerate(token):
        if char.isdecimal():
            continue
        if char not in _UNITS or at == start:
            return None
        parts.append((token[start:at], char))
        start = at + 1
    return parts if parts and start == len(token) else None


def _is_date(token: str) -> bool:
    r"""`\d{4}-\d{2}-\d{2}`"""
    year, dash1, month, dash2, day = token[:4], token[4:5], token[5:7], token[7:8], token[8:]
    return (
        dash1 == dash2 == "-"
        and _digits(year, 4, 4)
        and _digits(month, 2, 2)
        and _digits(day, 2, 2)
    )


def _is_clock(token: str) -> bool:
    r"""`\d{1,2}:\d{2}`"""
    hours, colon, minutes = token.partition(":")
    return colon == ":" and _digits(hours, 1, 2) and _digits(minutes, 2, 2)


def _is_datetime(token: str) -> bool:
    r"""`\d{4}-\d{2}-\d{2}T\d{1,2}:\d{2}`"""
    day, t, clock = token.partition("T")
    return t == "T" and _is_date(day) and _is_clock(clock)


def _looks_like_deadline(word: str) -> bool:
    r"""`[-+]?\d` at the start: a word meant as a deadline (checked, so a typo is named)."""
    return word[word[:1] in "-+" :][:1].isdecimal()


def parse_deadline(token: str, now: datetime) -> float:
    """A deadline token as a timestamp after `now` (a local, naive datetime)."""
    parts = _duration_parts(token)
    if parts is not None:
        seen: set[str] = set()
        seconds = 0
        for amount, unit in parts:
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
        if when > LATEST_DEADLINE:
            raise TodoGrammarError(f"'{token}' is too far in the future")
        return when
    try:
        if _is_datetime(token):
            day, clock = token.split("T")
            hours, minutes = (int(part) for part in clock.split(":"))
            when = datetime.combine(date.fromisoformat(day), time(hours, minutes))
        elif _is_date(token):
            when = datetime.combine(date.fromisoformat(token), time(23, 59, 59))
        elif _is_clock(token):
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
    while words and _looks_like_deadline(words[-1]) and len(tail) < 3:
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
    if len(tokens) > 2:
        hint = "" if quoted else _quote_hint(title, tokens, now)
        raise TodoGrammarError(
            f"'{' '.join(tokens)}': at most two deadlines (real, then virtual){hint}"
        )
    try:
        deadlines = [parse_deadline(token, now) for token in tokens]
    except TodoGrammarError as exc:
        hint = "" if quoted else _quote_hint(title, tokens, now)
        raise TodoGrammarError(f"{exc}{hint}") from None
    real = deadlines[0] if deadlines else None
    virtual = deadlines[1] if len(deadlines) > 1 else None
    if real is not None and virtual is not None and virtual > real:
        raise TodoGrammarError(
            f"the virtual deadline '{tokens[1]}' is later than the real one '{tokens[0]}'; "
            "the virtual (self-imposed) deadline must not be later"
        )
    return AddTodo(title, real, virtual)


def _valid_deadlines(tokens: list[str], now: datetime) -> bool:
    """Whether `tokens` are at most a real and a virtual deadline, in that order."""
    if len(tokens) > 2:
        return False
    try:
        times = [parse_deadline(token, now) for token in tokens]
    except TodoGrammarError:
        return False
    return len(times) < 2 or times[1] <= times[0]


def _quote_hint(title: str, tokens: list[str], now: datetime) -> str:
    """The command that keeps the refused words in a quoted title: only those words, so the
    deadlines after them stay deadlines, and in a quote the title does not hold ("" if it
    holds both kinds)."""
    for moved in range(1, len(tokens) + 1):
        kept = tokens[moved:]
        if _valid_deadlines(kept, now):
            break
    text = " ".join([title, *tokens[:moved]])
    quote = next((q for q in ('"', "'") if q not in text), None)
    if quote is None:
        return ""
    after = "".join(f" {token}" for token in kept)
    return f"; to put it in the title, quote the title: t +{quote}{text}{quote}{after}"


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
