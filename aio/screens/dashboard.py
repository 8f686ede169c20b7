"""What the dashboard's actions and palette need of the app, as a protocol: the app is handed to
them and satisfies it, so they never import `aio.app` (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from aio.client.async_client import AsyncCoreClient


class Dashboard(Protocol):
    """The parts of the running dashboard app that actions use."""

    home: Path
    core: AsyncCoreClient
    clock: Callable[[], float]
    tasks: list[dict]

    async def ask_core(
        self, method: str, path: str, body: dict | None = None, *, title: str = "aio"
    ) -> dict | None:
        """A request to the core; a refusal is shown as a notification and gives None."""
        ...

    def notify(self, message: str, *, title: str = "", severity: str = "information") -> None:
        """Show a toast."""
        ...

    def push_screen(self, screen: Any) -> Any:
        """Show a screen (a modal) above the current one."""
        ...

    def suspend(self) -> AbstractContextManager[None]:
        """Give the terminal to another program for the duration."""
        ...

    async def switch_mode(self, mode: str) -> None:
        """Go to one of the dashboard's screens (modes)."""
        ...

    def action_menu(self) -> None:
        """Open the task menu."""
        ...

    def action_help(self) -> None:
        """Show the current screen's keys."""
        ...
