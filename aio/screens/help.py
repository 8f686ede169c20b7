"""The `?` screen: the keys of the screen it is opened on (read from that screen's active
bindings, so a `[keymap]` or a screen added later is shown as it is) and the command bar's
grammar (the screen's `HELP` text if it has one, else the dashboard's). Escape or `?` closes
it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from aio.widgets.command_grammar import GRAMMAR

BAR_KEYS = "Up/Down: earlier commands · Tab: complete · Enter: run · Escape: clear and leave"

# (keys, what they do) rows
Rows = list[tuple[str, str]]


def _key_rows(screen: Screen) -> tuple[Rows, Rows]:
    """The keys of `screen` and the app's keys, each binding once with all its keys."""
    app = screen.app
    grouped: dict[tuple[int, str], list] = {}
    for key, (node, binding, enabled, _tip) in screen.active_bindings.items():
        if not binding.description or (node is not app and node is not screen):
            continue  # a focused widget's own keys (a table's arrows) are not the screen's
        if binding.action.startswith("move_selection"):
            continue  # shown under "Moving"
        if not binding.id and key != app.COMMAND_PALETTE_BINDING:
            continue  # Textual's own (tab, copy), not aio's
        entry = grouped.setdefault((id(node), binding.action), [node, binding.description, []])
        entry[2].append(app.get_key_display(binding) + ("" if enabled else " (not now)"))
    own: Rows = []
    everywhere: Rows = []
    for node, description, keys in grouped.values():
        (everywhere if node is app else own).append((" ".join(keys), description))
    return own, everywhere


def _table(rows: Rows) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, what in rows:
        table.add_row(Text(keys), Text(what))
    return table


def grammar_rows(screen: Screen) -> Rows | str:
    """The screen's own command-bar text (`HELP`), or the dashboard's grammar."""
    own = getattr(screen, "HELP", None)
    return own if own else list(GRAMMAR)


class HelpScreen(ModalScreen[None]):
    """The keys of one screen and the command bar's grammar."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, screen: Screen, title: str) -> None:
        """Help for `screen` (the screen under this one), titled `title`."""
        super().__init__()
        self.title_line = title
        self.own, self.everywhere = _key_rows(screen)
        self.grammar = grammar_rows(screen)
        self.has_table = any(
            hasattr(w, "cursor_row") and hasattr(w, "move_cursor") for w in screen.query("*")
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Label(self.title_line, classes="title", markup=False)
            with Horizontal(id="help-columns"):
                with Vertical():
                    yield Static(_table(self.own), id="help-screen-keys")
                    if self.has_table:
                        moves = [("↑ ↓ j k", "move the selection"), ("g G Home End", "first, last")]
                        yield Label("Moving", classes="subtitle")
                        yield Static(_table(moves))
                with Vertical():
                    yield Label("Everywhere", classes="subtitle column-title")
                    yield Static(_table(self.everywhere), id="help-app-keys")
            yield Label("The command bar (:)", classes="subtitle")
            grammar = self.grammar
            body = Text(grammar) if isinstance(grammar, str) else _table(grammar)
            yield Static(body, id="help-grammar")
            yield Label(BAR_KEYS, classes="subtitle")
            yield Label("Escape or ? closes this", classes="subtitle")

    def action_close(self) -> None:
        self.dismiss(None)
