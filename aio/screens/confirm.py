"""ConfirmScreen: the one yes/no question of the dashboard, asked before anything is destroyed
(a job killed or removed, a Claude session or a worklet stopped)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmScreen(ModalScreen[bool]):
    """A question: Enter or y confirms; any other key (Escape, n, ...) cancels."""

    BINDINGS = [
        Binding("enter,y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        """`question` is the title; `detail`, if given, says what will happen."""
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Label(self.question, classes="title", markup=False)
            if self.detail:
                yield Label(self.detail, markup=False)
            yield Label("Enter or y: yes · any other key: no", classes="subtitle")

    def on_key(self, event: events.Key) -> None:
        # Keys the bindings answer are left to them; every other key is a "no".
        if event.key in self._bindings.key_to_bindings:
            return
        event.stop()
        event.prevent_default()
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
