"""The command bar's history: the last MAX_ENTRIES commands, kept in `$AIO_HOME/command_history`
across runs (one command a line, oldest first), rewritten atomically on each new command, so
two dashboards add to one history and a crash never leaves half a file."""

from __future__ import annotations

import contextlib
from pathlib import Path

from aio.core.private_files import write_private

MAX_ENTRIES = 500
MAX_LINE = 2000  # longer commands are not kept


def history_path(home: Path) -> Path:
    """Where a home's command history lives."""
    return home / "command_history"


class CommandHistory:
    """Commands, oldest first; `path` None keeps them in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[str] = self._read()

    def _read(self) -> list[str]:
        if self.path is None:
            return []
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-MAX_ENTRIES:]

    def add(self, command: str) -> None:
        """Keep `command` as the newest entry (an exact repeat of the newest is not added)."""
        command = command.strip()
        if not command or "\n" in command or len(command) > MAX_LINE:
            return
        entries = self._read() if self.path is not None else self.entries
        if not entries or entries[-1] != command:
            entries.append(command)
        self.entries = entries[-MAX_ENTRIES:]
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        text = "".join(f"{entry}\n" for entry in self.entries)
        with contextlib.suppress(OSError):  # a history that cannot be saved is not an error
            write_private(self.path, text)


class HistoryBrowser:
    """Up/Down through a history: `older`/`newer` give the text to show; past the newest, the
    text that was being typed comes back."""

    def __init__(self, history: CommandHistory) -> None:
        self.history = history
        self.index: int | None = None  # into history.entries; None: not browsing
        self.draft = ""

    def older(self, current: str) -> str | None:
        entries = self.history.entries
        if not entries:
            return None
        if self.index is None:
            self.draft = current
            self.index = len(entries)
        if self.index == 0:
            return None
        self.index -= 1
        return entries[self.index]

    def newer(self) -> str | None:
        if self.index is None:
            return None
        self.index += 1
        if self.index >= len(self.history.entries):
            self.index = None
            return self.draft
        return self.history.entries[self.index]

    def reset(self) -> None:
        self.index = None
        self.draft = ""
