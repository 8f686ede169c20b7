"""The command palette's entries: every action of every screen, and moving between screens.

Each entry's help line starts with its key (as bound now, so a `[keymap]` shows) and says in
words what the action does; the titles use the command bar's names ("Clear" is `c`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand
from textual.screen import Screen

from aio.screens.claude import ClaudeScreen
from aio.screens.clis import ClisScreen
from aio.screens.dashboard import Dashboard
from aio.screens.jobs import JobsScreen
from aio.screens.key_names import key_for
from aio.screens.registry import SCREENS
from aio.screens.todos import TodosScreen
from aio.screens.worklets import WorkletsScreen
from aio.widgets.command_bar import CommandBar

# Per screen class: (title, action on the screen, what it does).
ENTRIES: dict[type, tuple[tuple[str, str, str], ...]] = {
    JobsScreen: (
        ("Attach to the selected job", "attach", "this terminal becomes the job's; ctrl+] back"),
        ("Run a task", "menu", "pick from the task menu; variables are asked for"),
        ("Kill the selected job", "kill", "stops its process, after asking; the log stays"),
        (
            "Clear (remove) the selected job",
            "remove",
            "after asking, removes its record, log and folder",
        ),
        ("Open the selected job's log", "log", "its whole log, searchable, following the end"),
        ("Type into the selected job", "type", "keys go to the preview; ctrl+] gives them back"),
        ("Open the selected job in a browser", "web", "a one-time link to its live terminal"),
    ),
    TodosScreen: (
        ("Add a todo", "add", "a title, a deadline and a reminder time"),
        ("Complete the selected todo", "complete", "marks it done, or reopens a done one"),
        ("Delete the selected todo", "delete", "deletes it; it cannot be brought back"),
        ("Edit the selected todo", "edit", "change its title and deadlines"),
        (
            "Show or hide completed todos",
            "toggle_completed",
            "done todos in the list, or not",
        ),
    ),
    ClisScreen: (
        ("Run the selected CLI as a job", "run", "asks for its arguments, then runs it"),
        ("Doctor the selected CLI", "doctor", "checks it, running its build step"),
        ("Uninstall the selected CLI", "uninstall", "removes its registration from aio"),
    ),
    ClaudeScreen: (
        ("New Claude session", "new", "pick a folder, a worktree, the mode and a prompt"),
        ("Attach to the selected Claude session", "attach", "this terminal becomes its TUI"),
        ("Resume the selected Claude session", "resume", "continues it in a new job"),
        ("Stop the selected Claude session", "stop", "ends its job, after asking"),
        (
            "Send a follow-up to the selected Claude session",
            "send",
            "its next message, typed here",
        ),
        (
            "Remove the selected Claude session",
            "remove",
            "forgets it; asks whether to keep its worktree",
        ),
        ("Show the selected Claude session's git diff", "diff", "what changed in its worktree"),
        (
            "Show or hide every Claude session on disk",
            "toggle_all",
            "also those started outside aio",
        ),
    ),
    WorkletsScreen: (
        ("Add a worklet", "new", "from a git URL or a local folder"),
        ("Attach to the selected worklet's job", "attach", "its server, or its build"),
        ("Start the selected worklet", "start", "builds it if needed, then runs it"),
        ("Stop the selected worklet", "stop", "stops its server, after asking"),
        ("Restart the selected worklet", "restart", "stops it, then starts it"),
        ("Pull the selected worklet", "pull", "fetches its repository, rebuilds, restarts"),
        ("Prompt Claude in the selected worklet", "prompt", "a Claude session in its clone"),
        ("Propose the selected worklet's changes", "propose", "a branch, a push and a PR"),
        ("Open the selected worklet's URL", "open", "shows its address and copies it"),
        ("Open the selected worklet's log", "log", "its job's whole log"),
        ("Remove the selected worklet", "remove", "after asking; its data kept unless asked"),
        ("Show the selected worklet's store", "toggle_store", "its keys and values"),
    ),
}


def _focus_command_bar(screen: Screen) -> None:
    bars = screen.query(CommandBar)
    if bars:
        bars.first().focus_input()


def _help(key: str, words: str) -> str:
    return f"{key} · {words}" if key else words


def palette_commands(app: Dashboard, screen: Screen) -> Iterable[SystemCommand]:
    """Entries for the palette on `screen`."""
    for entry in SCREENS:
        key = key_for(app, f"switch_mode('{entry.mode}')")
        yield SystemCommand(
            f"Go to {entry.title}",
            _help(key, f"the {entry.title} screen"),
            partial(app.switch_mode, entry.mode),
        )
    yield SystemCommand(
        "Command bar",
        _help(":", "type a command at the ❯ prompt"),
        partial(_focus_command_bar, screen),
    )
    yield SystemCommand(
        "Keys of this screen", _help("?", "every key, and the bar's grammar"), app.action_help
    )
    for kind, entries in ENTRIES.items():
        if isinstance(screen, kind):
            for title, action, words in entries:
                yield SystemCommand(
                    title,
                    _help(key_for(screen, action), words),
                    getattr(screen, f"action_{action}"),
                )
