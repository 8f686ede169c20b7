"""The full-log screen: a job's log (or a diff), scrollable and searchable (Line API, lines
styled lazily). A running job's log follows its end as it grows, like `less +F`: scrolling up
stops following, End or G goes back to the end and follows again."""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on, work
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


@dataclass
class LogRead:
    """A log as read: its complete `lines` (the text after the last newline is `partial`,
    not among them), the bytes left out at the start, and the file offset read up to."""

    lines: list[str]
    left_out: int
    end: int
    partial: str


def read_log(path: str, limit: int = MAX_LOG_BYTES) -> LogRead:
    """The log's lines (its last `limit` bytes) and how many bytes were left out."""
    with open(path, "rb") as log:
        size = log.seek(0, os.SEEK_END)
        start = max(0, size - limit)
        log.seek(start)
        data = log.read()
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    raw = text.split("\n")
    partial = raw.pop()
    lines = [line.split("\r")[-1] for line in raw]
    if start and lines:
        lines = lines[1:]
    return LogRead(lines, start, start + len(data), partial)


class LogTail:
    """The bytes a growing log file gets after `offset`, as text (a UTF-8 character split
    between two reads is kept whole)."""

    def __init__(self, path: str, offset: int) -> None:
        self.path = path
        self.offset = offset
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def read(self) -> str | None:
        """What was added since the last read ('' for nothing); None if the file got shorter
        (its cap compacted it): read it again from the start."""
        try:
            with open(self.path, "rb") as log:
                size = log.seek(0, os.SEEK_END)
                if size < self.offset:
                    return None
                log.seek(self.offset)
                data = log.read(MAX_LOG_BYTES)
        except OSError:
            return ""
        self.offset += len(data)
        return self._decoder.decode(data)


