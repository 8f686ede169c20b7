"""The command palette's entries: every action of every screen, and moving between screens."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import SystemCommand
from textual.screen import Screen

from aio.screens.claude import ClaudeScreen
from aio.screens.clis import ClisScreen
from aio.screens.dashboard import Dashboard
from aio.screens.jobs import JobsScreen
from aio.screens.todos import TodosScreen
from aio.screens.worklets import WorkletsScreen
from aio.widgets.command_bar import CommandBar

MODES = (
    ("jobs", "Jobs"),
    ("todos", "Todos"),
    ("clis", "CLIs"),
    ("claude", "Claude"),
    ("worklets", "Worklets"),
)


def _focus_command_bar(screen: Screen) -> None:
    bars = screen.query(CommandBar)
    if bars:
        bars.first().focus_input()


def palette_commands(app: Dashboard, screen: Screen) -> Iterable[SystemCommand]:
    """Entries for the palette on `screen`."""
    for mode, title in MODES:
        yield SystemCommand(f"Go to {title}", f"The {title} screen", partial(app.switch_mode, mode))
    yield SystemCommand("Command bar", "Focus the ❯ prompt", partial(_focus_command_bar, screen))
    if isinstance(screen, JobsScreen):
        yield SystemCommand("Attach to the selected job", "Raw attach", screen.action_attach)
        yield SystemCommand("Run a task", "Open the task menu", app.action_menu)
        yield SystemCommand("Kill the selected job", "Stop it", screen.action_kill)
        yield SystemCommand("Remove the selected job", "Folder too", screen.action_remove)
        yield SystemCommand("Open the selected job's log", "Full log", screen.action_log)
        yield SystemCommand("Type into the selected job", "Focus preview", screen.action_type)
        yield SystemCommand("Open the selected job in a browser", "Web", screen.action_web)
    elif isinstance(screen, TodosScreen):
        yield SystemCommand("Add a todo", "Title and deadlines", screen.action_add)
        yield SystemCommand("Complete the selected todo", "Or reopen", screen.action_complete)
        yield SystemCommand("Delete the selected todo", "For good", screen.action_delete)
        yield SystemCommand("Edit the selected todo", "Title and deadlines", screen.action_edit)
        yield SystemCommand(
            "Show or hide completed todos", "Toggle", screen.action_toggle_completed
        )
    elif isinstance(screen, ClisScreen):
        yield SystemCommand(
            "Run the selected CLI as a job", "Asks for arguments", screen.action_run
        )
        yield SystemCommand("Doctor the selected CLI", "With its build step", screen.action_doctor)
        yield SystemCommand(
            "Uninstall the selected CLI", "Its registration", screen.action_uninstall
        )
    elif isinstance(screen, ClaudeScreen):
        yield SystemCommand(
            "New Claude session", "Folder, worktree, mode, prompt", screen.action_new
        )
        yield SystemCommand(
            "Attach to the selected Claude session", "Its job", screen.action_attach
        )
        yield SystemCommand("Resume the selected Claude session", "A new job", screen.action_resume)
        yield SystemCommand("Stop the selected Claude session", "Asks first", screen.action_stop)
        yield SystemCommand(
            "Send a follow-up to the selected Claude session",
            "Its next message",
            screen.action_send,
        )
        yield SystemCommand(
            "Remove the selected Claude session",
            "Keep or remove its worktree",
            screen.action_remove,
        )
        yield SystemCommand(
            "Show the selected Claude session's git diff", "Worktree changes", screen.action_diff
        )
        yield SystemCommand(
            "Show or hide every Claude session on disk", "Toggle", screen.action_toggle_all
        )
    elif isinstance(screen, WorkletsScreen):
        yield from _worklet_commands(screen)


def _worklet_commands(screen: WorkletsScreen) -> Iterable[SystemCommand]:
    entries = (
        ("Add a worklet", "From a git URL or a folder", screen.action_new),
        ("Attach to the selected worklet's job", "Its server or build", screen.action_attach),
        ("Start the selected worklet", "Build if needed, then run", screen.action_start),
        ("Stop the selected worklet", "Asks first", screen.action_stop),
        ("Restart the selected worklet", "Stop, then start", screen.action_restart),
        ("Pull the selected worklet", "Fetch, rebuild, restart", screen.action_pull),
        ("Prompt Claude in the selected worklet", "A session in its clone", screen.action_prompt),
        ("Propose the selected worklet's changes", "Branch, push, PR", screen.action_propose),
        ("Open the selected worklet's URL", "Copies it", screen.action_open),
        ("Open the selected worklet's log", "Full log", screen.action_log),
        ("Remove the selected worklet", "Asks; data kept unless asked", screen.action_remove),
        ("Show the selected worklet's store", "Keys and values", screen.action_toggle_store),
    )
    for title, help_text, action in entries:
        yield SystemCommand(title, help_text, action)
