"""TerminalView: a job's PTY stream rendered with pyte through Textual's Line API.

Bytes go through `pyte.ByteStream` (a UTF-8 character split across reads is kept), at most
about 30 frames a second, and only dirty lines are re-rendered; strips are cached. pyte parses
0.1-1 MB/s while a PTY can deliver 70+ MB/s, so each frame parses for a bounded time, and when
far more is pending the view jumps to the tail of the stream and says so (the complete output
is in the log). pyte is imported when the first bytes (or a size) come, not for the first frame.

A job's PTY is often larger than the preview. A line program (a build, a shell) is shown
around its cursor: the rows up to the cursor's, as low as they go. A full-screen program (on
the alternate screen, or one that cleared the screen and hid the cursor: top, vim, less, Claude
Code) is shown from its top row, cropped at the right and the bottom, as its header and first
lines are what tells what it is doing. Focusing the preview (i) gives the job the preview's
size, so the whole program fits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from aio.widgets.key_bytes import key_to_bytes
from aio.widgets.terminal_style import CURSOR_STYLE, char_style

FRAME_SECONDS = 1 / 30
FEED_BUDGET = 16 * 1024  # at most this many bytes parsed per frame
PARSE_SECONDS = 0.015  # and at most this long: pyte parses plain text at only 0.1-0.3 MB/s
PARSE_SLICE = 1024
SKIP_THRESHOLD = 64 * 1024  # more pending than this: jump to the tail
TAIL_BYTES = 16 * 1024
FLOOD_FRAME_SECONDS = 0.1  # after a skip, draw at 10 frames a second: the UI comes first
FLOOD_HOLD_SECONDS = 1.0
RELEASE_KEY = "ctrl+right_square_bracket"


def _trim_to_line(data: bytes) -> bytes:
    cut = data.find(b"\n", 0, 4096)
    return data[cut + 1 :] if cut >= 0 else data


class TerminalView(Widget, can_focus=True):
    """Renders a terminal byte stream; when focused, turns keys into input for the job.

    Press ctrl+] to give focus back to the dashboard.
    """

    DEFAULT_CSS = """
    TerminalView {
        background: $surface;
        border: round $panel-lighten-2;
        border-title-align: left;
        border-subtitle-align: right;
    }
    TerminalView:focus {
        border: round $accent;
    }
    TerminalView.-skipped {
        border-subtitle-color: $warning;
    }
    """

    BINDINGS = [
        Binding(RELEASE_KEY, "release", "Release", id="terminal.release", priority=True),
    ]

    skipped_bytes: reactive[int] = reactive(0)

    @dataclass
    class Input(Message):
        """The user typed into a focused view: bytes for the job's PTY."""

        view: TerminalView
        data: bytes

    @dataclass
    class Resized(Message):
        """A focused view wants the PTY to take its size."""

        view: TerminalView
        cols: int
        rows: int

    @dataclass
    class Released(Message):
        """The user gave focus back (ctrl+])."""

        view: TerminalView

    def __init__(
        self, cols: int = 80, rows: int = 24, *, name: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(name=name, id=id)
        self._emulator_size = (cols, rows)
        self._emulator = None  # the pyte screen and stream, made when first needed
        self._byte_stream = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._frame: Timer | None = None
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None  # this widget's own style, resolved once per frame
        self._combined: dict[Style, Style] = {}
        self._flooding_until = 0.0
        self.fed_bytes = 0
        self.frames = 0

    # The emulator

    def _make_emulator(self, cols: int, rows: int) -> None:
        import pyte

        from aio.widgets.terminal_screen import KeepingScreen

        self._emulator_size = (cols, rows)
        self._emulator = KeepingScreen(cols, rows)
        self._byte_stream = pyte.ByteStream(self._emulator)

    @property
    def _screen(self):
        if self._emulator is None:
            self._make_emulator(*self._emulator_size)
        return self._emulator

    @property
    def _stream(self):
        if self._byte_stream is None:
            self._make_emulator(*self._emulator_size)
        return self._byte_stream

    # Feeding

    @property
    def screen_size(self) -> tuple[int, int]:
        if self._emulator is None:
            return self._emulator_size
        return self._screen.columns, self._screen.lines

    def feed(self, data: bytes) -> None:
        """Queue bytes from the PTY; they are parsed on the next frame."""
        if not data:
            return
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._frame is None:
            self._frame = self.set_timer(self._frame_delay(), self._render_frame)

    def _frame_delay(self) -> float:
        flooding = time.monotonic() < self._flooding_until
        return FLOOD_FRAME_SECONDS if flooding else FRAME_SECONDS

    def note_skipped(self, count: int = 0) -> None:
        """Output was skipped before it reached us (the core resynchronised this view)."""
        self._flooding_until = time.monotonic() + FLOOD_HOLD_SECONDS
        self.skipped_bytes += max(count, 1)

    def reset(self, cols: int | None = None, rows: int | None = None) -> None:
        """Start over with an empty screen (another job, say)."""
        self._pending.clear()
        self._pending_bytes = 0
        if cols and rows:
            self._make_emulator(cols, rows)
        elif self._emulator is not None:
            self._make_emulator(*self.screen_size)
        self._strips.clear()
        self.skipped_bytes = 0
        self.refresh()

    def resize_screen(self, cols: int, rows: int) -> None:
        """Follow the PTY's size, keeping what is on screen (see KeepingScreen)."""
        if self._emulator is None:
            self._emulator_size = (cols, rows)
            self.refresh()
        elif (cols, rows) != self.screen_size:
            self._screen.resize(rows, cols)
            self._strips.clear()
            self.refresh()

    def flush_now(self) -> None:
        """Parse everything pending at once (tests, and before a snapshot)."""
        while self._pending:
            self._render_frame(budget=None)

    def _render_frame(self, budget: int | None = FEED_BUDGET) -> None:
        self._frame = None
        self._refresh_base_style()
        if budget is not None and self._pending_bytes > SKIP_THRESHOLD:
            self._skip_to_tail()
        data = b"".join(self._pending)
        parsed = self._parse(data, budget)
        later = data[parsed:]
        self._pending = [later] if later else []
        self._pending_bytes = len(later)
        self.fed_bytes += parsed
        self.frames += 1
        dirty = self._screen.dirty
        for line in dirty:
            self._strips.pop(line, None)
        dirty.clear()
        self.refresh()
        if self._pending:
            self._frame = self.set_timer(self._frame_delay(), self._render_frame)

    def _parse(self, data: bytes, budget: int | None) -> int:
        """Feed `data` to pyte: all of it, or slices until the frame's bytes or time are spent
        (so a frame never blocks the app for long); how many bytes were parsed."""
        if budget is None:
            self._stream.feed(data)
            return len(data)
        deadline = time.perf_counter() + PARSE_SECONDS
        limit = min(len(data), budget)
        parsed = 0
        while parsed < limit and (parsed == 0 or time.perf_counter() < deadline):
            piece = data[parsed : min(parsed + PARSE_SLICE, limit)]
            self._stream.feed(piece)
            parsed += len(piece)
        return parsed

    def _skip_to_tail(self) -> None:
        data = b"".join(self._pending)
        cols, rows = self.screen_size
        screenful = min(TAIL_BYTES, max(2048, cols * rows * 2))
        tail = _trim_to_line(data[-screenful:])
        self._flooding_until = time.monotonic() + FLOOD_HOLD_SECONDS
        self.skipped_bytes += len(data) - len(tail)
        self._make_emulator(cols, rows)
        self._strips.clear()
        self._pending = [tail]
        self._pending_bytes = len(tail)

    def watch_skipped_bytes(self, skipped: int) -> None:
        self.set_class(skipped > 0, "-skipped")
        if skipped:
            self.border_subtitle = f"output skipped: {_human(skipped)} (complete in the log)"
        else:
            self.border_subtitle = ""

    # Rendering

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.screen_size[0]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.screen_size[1]

    def _top_row(self) -> int:
        """The first screen row shown when the view is shorter than the screen: a full-screen
        program's top row; else the cursor's row stays in view, as low as it can be."""
        if self._screen.full_screen and not self.has_focus:
            return 0
        height = self.content_size.height or self._screen.lines
        lowest = max(0, self._screen.lines - height)
        return min(lowest, max(0, self._screen.cursor.y + 1 - height))

    def _refresh_base_style(self) -> None:
        base = self.rich_style  # walks the DOM: once per frame, not once per line
        if base != self._base:
            self._base = base
            self._combined.clear()
            self._strips.clear()

    def _with_base(self, style: Style) -> Style:
        combined = self._combined.get(style)
        if combined is None:
            combined = self._combined[style] = self._base + style
        return combined

    def render_line(self, y: int) -> Strip:
        if self._base is None:
            self._refresh_base_style()
        width = self.content_size.width
        if self._emulator is None:
            return Strip.blank(width, self._base)
        row = self._top_row() + y
        if row >= self._screen.lines:
            return Strip.blank(width, self._base)
        show_cursor = self.has_focus and not self._screen.cursor.hidden
        cursor = self._screen.cursor
        on_cursor_row = show_cursor and cursor.y == row
        strip = None if on_cursor_row else self._strips.get(row)
        if strip is None:
            strip = self._build_strip(row, cursor.x if on_cursor_row else -1)
            if not on_cursor_row:
                self._strips[row] = strip
        return strip.crop_extend(0, width, self._base)

    def _build_strip(self, row: int, cursor_x: int) -> Strip:
        line = self._screen.buffer[row]
        segments: list[Segment] = []
        text: list[str] = []
        style = None
        for x in range(self._screen.columns):
            char = line[x]
            if char.data == "":
                continue  # the second cell of a wide character
            cell_style = char_style(
                char.fg,
                char.bg,
                char.bold,
                char.italics,
                char.underscore,
                char.strikethrough,
                char.reverse,
                char.blink,
            )
            if x == cursor_x:
                cell_style = cell_style + CURSOR_STYLE
            if cell_style is not style:
                if text:
                    segments.append(Segment("".join(text), self._with_base(style)))
                text = []
                style = cell_style
            text.append(char.data)
        if text:
            segments.append(Segment("".join(text), self._with_base(style)))
        return Strip(segments)

    def screen_text(self) -> list[str]:
        """The screen as plain text lines (for tests and search)."""
        return [line.rstrip() for line in self._screen.display]

    # Focus and input

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self) -> None:
        self._base = None
        self._strips.clear()
        self.refresh()

    def on_focus(self) -> None:
        self._base = None  # the focused style differs
        self._strips.clear()
        self.refresh()
        self._announce_size()

    def on_blur(self) -> None:
        self._base = None
        self._strips.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.has_focus:
            self._announce_size()

    def _announce_size(self) -> None:
        size = self.content_size
        if size.width >= 2 and size.height >= 2:
            self.resize_screen(size.width, size.height)
            self.post_message(self.Resized(self, size.width, size.height))

    def on_key(self, event: events.Key) -> None:
        if event.key == RELEASE_KEY:
            return
        data = key_to_bytes(event.key, event.character)
        if data is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.Input(self, data))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.post_message(self.Input(self, event.text.encode("utf-8")))

    def action_release(self) -> None:
        self.post_message(self.Released(self))


def _human(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
