"""The folders remote installs are built in, and removing those a killed install left.

A staging folder is `installs/.tmp-<install_id>-<random>/`. The install holds an exclusive
`flock` on the folder itself for as long as it works in it; the kernel drops the lock when the
process ends, however it ends. So a staging folder whose lock can be taken is a leftover, and
one whose lock is held belongs to an install still running: its age decides nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from aio.clis.registry import installs_dir

STAGING_PREFIX = ".tmp-"
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

log = logging.getLogger("aio.clis")


def _is_open_folder(path: Path, fd: int) -> bool:
    """Whether `path` still names the folder `fd` was opened on."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def staging_folder(installs: Path, install_id: str) -> Iterator[Path]:
    """A new private folder under `installs`, locked while the block runs and removed after it
    (a block that renames it into place leaves nothing to remove)."""
    while True:
        temp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{install_id}-", dir=installs))
        fd = os.open(temp, _FOLDER_FLAGS)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Between mkdtemp and flock a cleanup may have taken the new folder for a leftover.
        if _is_open_folder(temp, fd):
            break
        os.close(fd)
    try:
        yield temp
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        os.close(fd)


def remove_install_leftovers(home: Path) -> list[str]:
    """Remove the staging folders no living install holds; their names. Never raises."""
    removed: list[str] = []
    try:
        candidates = sorted(installs_dir(home).glob(f"{STAGING_PREFIX}cli_*"))
    except OSError:
        return removed
    for temp in candidates:
        try:
            fd = os.open(temp, _FOLDER_FLAGS)
        except OSError:
            continue  # gone already, or not a folder
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its install is running
        try:
            # Holding the lock, the path is ours unless its install renamed it away first.
            if _is_open_folder(temp, fd):
                shutil.rmtree(temp, ignore_errors=True)
                removed.append(temp.name)
        finally:
            os.close(fd)
    if removed:
        log.info("removed what killed installs left: %s", ", ".join(removed))
    return removed
