"""The dashboard's screens, in one table: their mode names, keys, titles and where their class
lives. The app's modes and screen keys, the palette's "Go to" entries and the footer's order
are built from it, so a new screen is one more row here.

Screens are imported when first shown, not when the dashboard starts: the first frame pays
only for the screen it shows.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One screen: `mode` (also `aio --screen NAME`), `keys` that show it (comma-separated),
    its `title`, `module`:`cls` that builds it, and the command-bar grammar its users reach
    for first (the bar's placeholder, unless the screen sets `command_placeholder` itself)."""

    mode: str
    keys: str
    title: str
    module: str
    cls: str
    placeholder: str = ""

    @property
    def binding_id(self) -> str:
        return f"app.{self.mode}"

    def screen_class(self) -> type:
        """The screen's class (imports its module)."""
        return getattr(importlib.import_module(self.module), self.cls)

    def build(self):
        """A new screen of this kind (what Textual's MODES calls)."""
        from textual._context import active_app

        screen = self.screen_class()()
        # A new screen gets the current stylesheet when it mounts; without this Textual would
        # also parse the whole stylesheet again for it (a full parse: ~25 ms of the first frame).
        screen._css_update_count = active_app.get()._css_update_count
        if self.placeholder and not getattr(screen, "command_placeholder", None):
            screen.command_placeholder = self.placeholder
        return screen


JOBS_GRAMMAR = "a 1 attach · r task · k 1 kill · c 1 clear · l 1 log · w 1 web · t +todo 2h · m · q"
TODOS_GRAMMAR = "t +Fix bug 2h · t ✓1 done · t ✗1 reopen · t rm 1 · t (list) · a 1 · m · q"
CLAUDE_GRAMMAR = "claude prompt · claude -p prompt (headless) · a 1 · t +todo 2h · m · q"
OTHER_GRAMMAR = "a 1 attach · l 1 log · k 1 kill · r task · t +todo 2h · claude prompt · m · q"

SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("jobs", "1", "Jobs", "aio.screens.jobs", "JobsScreen", JOBS_GRAMMAR),
    ScreenEntry("todos", "2,t", "Todos", "aio.screens.todos", "TodosScreen", TODOS_GRAMMAR),
    ScreenEntry("clis", "3", "CLIs", "aio.screens.clis", "ClisScreen", OTHER_GRAMMAR),
    ScreenEntry("claude", "4", "Claude", "aio.screens.claude", "ClaudeScreen", CLAUDE_GRAMMAR),
    ScreenEntry(
        "worklets", "5", "Worklets", "aio.screens.worklets", "WorkletsScreen", OTHER_GRAMMAR
    ),
    ScreenEntry("flows", "6", "Flows", "aio.screens.flows", "FlowsScreen", OTHER_GRAMMAR),
)


def screen_entry(mode: str) -> ScreenEntry | None:
    """The entry of a mode, or None."""
    return next((entry for entry in SCREENS if entry.mode == mode), None)
