"""CommandBar: the always-reachable `❯` prompt that takes the seed's grammar.

Up/Down walk the history (kept in `$AIO_HOME/command_history` across runs), Tab completes the
verb, a job's number or name, a task's name (again: the next choice), Escape clears the prompt
and gives focus back. Its placeholder is the screen's grammar: the one given, else the screen's
`command_placeholder`, else the Jobs grammar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from aio.widgets.command_history import CommandHistory, HistoryBrowser, history_path

# The Jobs grammar, for a bar on a screen the registry does not know.
PLACEHOLDER = "a 1 · r task · k 1 · c 1 · l 1 · w 1 · t +todo 2h · claude prompt · m · q"

_HISTORIES: dict[Path | None, CommandHistory] = {}  # one per home, shared by every screen's bar


def shared_history(home: Path | None) -> CommandHistory:
    """The history of `home` (None: in memory), loaded once per process."""
    if home not in _HISTORIES:
        _HISTORIES[home] = CommandHistory(history_path(home) if home is not None else None)
    return _HISTORIES[home]


class CommandInput(Input):
    """The bar's input: Up/Down and Tab are the bar's (history, completion)."""

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier", show=False, id="command-bar.older"),
        Binding("down", "history(1)", "Later", show=False, id="command-bar.newer"),
        Binding("tab", "complete", "Complete", show=False, id="command-bar.complete"),
    ]

    def action_history(self, step: int) -> None:
        self.parent.step_history(step)

    def action_complete(self) -> None:
        self.parent.complete_input()


class CommandBar(Horizontal):
    """A prompt; on Enter it posts `Submitted` with the parsed command."""

    DEFAULT_CSS = """
    CommandBar { height: 1; }
    CommandBar Label { width: 2; color: $accent; text-style: bold; }
    CommandBar Input { border: none; height: 1; padding: 0; background: $surface; }
    CommandBar Input:focus { border: none; }
    """

    @dataclass
    class Submitted(Message):
        text: str
        command: object  # a command_grammar.Command

    BINDINGS = [Binding("escape", "leave(True)", "Back", show=False, id="command-bar.leave")]

    def __init__(self, placeholder: str | None = None, **kwargs) -> None:
        """`placeholder`: the grammar this screen's users reach for first."""
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self._previous: Widget | None = None
        self._browser: HistoryBrowser | None = None
        self._choices: list[str] = []  # what Tab cycles through, and the text it came from
        self._cycle_from = ""

    def compose(self) -> ComposeResult:
        placeholder = (
            self.placeholder or getattr(self.screen, "command_placeholder", None) or PLACEHOLDER
        )
        yield Label("❯")
        yield CommandInput(placeholder=placeholder, id="command-input")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def history(self) -> CommandHistory:
        return shared_history(getattr(self.app, "home", None))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from aio.widgets.command_grammar import parse_command

        event.stop()
        text = event.value
        event.input.value = ""
        if text.strip():
            self.history.add(text)
        self.action_leave()
        self.post_message(self.Submitted(text, parse_command(text)))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value != self._cycle_from and event.value not in self._cycled_texts():
            self._choices = []

    def focus_input(self) -> None:
        """Focus the prompt; Enter or Escape gives focus back to where it was."""
        focused = self.screen.focused
        if focused is not None and focused not in self.query("*"):
            self._previous = focused
        self._browser = HistoryBrowser(self.history)
        self.input.focus()

    def action_leave(self, clear: bool = False) -> None:
        if clear:
            self.input.value = ""
        self._browser = None
        self._choices = []
        if self._previous is not None and self._previous.is_attached:
            self._previous.focus()
        else:
            self.screen.set_focus(None)

    # History and completion

    def step_history(self, step: int) -> None:
        """Show an earlier (-1) or a later (1) command."""
        if self._browser is None:
            self._browser = HistoryBrowser(self.history)
        text = self._browser.older(self.input.value) if step < 0 else self._browser.newer()
        if text is not None:
            self.input.value = text
            self.input.cursor_position = len(text)

    def _cycled_texts(self) -> list[str]:
        head = self._cycle_from[: self._cycle_from.rfind(" ") + 1]
        return [f"{head}{choice}" for choice in self._choices]

    def complete_input(self) -> None:
        """Tab: complete the last word; with several choices, each Tab shows the next."""
        value = self.input.value
        if self._choices and value in self._cycled_texts():
            texts = self._cycled_texts()
            new = texts[(texts.index(value) + 1) % len(texts)]
        else:
            from aio.widgets.command_completion import complete

            jobs = getattr(self.app, "jobs", {}) or {}
            tasks = getattr(self.app, "tasks", []) or []
            new, choices = complete(value, jobs, tasks)
            if not choices:
                self.app.bell()
                return
            if len(choices) > 1:
                self._cycle_from = new
                self._choices = choices
                self.notify(" · ".join(choices[:12]), title="Tab: next choice", timeout=4)
                if new == value:  # nothing in common to add: the first choice
                    new = self._cycled_texts()[0]
        self.input.value = new
        self.input.cursor_position = len(new)
