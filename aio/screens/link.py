"""A modal that shows a browser link for copying (useful over SSH, where no browser opens)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class LinkScreen(ModalScreen[None]):
    """Shows a one-time link; the text is selectable and can be copied to the clipboard."""

    BINDINGS = [Binding("escape", "close", "Close", id="link.close")]

    def __init__(self, url: str, opened: bool) -> None:
        super().__init__()
        self.url = url
        self.opened = opened

    def compose(self) -> ComposeResult:
        with Vertical(id="link-dialog", classes="dialog"):
            opened = "Opened in your browser. " if self.opened else ""
            yield Label(f"{opened}One-time link (works once, for five minutes):", classes="title")
            yield Input(self.url, id="link-url")
            with Horizontal(classes="buttons"):
                yield Button("Copy", variant="primary", id="link-copy")
                yield Button("Close", id="link-close")

    @on(Button.Pressed, "#link-copy")
    def _copy(self) -> None:
        self.app.copy_to_clipboard(self.url)
        self.notify("link copied", title="aio")

    @on(Button.Pressed, "#link-close")
    def action_close(self) -> None:
        self.dismiss(None)
