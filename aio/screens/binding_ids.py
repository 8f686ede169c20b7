"""Every key binding id of the dashboard, so a `[keymap]` entry that names none of them is an
error before the dashboard starts, not a key that silently does nothing."""

from __future__ import annotations

import importlib
import pkgutil

import aio.screens
import aio.widgets


def known_binding_ids(app_class: type) -> set[str]:
    """The ids of every Binding declared by `app_class`, the screens and the widgets."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    modules = [app_class.__module__]
    for package in (aio.screens, aio.widgets):
        prefix = f"{package.__name__}."
        modules.extend(info.name for info in pkgutil.iter_modules(package.__path__, prefix))
    ids: set[str] = set()
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, DOMNode)):
                continue
            if value.__module__ != name:
                continue
            for binding in value.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def unknown_keymap_ids(keymap: dict[str, str], app_class: type) -> list[str]:
    """The ids in `keymap` that no binding has, sorted."""
    if not keymap:
        return []
    return sorted(set(keymap) - known_binding_ids(app_class))
