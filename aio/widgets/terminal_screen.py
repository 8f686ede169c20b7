"""The emulator behind TerminalView: a pyte screen that gets smaller the way terminals do, and
that knows when a full-screen program (top, an editor, a pager) drives it."""

from __future__ import annotations

import pyte

ALTERNATE_SCREENS = tuple(mode << 5 for mode in (47, 1047, 1049))  # pyte's private modes


class KeepingScreen(pyte.Screen):
    """A pyte screen whose resize keeps what is on it.

    pyte drops rows at the top when the screen loses rows, so a prompt on the first rows
    vanishes when a view takes a smaller size, and what is typed next lands on a blank line.
    Terminals (xterm, VTE, tmux) drop the rows below the cursor first, and rows at the top only
    as far as needed to keep the cursor's row on screen; so does this screen.
    """

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self.cleared = False

    def reset(self) -> None:
        super().reset()
        self.cleared = False

    def erase_in_display(self, how: int = 0, *args, **kwargs) -> None:
        if how in (2, 3):
            self.cleared = True
        super().erase_in_display(how, *args, **kwargs)

    @property
    def full_screen(self) -> bool:
        """Whether a full-screen program draws on it: one on the alternate screen (vim, less,
        htop), or one that cleared the screen and hid the cursor (top, TUIs drawing their own
        cursor). A line program (a build, a shell) is neither."""
        if any(mode in self.mode for mode in ALTERNATE_SCREENS):
            return True
        return self.cleared and self.cursor.hidden

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
