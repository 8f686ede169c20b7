"""The command bar's grammar (the seed's): a pure parser, no I/O, no Textual.

a <#|name>   attach to a job          r <task>   run a task (file or menu name)
c <job>      clear (remove) a job     k <job>    kill a job
l <job>      open a job's full log    w <job>    open a job in the browser
t ...        todos (t +Fix bug 2h, t ✓1, t rm 2; see aio.todos.grammar)
claude [-p] [prompt]  a new Claude session here (-p: headless)
m            the task menu            q          quit
"""

from __future__ import annotations

from dataclasses import dataclass

HELP = (
    "a <job> attach · r <task> run · k <job> kill · c <job> clear · l <job> log · "
    "w <job> browser · t +todo 2h · claude [-p] [prompt] · m menu · q quit"
)
# The grammar as the `?` screen shows it: (what to type, what it does).
GRAMMAR = (
    ("a <job>", "attach to a job (its number, #number or name); selects it too"),
    ("r <task>", "run a task: a menu task's name or a task file's path"),
    ("k <job>", "kill a running job; selects it too"),
    ("c <job>", "clear (remove) a finished job: its record, log and folder"),
    ("l <job>", "open a job's full log; selects it too"),
    ("w <job>", "open a job in the browser; selects it too"),
    ("t +Fix bug 2h", "add a todo (t ✓1 completes, t ✗1 reopens, t rm 1 deletes, t lists)"),
    ("claude [-p] [prompt]", "a new Claude session in this folder (-p: headless)"),
    ("m", "the task menu"),
    ("q", "quit the dashboard"),
)
VERBS = ("a", "r", "k", "c", "l", "w", "t", "claude", "m", "q")
JOB_VERBS = ("a", "k", "c", "l", "w")


@dataclass(frozen=True, slots=True)
class Attach:
    job: str


@dataclass(frozen=True, slots=True)
class Run:
    task: str


@dataclass(frozen=True, slots=True)
class Clear:
    job: str


@dataclass(frozen=True, slots=True)
class Kill:
    job: str


@dataclass(frozen=True, slots=True)
class ShowLog:
    job: str


@dataclass(frozen=True, slots=True)
class OpenWeb:
    job: str


@dataclass(frozen=True, slots=True)
class Todo:
    """`t ...`: the rest of the line, for the todo grammar."""

    text: str


@dataclass(frozen=True, slots=True)
class ClaudeNew:
    """`claude [-p] [prompt]`: a new Claude session in the dashboard's folder."""

    prompt: str
    headless: bool = False


@dataclass(frozen=True, slots=True)
class Menu:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class Invalid:
    """Input the grammar does not accept: `message` says why, `hint` what would work."""

    message: str
    hint: str = HELP


Command = (
    Attach | Run | Clear | Kill | ShowLog | OpenWeb | Todo | ClaudeNew | Menu | Quit | Empty
) | Invalid

_WITH_ARGUMENT = {
    "a": (Attach, "job"),
    "r": (Run, "task"),
    "c": (Clear, "job"),
    "k": (Kill, "job"),
    "l": (ShowLog, "job"),
    "w": (OpenWeb, "job"),
}
_BARE = {"m": Menu, "q": Quit}


def parse_command(text: str) -> Command:
    """Parse one line of the command bar; never raises."""
    stripped = text.strip()
    if not stripped:
        return Empty()
    if stripped == "t" or stripped[:2] in ("t ", "t+", "t✓", "t✗", "t\t"):
        return Todo(stripped[1:].strip())
    verb, *rest = stripped.split(maxsplit=1)  # any whitespace separates the verb
    argument = rest[0] if rest else ""
    if verb == "claude":
        return _claude(argument)
    if verb in _BARE:
        if argument:
            return Invalid(f"'{verb}' takes no argument", f"type just {verb}")
        return _BARE[verb]()
    if verb in _WITH_ARGUMENT:
        kind, what = _WITH_ARGUMENT[verb]
        if what == "job":
            argument = argument.removeprefix("#").strip()  # "#3" is job 3; "#" alone is none
        if not argument:
            return Invalid(f"'{verb}' needs a {what}", f"for example: {verb} 1")
        return kind(argument)
    return Invalid(f"unknown command '{verb}'")


def _claude(argument: str) -> Command:
    headless = argument == "-p" or argument.startswith(("-p ", "-p\t"))
    prompt = argument[2:].strip() if headless else argument
    if headless and not prompt:
        return Invalid("'claude -p' needs a prompt", "for example: claude -p summarise README.md")
    if prompt.startswith("-"):
        return Invalid(f"'claude': unknown option {prompt.split()[0]}", "claude [-p] [prompt]")
    return ClaudeNew(prompt, headless)
