"""ClaudeTable: Claude sessions (number, status, cwd, branch, title, updated), kept by key."""

from __future__ import annotations

import os

from rich.text import Text

from aio.text.printable import printable
from aio.todos.model import relative_time
from aio.widgets.keyed_table import KeyedTable

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


class ClaudeTable(KeyedTable):
    """Sessions keyed by aio number (external ones by Claude's id)."""

    COLUMNS = COLUMNS

    def key_of(self, record: dict) -> str:
        return session_key(record)

    def cells(self, session: dict) -> list:
        status = session["status"]
        external = session.get("source") == "external"
        number = "ext" if external else str(session["id"])
        return [
            Text(number, justify="right", style="italic dim" if external else ""),
            Text(status, style=STATUS_STYLES.get(status, "")),
            printable(short_path(session.get("cwd") or "?")),
            self._branch(session),
            printable(session.get("title") or "-", 60),
            relative_time(session.get("updated_at"), self.clock()),
        ]

    @staticmethod
    def _branch(session: dict) -> Text:
        """The branch; a worktree with uncommitted changes is marked `*` (git's prompt mark)."""
        branch = Text(printable(session.get("branch") or "-"))
        if session.get("dirty"):
            branch.append(" *", style="bold yellow")
        return branch

    @property
    def sessions(self) -> dict[str, dict]:
        return self.records

    @property
    def selected_session(self) -> dict | None:
        return self.selected

    def upsert(self, session: dict) -> bool:
        """Update or add a session's row; a session aio adopted replaces its external row."""
        external = f"ext:{session['session_id']}"
        if session.get("id") is not None and external in self.records:
            self.remove(external)
        return super().upsert(session)

    def tick(self) -> None:
        """Refresh the Updated column ("12s ago"), called once a second while rows exist; a
        cell whose text stays the same ("3m ago") is not touched, so an idle table draws
        nothing."""
        now = self.clock()
        for key, session in self.records.items():
            text = relative_time(session.get("updated_at"), now)
            if self.get_cell(key, "updated") != text:
                self.update_cell(key, "updated", text)
