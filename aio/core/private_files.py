"""Files only their user may read: folders made 0700 all the way down, and files written whole
or not at all (a private temporary file beside them, then a rename). Stdlib only, and paths
may be strings: the CLI's fast paths use it without pathlib."""

from __future__ import annotations

import os


def private_dir(path):
    """Make `path` and each missing folder above it 0700 (`mkdir(parents=True)` would make
    those above 0755); returns `path`."""
    if not os.path.isdir(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            private_dir(parent)
        os.makedirs(path, 0o700, exist_ok=True)  # its parents exist: only it is made
    return path


def write_private(path, text: str) -> None:
    """Write `text` to `path` atomically, the file 0600 and its missing folders 0700; on any
    error nothing is left behind and the old file, if any, stays."""
    private_dir(os.path.dirname(os.path.abspath(path)))
    folder, name = os.path.split(os.fspath(path))
    temp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
