"""The emulator behind TerminalView: a pyte screen that gets smaller the way terminals do."""

from __future__ import annotations

import pyte


class KeepingScreen(pyte.Screen):
    """A pyte screen whose resize keeps what is on it.

    pyte drops rows at the top when the screen loses rows, so a prompt on the first rows
    vanishes when a view takes a smaller size, and what is typed next lands on a blank line.
    Terminals (xterm, VTE, tmux) drop the rows below the cursor first, and rows at the top only
    as far as needed to keep the cursor's row on screen; so does this screen.
    """

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Take the new size; rows are cut as described above, columns at the right."""
        lines = lines or self.lines
        if lines < self.lines:
            top = max(0, self.cursor.y + 1 - lines)
            kept = {y - top: self.buffer[y] for y in range(top, top + lines) if y in self.buffer}
            self.buffer.clear()
            self.buffer.update(kept)
            self.cursor.y -= top
            self.lines = lines
            self.set_margins()
            self.dirty.update(range(lines))
        super().resize(lines, columns)  # the columns, and any rows added at the bottom
