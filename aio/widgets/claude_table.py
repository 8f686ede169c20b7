"""ClaudeTable: Claude sessions (number, status, cwd, branch, title, updated), kept by key."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable

from aio.todos.model import relative_time

STATUS_STYLES = {
    "queued": "dim",
    "starting": "yellow",
    "working": "bold cyan",
    "waiting": "bold black on yellow",  # it needs the user: it must stand out
    "idle": "green",
    "ended": "dim",
    "failed": "bold red",
}

COLUMNS = (
    ("#", "id"),
    ("Status", "status"),
    ("Cwd", "cwd"),
    ("Branch", "branch"),
    ("Title", "title"),
    ("Updated", "updated"),
)


def session_key(session: dict) -> str:
    """A row's key: aio's number, or Claude's session id for one aio never ran."""
    if session.get("id") is not None:
        return str(session["id"])
    return f"ext:{session['session_id']}"


def short_path(path: str) -> str:
    home = os.path.expanduser("~")
    if path == home or path.startswith(home + os.sep):
        return "~" + path[len(home) :]
    return path


class ClaudeTable(DataTable):
    """A DataTable keyed by session; rows change one by one from core events."""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock
        self.sessions: dict[str, dict] = {}

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def cells(self, session: dict) -> list:
        status = session["status"]
        external = session.get("source") == "external"
        number = "ext" if external else str(session["id"])
        return [
            Text(number, justify="right", style="italic dim" if external else ""),
            Text(status, style=STATUS_STYLES.get(status, "")),
            short_path(session.get("cwd") or "?"),
            self._branch(session),
            (session.get("title") or "-")[:60],
            relative_time(session.get("updated_at"), self.clock()),
        ]

    @staticmethod
    def _branch(session: dict) -> Text:
        """The branch; a worktree with uncommitted changes is marked `*` (git's prompt mark)."""
        branch = Text(session.get("branch") or "-")
        if session.get("dirty"):
            branch.append(" *", style="bold yellow")
        return branch

    def remove(self, key: str) -> None:
        """Drop a session's row (aio removed the session)."""
        if self.sessions.pop(key, None) is not None:
            self.remove_row(key)

    def load(self, sessions: list[dict]) -> None:
        """Replace every row, keeping the cursor on the same session."""
        selected = self.selected_key
        self.clear()
        self.sessions = {}
        for session in sessions:
            key = session_key(session)
            self.sessions[key] = session
            self.add_row(*self.cells(session), key=key)
        if selected in self.sessions:
            self.move_cursor(row=self.get_row_index(selected))
        elif self.sessions:
            self.move_cursor(row=0)

    def upsert(self, session: dict) -> None:
        """Update a session's row, or add it; the cursor stays on the session it was on."""
        key = session_key(session)
        if key in self.sessions:
            self.sessions[key] = session
            for (_, column), value in zip(COLUMNS, self.cells(session), strict=True):
                self.update_cell(key, column, value, update_width=True)
            return
        selected = self.selected_key
        # A session aio adopted replaces its external row.
        external = f"ext:{session['session_id']}"
        if external in self.sessions:
            del self.sessions[external]
            self.remove_row(external)
        self.sessions[key] = session
        self.add_row(*self.cells(session), key=key)
        if selected in self.sessions:
            self.move_cursor(row=self.get_row_index(selected))

    def tick(self) -> None:
        """Refresh the Updated column ("12s ago"), called once a second while rows exist."""
        now = self.clock()
        for key, session in self.sessions.items():
            self.update_cell(key, "updated", relative_time(session.get("updated_at"), now))

    @property
    def selected_key(self) -> str | None:
        if not self.sessions or self.cursor_row is None or self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except Exception:
            return None

    @property
    def selected_session(self) -> dict | None:
        key = self.selected_key
        return self.sessions.get(key) if key is not None else None
