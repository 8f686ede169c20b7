"""KeysFooter: Textual's Footer, rebuilt only when the keys it shows change, and fitted to the
terminal's width.

Textual's Footer recomposes (removes and makes every key widget, styles and all) after each
change of the screen's bindings, and the bindings "change" on every focus move: building a
screen moved focus often enough to make some 130 key widgets for the 15 it shows, a third of
the screen's first frame. This one rebuilds once per refresh at most, and not at all when the
shown keys (key, label, enabled) are the same as the last time.

Textual's Footer also lets the keys run off the right edge: on an 80-column terminal the app's
keys, Quit among them, were never seen. This one goes compact when the keys do not fit, then
leaves keys out in this order until they do: the palette key, the app's keys other than those
the app names in `FOOTER_KEEP` (last first), then the screen's own keys (last first). `?` lists
every key of the screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# (binding, enabled, tooltip, whose: "app" or "screen")
Shown = tuple[Binding, bool, str, str]


def key_width(key_display: str, description: str, compact: bool) -> int:
    """The cells a FooterKey takes (its padding and, compact, its margin, included)."""
    if not description:
        return len(key_display) + (1 if compact else 0)
    return len(key_display) + len(description) + (2 if compact else 3)


def fit_keys(
    keys: list[tuple[str, str, str, bool]], palette: int, width: int
) -> tuple[list[int], bool, bool]:
    """Which keys fit in `width`: `keys` are (key display, description, whose, keep) in the
    footer's order; `palette` is the palette key's width (0: none). Returns the indexes kept,
    whether compact, and whether the palette key stays."""
    for compact in (False, True):
        sizes = [key_width(k, d, compact) for k, d, _, _ in keys]
        if sum(sizes) + palette <= width:
            return list(range(len(keys))), compact, bool(palette)
    kept = list(range(len(keys)))
    total = sum(sizes)
    droppable = [i for i in reversed(kept) if keys[i][2] == "app" and not keys[i][3]]
    droppable += [i for i in reversed(kept) if keys[i][2] != "app" and not keys[i][3]]
    for index in droppable:
        if total <= width:
            break
        kept.remove(index)
        total -= sizes[index]
    return kept, True, False


class KeysFooter(Footer):
    """A Footer that recomposes only for a real change of the keys it shows, and shows the
    keys that fit its width (see the module's docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._pending = False

    def _candidates(self) -> tuple[list[Shown], tuple | None]:
        app = self.app
        keys: list[Shown] = []
        palette = None
        actions: set[tuple[int, str]] = set()  # one key per action, as Textual's Footer shows
        for key, (node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if app.ENABLE_COMMAND_PALETTE and key == app.COMMAND_PALETTE_BINDING:
                palette = (binding, enabled, tooltip)
            elif binding.show and (id(node), binding.action) not in actions:
                actions.add((id(node), binding.action))
                keys.append((binding, enabled, tooltip, "app" if node is app else "screen"))
        return keys, palette

    def _fitted(self) -> tuple[list[Shown], bool, tuple | None]:
        """The keys to show, compact or not, and the palette key (or None)."""
        keys, palette = self._candidates()
        keep = set(getattr(self.app, "FOOTER_KEEP", ()))
        described = [
            (self.app.get_key_display(b), b.description, whose, b.id in keep)
            for b, _, _, whose in keys
        ]
        palette_width = 0
        if palette is not None and self.show_command_palette:
            binding = palette[0]
            palette_width = key_width(self.app.get_key_display(binding), binding.description, False)
            palette_width += 2  # its border and right padding
        width = self.size.width or self.app.size.width
        kept, compact, with_palette = fit_keys(described, palette_width, width)
        return [keys[i] for i in kept], compact, palette if with_palette else None

    def _shown_keys(self) -> tuple:
        keys, compact, palette = self._fitted()
        return (
            compact,
            palette is not None,
            tuple((b.key, b.description, enabled, b.action) for b, enabled, _, _ in keys),
        )

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys, compact, palette = self._fitted()
        self.compact = compact
        for binding, enabled, tooltip, _ in keys:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            binding, enabled, tooltip = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self._schedule()

    def on_resize(self) -> None:
        if self._bindings_ready:
            self._schedule()

    def _schedule(self) -> None:
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self._shown is None and getattr(self.app, "_batch_count", 0):
            # Textual holds every frame of the app's start-up until all of it is mounted: the
            # first keys wait for the first frame shown, so making some fifteen key widgets
            # does not hold back the screen's content (the jobs).
            self.call_after_refresh(self._recompose_if_changed)
            return
        self._pending = False
        shown = self._shown_keys()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