class LogView(ScrollView, can_focus=True):
    """Lines of a log; ANSI colours are rendered for visible lines only, and cached."""

    def __init__(self, lines: list[str], partial: str = "", **kwargs) -> None:
        """`lines`, then `partial`: the last line's text so far (more may come, `extend`)."""
        super().__init__(**kwargs)
        self.lines = [*lines, partial.split("\r")[-1]] if partial else list(lines)
        self._partial = partial
        self.query = ""
        self.current_match: int | None = None
        self._cache: dict[int, Strip] = {}
        self._width = max((len(line) for line in lines[:20000]), default=0)
        self.virtual_size = Size(self._width, len(self.lines))
        self.following = False  # new lines scroll in (set at the end, unset by scrolling up)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old:
            self.following = False
        elif new >= self.max_scroll_y:
            self.following = True

    def follow_end(self) -> None:
        """Go to the end and follow it."""
        self.following = True
        self.scroll_end(animate=False)

    def replace(self, lines: list[str], partial: str = "") -> None:
        """Show other lines (the log read again from the start), at the end."""
        self.lines = [*lines, partial.split("\r")[-1]] if partial else list(lines)
        self._partial = partial
        self._cache.clear()
        self._width = max((len(line) for line in lines[:20000]), default=0)
        self.virtual_size = Size(self._width, len(self.lines))
        self.follow_end()
        self.refresh()

    @property
    def at_end(self) -> bool:
        """Whether the last line is in view."""
        return self.scroll_y >= self.max_scroll_y

    def extend(self, text: str) -> None:
        """Add text the log got; the view follows the end if it was there."""
        if not text:
            return
        if self._partial:
            self.lines.pop()
            self._cache.pop(len(self.lines), None)
        raw = (self._partial + text).replace("\r\n", "\n").split("\n")
        self._partial = raw[-1]
        added = [line.split("\r")[-1] for line in (raw if self._partial else raw[:-1])]
        self.lines.extend(added)
        self._width = max(self._width, *(len(line) for line in added[-2000:]), 0)
        self.virtual_size = Size(self._width, len(self.lines))
        if self.following:
            self.scroll_end(animate=False)
        self.refresh()

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
    all), following its end while the job runs; or a Claude session's diff."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="log.close"),
        Binding("slash", "find", "Search", id="log.find"),
        Binding("n", "next", "Next", id="log.next"),
        Binding("N", "previous", "Previous", id="log.previous"),
        Binding("g,home", "top", "Top", id="log.top"),
        Binding("G,end", "bottom", "End (follow)", id="log.bottom"),
    ]

    def __init__(
        self,
        title: str,
        lines: list[str],
        top: bool = False,
        *,
        job: dict | None = None,
        read: LogRead | None = None,
    ) -> None:
        """Show `lines` under `title`, at the end (at the top with `top`); with `job` and the
        `read` of its log, follow the log while the job runs."""
        super().__init__()
        self.title_line = title
        self.lines = lines
        self.top = top
        self.job = job
        self._read = read
        self._tail: LogTail | None = None
        self._title_shown: str | None = None

    @classmethod
    def of_job(cls, job: dict) -> LogScreen:
        """A job's log (its last MAX_LOG_BYTES), titled with the job and what was left out."""
        head = f"#{job['id']} {printable(job['name'], 80)} · {job['status']} · {job['log_path']}"
        try:
            read = read_log(job["log_path"])
        except OSError as exc:
            read = None
            head += f" · cannot read the log: {exc.strerror}"
        if read is not None and read.left_out:
            head += f" · first {read.left_out} bytes not shown (aio log {job['id']} prints all)"
        return cls(head, read.lines if read else [], job=job, read=read)

    @property
    def live(self) -> bool:
        """Whether the log is still growing (its job has not finished)."""
        return self.job is not None and self.job["status"] in ("queued", "running")

    def compose(self) -> ComposeResult:
        yield Label(self.title_line, id="log-title", markup=False)
        partial = self._read.partial if self._read else ""
        yield LogView(self.lines, partial, id="log-view")
        yield Input(placeholder="search (enter: next match)", id="log-search")
        yield KeysFooter()

    def on_mount(self) -> None:
        view = self.query_one(LogView)
        view.focus()
        if not self.top:
            view.follow_end()
        if self.live and self._read is not None:
            self._tail = LogTail(self.job["log_path"], self._read.end)
            self.app.core_signal.subscribe(self, self._on_core_event)
            self.watch(view, "scroll_y", self._show_following, init=False)
            self.follow()
        self._show_following()

    def _show_following(self, _scroll: float = 0) -> None:
        if not self.live:
            text = self.title_line
        elif self.query_one(LogView).following:
            text = f"{self.title_line} · following the end (scroll up to stop)"
        else:
            text = f"{self.title_line} · not following: End or G follows"
        title = self.query_one("#log-title", Label)
        if text != self._title_shown:  # each scroll step calls this
            self._title_shown = text
            title.update(text)

    @work(exclusive=True, group="log-follow")
    async def follow(self) -> None:
        """Read what the log gets, each time the file changes (inotify), until the job ends."""
        from watchfiles import awatch

        self._read_more()
        async for _ in awatch(self.job["log_path"], debounce=50, step=20):
            self._read_more()

    def _read_more(self) -> None:
        if self._tail is None:
            return
        text = self._tail.read()
        view = self.query_one(LogView)
        if text is None:  # the file was compacted under its cap: read it again
            read = read_log(self.job["log_path"])
            view.replace(read.lines, read.partial)
            self._tail = LogTail(self.job["log_path"], read.end)
        else:
            view.extend(text)
        self._show_following()

    def _on_core_event(self, message) -> None:
        from aio.screens import messages

        if isinstance(message, messages.JobChanged) and message.job["id"] == self.job["id"]:
            before = self.job["status"]
            self.job = message.job
            self.title_line = self.title_line.replace(
                f" · {before} · ", f" · {self.job['status']} · ", 1
            )
            if not self.live:
                self._read_more()  # the last bytes
                self._tail = None
                self.workers.cancel_group(self, "log-follow")
            self._show_following()

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
        self.query_one(LogView).follow_end()
        self._show_following()
