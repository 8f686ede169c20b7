"""Fixtures of the Claude tests: the Messages API stub, a private home for the real CLI whose
processes are all gone afterwards, and a core on it (defined in claude_fixtures, which the
dashboard tests share)."""

from __future__ import annotations

from claude_fixtures import claude_core, claude_home, stub

__all__ = ["claude_core", "claude_home", "stub"]
