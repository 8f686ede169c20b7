"""TodoTable: the todo list through the Line API, so 10,000 todos cost what the visible rows do.

It keeps a DataTable-like surface (`row_count`, `cursor_row`, `get_row_at`, `move_cursor`)
but measures columns from plain string lengths and renders only the lines on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from aio.todos.model import URGENCY_COLOURS, Urgency, relative_time

HEADERS = ("#", "Urgency", "Title", "Due", "Virtual")
MAX_TITLE_WIDTH = 80


def todo_cells(todo: dict, now: float) -> list[Text | str]:
    """One todo's cells: number, urgency (coloured), title, due, virtual due."""
    level = Urgency(todo["urgency"])
    title_style = "strike dim" if level == Urgency.DONE else ""
    return [
        Text(str(todo["id"]), justify="right"),
        Text(str(level), style=URGENCY_COLOURS[level][0]),
        Text(todo["title"], style=title_style),
        relative_time(todo["deadline"], now),
        relative_time(todo["virtual_deadline"], now),
    ]


@lru_cache(maxsize=64)
def _style(name: str | Style) -> Style:
    return name if isinstance(name, Style) else Style.parse(name)


class TodoTable(ScrollView, can_focus=True):
    """A scrollable list of todos with a fixed header and a row cursor."""

    DEFAULT_CSS = """
    TodoTable { background: $surface; }
    TodoTable > .todo-table--header { text-style: bold; color: $text-muted; }
    TodoTable > .todo-table--cursor { background: $block-cursor-background;
                                      color: $block-cursor-foreground; }
    """
    COMPONENT_CLASSES = {"todo-table--header", "todo-table--cursor"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
    ]

    @dataclass
    class Highlighted(Message):
        table: TodoTable
        row: int

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.todos: list[dict] = []
        self.now = 0.0
        self.cursor_row = 0
        self._widths = [len(h) for h in HEADERS]
        self._cache: dict[int, Strip] = {}

    # The data

    def set_todos(self, todos: list[dict], now: float) -> None:
        """Show these todos (already sorted, most urgent first)."""
        self.todos = todos
        self.now = now
        self._measure()
        self.cursor_row = min(self.cursor_row, max(0, len(todos) - 1))
        self._changed()

    def tick(self, now: float) -> None:
        """Move the relative times on."""
        self.now = now
        self._measure()
        self._changed()

    def _measure(self) -> None:
        widths = [len(h) for h in HEADERS]
        widths[0] = max(widths[0], len(str(max((t["id"] for t in self.todos), default=0))))
        widths[1] = max(widths[1], *(len(str(level)) for level in Urgency))
        longest = max((len(t["title"]) for t in self.todos), default=0)
        widths[2] = max(widths[2], min(longest, MAX_TITLE_WIDTH))
        widths[3] = widths[4] = max(widths[3], len("in 10d 23h ago"))
        self._widths = widths

    def _changed(self) -> None:
        self._cache.clear()
        width = sum(self._widths) + 2 * len(self._widths)
        self.virtual_size = Size(width, len(self.todos) + 1)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.todos)

    def get_row_at(self, row: int) -> list[Text | str]:
        return todo_cells(self.todos[row], self.now)

    def clear(self) -> None:
        self.set_todos([], self.now)

    # The cursor

    def move_cursor(self, *, row: int) -> None:
        if not self.todos:
            self.cursor_row = 0
            return
        old = self.cursor_row
        self.cursor_row = max(0, min(row, len(self.todos) - 1))
        self._cache.pop(old, None)
        self._cache.pop(self.cursor_row, None)
        self.scroll_to_region(
            Region(0, self.cursor_row + 1, 1, 1), animate=False, spacing=None, force=True
        )
        top = self.scroll_offset.y
        if self.cursor_row < top:  # keep it below the fixed header line
            self.scroll_to(y=self.cursor_row, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_row))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, last: int) -> None:
        self.move_cursor(row=len(self.todos) - 1 if last else 0)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(row=self.scroll_offset.y + event.y - 1)

    def on_focus(self) -> None:
        self._cache.pop(self.cursor_row, None)
        self.refresh()

    def on_blur(self) -> None:
        self._cache.pop(self.cursor_row, None)
        self.refresh()

    # Rendering

    def _line(self, cells: list[Text | str], style: Style) -> Strip:
        segments: list[Segment] = []
        for index, (cell, width) in enumerate(zip(cells, self._widths, strict=True)):
            plain = cell if isinstance(cell, str) else cell.plain
            if len(plain) > width:
                plain = plain[: width - 1] + "…"
            padded = plain.rjust(width) if index == 0 else plain.ljust(width)
            cell_style = _style(cell.style) if isinstance(cell, Text) and cell.style else None
            segments.append(Segment(f" {padded} ", cell_style))
        return Strip(segments).apply_style(style)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("todo-table--header")
            strip = self._line(list(HEADERS), base + header)
            return strip.crop_extend(scroll_x, scroll_x + width, base)
        row = scroll_y + y - 1
        if row >= len(self.todos):
            return Strip.blank(width, base)
        strip = self._cache.get(row)
        if strip is None:
            style = base
            if row == self.cursor_row and self.has_focus:
                style = base + self.get_component_rich_style("todo-table--cursor")
            elif row == self.cursor_row:
                style = base + Style(reverse=True, dim=True)
            strip = self._line(self.get_row_at(row), style)
            self._cache[row] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)
