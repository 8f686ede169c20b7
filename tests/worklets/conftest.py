"""Fixtures of the worklet tests: the shared `home` and `core` (tests/conftest.py), and the
Claude fixtures (the Messages API stub, the CLI's home, a core on it) that `aio wl prompt`
needs, which live with the Claude tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "claude"))
from claude_fixtures import claude_core, claude_home, stub

__all__ = ["claude_core", "claude_home", "stub"]
