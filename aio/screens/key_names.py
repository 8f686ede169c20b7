"""The key a screen (or the app) has for an action, as the footer shows it: what messages and
the palette name, so they follow a `[keymap]`."""

from __future__ import annotations

from textual.dom import DOMNode


def key_for(node: DOMNode, action: str) -> str:
    """The displayed key of `node`'s binding for `action` (its first key), or '' without one."""
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.action == action:
                return node.app.get_key_display(binding)
    return ""
