"""TranscriptView: a headless Claude session's transcript, entry by entry as it streams."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from aio.claude.transcript_text import format_entry

MAX_LINES = 5000  # the view keeps the newest lines; `aio claude show N` prints them all
ENTRY_STYLES = {
    "user": "bold",
    "assistant": "",
    "tool_use": "cyan",
    "tool_result": "dim",
    "result": "green",
}


def entry_text(entry: dict) -> Text:
    """One entry, styled by its kind (an error result in red)."""
    style = ENTRY_STYLES.get(entry.get("kind", ""), "")
    if entry.get("is_error"):
        style = "bold red" if entry.get("kind") == "result" else "red"
    return Text(format_entry(entry), style=style)


class TranscriptView(RichLog):
    """The entries of one session: `begin` clears it for a session, `show` puts its
    transcript so far, `add` appends one entry."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, **kwargs)
        self.session: int | None = None
        self.count = 0

    def begin(self, session: int | None, note: str = "loading…") -> None:
        """Clear the view for `session` (None: one aio never ran), showing `note` until the
        first entry."""
        self.clear()
        self.session = session
        self.count = 0
        self.write(Text(note, style="dim italic"))

    def show(self, session: int | None, entries: list[dict]) -> None:
        """Show `entries`, the whole transcript of `session` so far."""
        self.begin(session, "nothing in its transcript yet")
        for entry in entries:
            self.add(entry)

    def add(self, entry: dict) -> None:
        """Append one entry; the view follows the end unless the user scrolled up."""
        if self.count == 0:
            self.clear()  # the note that stood in for the entries
        self.write(entry_text(entry))
        self.count += 1
