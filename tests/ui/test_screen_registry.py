"""The screens the CLI offers (`aio --screen NAME`, kept import-free in aio/cli.py) are the
dashboard's screens (aio/screens/registry.py), each with a key of its own."""

from __future__ import annotations

from aio import cli
from aio.screens.registry import SCREENS


def test_the_cli_offers_every_screen_and_each_has_its_own_key() -> None:
    assert tuple(entry.mode for entry in SCREENS) == cli.SCREENS
    keys = [key for entry in SCREENS for key in entry.keys.split(",")]
    assert len(keys) == len(set(keys)), keys
    for entry in SCREENS:
        assert entry.screen_class().__name__ == entry.cls
