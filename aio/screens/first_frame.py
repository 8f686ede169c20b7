"""The first frame's styles, read in one go.

Textual reads a widget class's DEFAULT_CSS when the first widget of that class is mounted, and
then parses the whole stylesheet again: the Jobs screen's first frame, with some fifteen widget
classes mounted in a few batches, parsed every rule of the dashboard six times. Handing Textual
the default CSS of those classes before it starts leaves one parse; a class mounted later (a
dialog, another screen) is read as before.
"""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App
from textual.dom import DOMNode


def first_frame_classes() -> list[type[DOMNode]]:
    """The widget classes of the first screens' frames (tests/ui/test_first_use.py checks the
    Jobs screen holds no other class with a DEFAULT_CSS)."""
    from textual.containers import Horizontal, Vertical
    from textual.widgets import Header, Label, Static
    from textual.widgets._footer import FooterKey
    from textual.widgets._header import HeaderClockSpace, HeaderIcon, HeaderTitle

    from aio.widgets.command_bar import CommandBar, CommandInput
    from aio.widgets.footer import KeysFooter
    from aio.widgets.job_table import JobTable
    from aio.widgets.terminal import TerminalView

    return [
        Header, HeaderIcon, HeaderTitle, HeaderClockSpace, Vertical, Horizontal, Static,
        Label, JobTable, TerminalView, CommandBar, CommandInput, KeysFooter, FooterKey,
    ]  # fmt: skip


def preload_default_css(app: App, classes: list[type[DOMNode]]) -> None:
    """Add the DEFAULT_CSS of `classes` (and their bases) to `app`'s stylesheet, exactly as
    Textual adds them when it mounts one (so it finds them there and does not parse again)."""
    for cls in classes:
        like = SimpleNamespace(_node_bases=DOMNode._css_bases(cls))
        for read_from, css, tie_breaker, scope in DOMNode._get_default_css(like):
            app.stylesheet.add_source(
                css,
                read_from=read_from,
                is_default_css=True,
                tie_breaker=tie_breaker,
                scope=scope,
            )
