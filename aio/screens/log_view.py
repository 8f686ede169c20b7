"""The full-log screen: a job's log (or a diff), scrollable and searchable (Line API, lines
styled lazily)."""

from __future__ import annotations

import os
import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label

from aio.text.printable import printable
from aio.widgets.footer import KeysFooter

MAX_LOG_BYTES = 16 * 1024 * 1024
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]")
MATCH_STYLE = Style(bgcolor="yellow", color="black")


def read_log(path: str, limit: int = MAX_LOG_BYTES) -> tuple[list[str], int]:
    """The log's lines (its last `limit` bytes) and how many bytes were left out."""
    with open(path, "rb") as log:
        size = log.seek(0, os.SEEK_END)
        start = max(0, size - limit)
        log.seek(start)
        data = log.read()
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    lines = [line.split("\r")[-1] for line in text.split("\n")]
    if start:
        lines = lines[1:]
    return lines, start


class LogView(ScrollView, can_focus=True):
    """Lines of a log; ANSI colours are rendered for visible lines only, and cached."""

    def __init__(self, lines: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = lines
        self.query = ""
        self.current_match: int | None = None
        self._cache: dict[int, Strip] = {}
        width = max((len(line) for line in lines[:20000]), default=0)
        self.virtual_size = Size(width, len(lines))

    def plain(self, index: int) -> str:
        return _ESCAPES.sub("", self.lines[index])

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._build(index)
            self._cache[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _build(self, index: int) -> Strip:
        text = Text.from_ansi(self.lines[index], end="")
        if self.query:
            for match in re.finditer(re.escape(self.query), text.plain, re.IGNORECASE):
                text.stylize(MATCH_STYLE, match.start(), match.end())
        segments = list(text.render(self.app.console))
        return Strip([Segment(s.text, s.style) for s in segments if s.text != "\n"])

    def search(self, query: str, forward: bool = True) -> int | None:
        """Move to the next line holding `query` (case-insensitive); its index, or None."""
        if query != self.query:
            self.query = query
            self._cache.clear()
            self.current_match = None
        if not query:
            self.refresh()
            return None
        needle = query.lower()
        count = len(self.lines)
        start = self.current_match if self.current_match is not None else self.scroll_offset.y - 1
        for step in range(1, count + 1):
            index = (start + (step if forward else -step)) % count
            if needle in self.plain(index).lower():
                self.current_match = index
                self.scroll_to(y=max(0, index - self.size.height // 2), animate=False)
                self.refresh()
                return index
        self.refresh()
        return None


class LogScreen(Screen):
    """Lines to read: one job's complete log (its last 16 MB if larger; `aio log N` prints it
    all), or a Claude session's diff."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="log.close"),
        Binding("slash", "find", "Search", id="log.find"),
        Binding("n", "next", "Next", id="log.next"),
        Binding("N", "previous", "Previous", id="log.previous"),
        Binding("g", "top", "Top", id="log.top"),
        Binding("G", "bottom", "Bottom", id="log.bottom"),
    ]

    def __init__(self, title: str, lines: list[str], top: bool = False) -> None:
        """Show `lines` under `title`, at the end (at the top with `top`)."""
        super().__init__()
        self.title_line = title
        self.lines = lines
        self.top = top

    @classmethod
    def of_job(cls, job: dict) -> LogScreen:
        """A job's log (its last MAX_LOG_BYTES), titled with the job and what was left out."""
        head = f"#{job['id']} {printable(job['name'], 80)} · {job['status']} · {job['log_path']}"
        try:
            lines, left_out = read_log(job["log_path"])
        except OSError as exc:
            lines, left_out = [], 0
            head += f" · cannot read the log: {exc.strerror}"
        if left_out:
            head += f" · first {left_out} bytes not shown (aio log {job['id']})"
        return cls(head, lines)

    def compose(self) -> ComposeResult:
        yield Label(self.title_line, id="log-title", markup=False)
        yield LogView(self.lines, id="log-view")
        yield Input(placeholder="search (enter: next match)", id="log-search")
        yield KeysFooter()

    def on_mount(self) -> None:
        view = self.query_one(LogView)
        view.focus()
        if not self.top:
            view.scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss()

    def action_find(self) -> None:
        self.query_one("#log-search", Input).focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        found = self.query_one(LogView).search(event.value)
        if event.value and found is None:
            self.notify(f"'{event.value}' not found", severity="warning")

    def action_next(self) -> None:
        view = self.query_one(LogView)
        if view.query:
            view.search(view.query, forward=True)

    def action_previous(self) -> None:
        view = self.query_one(LogView)
        if view.query:
            view.search(view.query, forward=False)

    def action_top(self) -> None:
        self.query_one(LogView).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one(LogView).scroll_end(animate=False)
