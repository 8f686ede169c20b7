"""TodoTable: the todo list through the Line API, so 10,000 todos cost what the visible rows do.

It keeps a DataTable-like surface (`row_count`, `cursor_row`, `get_row_at`, `move_cursor`)
but measures columns from plain string lengths and renders only the lines on screen. It need not
hold every todo: `show` gives it the total and the first rows, and a row drawn before it is
loaded shows as `…` and asks for its page (`NeedRows`), which `fill` puts in place.
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


PAGE = 200  # rows asked of the core at once
DUE_WIDTH = len("done 10d 23h ago")


def time_texts(todo: dict, now: float) -> tuple[str, str]:
    """A todo's due and virtual due cells. A done todo's due cell says when it was done; its
    deadlines no longer matter."""
    if todo["urgency"] == Urgency.DONE and todo.get("completed_at") is not None:
        return f"done {relative_time(min(todo['completed_at'], now), now)}", "-"
    return relative_time(todo["deadline"], now), relative_time(todo["virtual_deadline"], now)


def todo_cells(todo: dict, now: float) -> list[Text | str]:
    """One todo's cells: number, urgency (coloured), title, due, virtual due."""
    level = Urgency(todo["urgency"])
    return [
        Text(str(todo["id"]), justify="right"),
        Text(str(level), style=URGENCY_COLOURS[level][0]),
        Text(todo["title"], style="strike dim" if level == Urgency.DONE else ""),
        *time_texts(todo, now),
    ]


def _loading_cells() -> list[Text | str]:
    return [Text("…", justify="right"), Text("…", style="dim"), Text("…", style="dim"), "", ""]


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

    @dataclass
    class NeedRows(Message):
        """Rows from `offset` on (a page of them) were drawn before they were loaded."""

        table: TodoTable
        offset: int

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.todos: list[dict | None] = []  # None: not loaded yet
        self.now = 0.0
        self.cursor_row = 0
        self._widths = [len(h) for h in HEADERS]
        # Drawn rows, with the times they show: a tick redraws only rows whose times moved.
        self._cache: dict[int, tuple[tuple[str, str], Strip]] = {}
        self._header: Strip | None = None
        self._styles: dict[str, Style] = {}  # computed from the CSS once, not once per line
        self._asked: set[int] = set()

    # The data

    def set_todos(self, todos: list[dict], now: float) -> None:
        """Show these todos, all of them (already sorted, most urgent first)."""
        self.show(todos, len(todos), now)

    def show(self, first: list[dict], total: int, now: float) -> None:
        """Show `total` todos of which `first` are the first (the rest come through `fill`)."""
        self.todos = [*first, *[None] * (total - len(first))]
        self.now = now
        self._asked.clear()
        self._widths = [len(h) for h in HEADERS]
        self._measure(first)
        self.cursor_row = min(self.cursor_row, max(0, total - 1))
        self._changed()

    def fill(self, offset: int, todos: list[dict]) -> None:
        """Put the rows of one page in place (rows past the end are dropped)."""
        todos = todos[: max(0, len(self.todos) - offset)]
        self.todos[offset : offset + len(todos)] = todos
        self._measure(todos)
        self._changed()

    def not_filled(self, offset: int) -> None:
        """The page at `offset` could not be loaded: ask again when it is drawn next."""
        self._asked.discard(offset)

    def tick(self, now: float) -> None:
        """Move the relative times on (rows whose texts stay the same are not rebuilt)."""
        self.now = now
        self.refresh()

    def _measure(self, todos: list[dict]) -> None:
        """Widen the columns for these rows (the widths only grow until the next `show`)."""
        widths = self._widths
        widths[0] = max(widths[0], len(str(max((t["id"] for t in todos), default=0))))
        widths[1] = max(widths[1], *(len(str(level)) for level in Urgency))
        longest = max((len(t["title"]) for t in todos), default=0)
        widths[2] = max(widths[2], min(longest, MAX_TITLE_WIDTH))
        widths[3] = widths[4] = max(widths[3], DUE_WIDTH)

    def loaded(self, row: int) -> dict | None:
        """The todo of `row`, or None if it is out of range or not loaded yet."""
        return self.todos[row] if 0 <= row < len(self.todos) else None

    def _changed(self) -> None:
        self._cache.clear()
        self._header = None
        width = sum(self._widths) + 2 * len(self._widths)
        self.virtual_size = Size(width, len(self.todos) + 1)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.todos)

    def get_row_at(self, row: int) -> list[Text | str]:
        todo = self.todos[row]
        return _loading_cells() if todo is None else todo_cells(todo, self.now)

    def _ask_for(self, row: int) -> None:
        """A row not loaded yet is being drawn: ask for its page (once)."""
        page = row - row % PAGE
        if page not in self._asked:
            self._asked.add(page)
            self.post_message(self.NeedRows(self, page))

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

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._cache.clear()
        self._header = None
        super().notify_style_update()

    def _style_of(self, name: str) -> Style:
        """The widget's style ("") or a component's, added to it; cached until the CSS moves."""
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            style = base + self.get_component_rich_style(name) if name else base
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self._style_of("")
        if y == 0:
            if self._header is None:
                self._header = self._line(list(HEADERS), self._style_of("todo-table--header"))
            return self._header.crop_extend(scroll_x, scroll_x + width, base)
        row = scroll_y + y - 1
        if row >= len(self.todos):
            return Strip.blank(width, base)
        todo = self.todos[row]
        times = ("", "") if todo is None else time_texts(todo, self.now)
        cached = self._cache.get(row)
        if cached is not None and cached[0] == times:
            return cached[1].crop_extend(scroll_x, scroll_x + width, base)
        style = base
        if row == self.cursor_row and self.has_focus:
            style = self._style_of("todo-table--cursor")
        elif row == self.cursor_row:
            style = base + Style(reverse=True, dim=True)
        strip = self._line(self.get_row_at(row), style)
        if todo is None:
            self._ask_for(row)
        else:
            self._cache[row] = (times, strip)
        return strip.crop_extend(scroll_x, scroll_x + width, base)
