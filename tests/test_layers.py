"""The layer rule: the core, the client and the packaged data never import Textual.

Each module is imported in a fresh interpreter, so nothing another test imported can hide a
dependency.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import aio.core


def headless_modules() -> list[str]:
    """Every module under aio.core, plus aio.client and aio.data."""
    core = [info.name for info in pkgutil.walk_packages(aio.core.__path__, "aio.core.")]
    return ["aio.core", *sorted(core), "aio.client", "aio.data"]


def test_the_module_list_is_complete() -> None:
    modules = headless_modules()
    for expected in ("aio.core.daemon", "aio.core.jobs", "aio.core.server", "aio.core.watch"):
        assert expected in modules


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
