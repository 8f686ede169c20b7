"""CommandBar: the always-reachable `❯` prompt that takes the seed's grammar."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from aio.widgets.command_grammar import PLACEHOLDER, Command, parse_command


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
        command: Command

    def compose(self) -> ComposeResult:
        yield Label("❯")
        yield Input(placeholder=self.placeholder, id="command-input")

    BINDINGS = [Binding("escape", "leave", "Back", show=False, id="command-bar.leave")]

    def __init__(self, placeholder: str = PLACEHOLDER, **kwargs) -> None:
        """`placeholder`: the grammar this screen's users reach for first."""
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self._previous: Widget | None = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        event.input.value = ""
        self.action_leave()
        self.post_message(self.Submitted(text, parse_command(text)))

    def focus_input(self) -> None:
        """Focus the prompt; Enter or Escape gives focus back to where it was."""
        focused = self.screen.focused
        if focused is not None and focused not in self.query("*"):
            self._previous = focused
        self.query_one(Input).focus()

    def action_leave(self) -> None:
        if self._previous is not None and self._previous.is_attached:
            self._previous.focus()
        else:
            self.screen.set_focus(None)
