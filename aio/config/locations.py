"""Where aio keeps its state: everything lives under one root, `$AIO_HOME`.

Functions here only compute paths; creating folders is the core's job (see `ensure_home`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not `from typing import ...`: typing costs the CLI 3 ms
if TYPE_CHECKING:  # pathlib (with urllib.parse and ipaddress) is too dear for `aio ls`
    from pathlib import Path


def aio_home() -> Path:
    """The state root: `$AIO_HOME`, else the platform's user data dir."""
    from pathlib import Path

    return Path(aio_home_text())


def aio_home_text() -> str:
    """`aio_home()` as a string, for the CLI's fast paths (no pathlib import)."""
    env = os.environ.get("AIO_HOME")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    from platformdirs import user_data_dir

    return user_data_dir("aio", appauthor=False)


def socket_path(home: Path) -> Path:
    """The core's unix socket (mode 0600)."""
    return home / "core.sock"


def socket_path_text(home: str | Path) -> str:
    """`socket_path` as a string, for the CLI's fast paths (no pathlib import)."""
    return os.path.join(home, "core.sock")


def lock_path(home: Path) -> Path:
    """The lock file a running core holds, so one core runs per home."""
    return home / "core.lock"


def core_log_path(home: Path) -> Path:
    """Where a core started in the background writes its own log."""
    return home / "core.log"


def database_path(home: Path) -> Path:
    """The SQLite database."""
    return home / "aio.db"


def database_path_text(home: str | Path) -> str:
    """`database_path` as a string, for the CLI's fast paths (no pathlib import)."""
    return os.path.join(home, "aio.db")


def jobs_dir(home: Path) -> Path:
    """The folder that holds one folder per job."""
    return home / "jobs"


def tasks_dir(home: Path) -> Path:
    """The default watch folder: task files dropped here run."""
    return home / "tasks"


def config_path(home: Path) -> Path:
    """The user's config file."""
    return home / "config.toml"


def ensure_home(home: Path) -> None:
    """Create the state root and its folders, private to the user."""
    for folder in (home, jobs_dir(home), tasks_dir(home)):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(home, 0o700)
