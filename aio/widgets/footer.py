"""KeysFooter: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and makes every key widget, styles and all) after each
change of the screen's bindings, and the bindings "change" on every focus move: building a
screen moved focus often enough to make some 130 key widgets for the 15 it shows, a third of
the screen's first frame. This one rebuilds once per refresh at most, and not at all when the
shown keys (key, label, enabled) are the same as the last time.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that recomposes only for a real change of the keys it shows."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._pending = False

    def _shown_keys(self) -> tuple:
        return tuple(
            (binding.key, binding.description, enabled, binding.action)
            for (_, binding, enabled, _tip) in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        shown = self._shown_keys()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
