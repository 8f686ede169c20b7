"""The layer rule: the core, the client, the browser bridge, every domain package, the settings,
the text helpers and the packaged data never import Textual.

Each module is imported in a fresh interpreter, so nothing another test imported can hide a
dependency.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

# Everything but the entry points and the dashboard (app.py, screens/, widgets/, styles/).
HEADLESS_PACKAGES = (
    "aio.core",
    "aio.client",
    "aio.web",
    "aio.config",
    "aio.text",
    "aio.data",
    "aio.jobs",
    "aio.todos",
    "aio.clis",
    "aio.worklets",
    "aio.kv",
    "aio.claude",
    "aio.flows",
)
DASHBOARD = ("aio.app", "aio.screens", "aio.widgets", "aio.styles")


def headless_modules() -> list[str]:
    """Every module of every headless package that exists (domains arrive with their issues)."""
    modules = []
    for name in HEADLESS_PACKAGES:
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        modules.append(name)
        found = pkgutil.walk_packages(package.__path__, f"{name}.")
        modules.extend(sorted(info.name for info in found))
    return modules


def test_the_module_list_is_complete() -> None:
    modules = headless_modules()
    for expected in (
        "aio.core.daemon",
        "aio.core.server",
        "aio.jobs.manager",
        "aio.jobs.watch",
        "aio.todos.service",
        "aio.clis.routes",
        "aio.web.bridge",
        "aio.client.core_client",
    ):
        assert expected in modules


def test_every_package_is_headless_or_dashboard() -> None:
    """A new top-level package must be put on one side of the rule."""
    import aio

    tops = {f"aio.{info.name}" for info in pkgutil.iter_modules(aio.__path__) if info.ispkg}
    unsorted = tops - set(HEADLESS_PACKAGES) - set(DASHBOARD)
    assert not unsorted, f"packages on neither side of the layer rule: {sorted(unsorted)}"


@pytest.mark.parametrize("module", headless_modules())
def test_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import {module}, sys\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"importing {module} pulled in Textual:\n{result.stderr}"
