"""aio.core.private_files: folders 0700 all the way down, files 0600 written whole or not at all
(the old file kept and no temporary file left when the write fails)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from aio.core.private_files import private_dir, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_folders_are_private_and_the_file_too(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.json"
    write_private(str(target), "one\n")  # a string path, as the CLI's fast paths give
    assert target.read_text() == "one\n" and mode(target) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert private_dir(tmp_path / "a") == tmp_path / "a"
    write_private(target, "two\n")
    assert target.read_text() == "two\n" and os.listdir(target.parent) == ["c.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    write_private(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_private(target, "bad \udc80 surrogate")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["kept.txt"]
