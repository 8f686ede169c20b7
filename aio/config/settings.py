"""The user's settings: `$AIO_HOME/config.toml`, validated, with defaults.

Unknown keys and wrong types are errors that name the key, so a typo never goes unnoticed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aio.config.locations import config_path

DEFAULT_WEB_PORT = 7681


class ConfigError(ValueError):
    """The config file is unreadable or holds a bad value."""


@dataclass(slots=True)
class Config:
    """Settings with their defaults."""

    workers: int = 4
    keep_jobs: int = 20
    ring_bytes: int = 512 * 1024
    log_max_bytes: int = 1024 * 1024 * 1024  # a job's log past this keeps head + latest output
    watch_folders: list[str] = field(default_factory=list)
    detach_key: str = "ctrl-]"
    keymap: dict[str, str] = field(default_factory=dict)
    web_host: str = "127.0.0.1"
    web_port: int | None = None  # None: DEFAULT_WEB_PORT, or a free port if that is taken
    web_token: str | None = None
    cli_catalog: str | None = None
    cli_dev_roots: list[str] = field(default_factory=lambda: ["~/code/lang/*/cli/*"])
    cli_bin_dir: str | None = None  # where `aio install --shim` writes shims (~/.local/bin)
    cli_unpack_max_bytes: int = 256 * 1024 * 1024  # a catalog tarball's unpacked file data
    cli_unpack_max_members: int = 20_000  # and its members, folders included
    claude_idle_timeout: int = 1800  # seconds an interactive Claude session may sit idle
    claude_max_sessions: int = 10  # Claude sessions that run at once; more wait queued
    kv_port: int = 0  # the worklets' KV listener on 127.0.0.1 (0: any free port)
    kv_url: str | None = None  # postgresql://... : the KV store in Postgres (else SQLite)
    kv_admin_url: str | None = None  # the KV tables' owner, to create the schema (optional)
    worklet_sandbox: bool = True  # run worklets under bubblewrap where `bwrap` is installed
    worklet_start_timeout: int = 60  # seconds a worklet's server may take to answer on its port
    flow_workspaces: list[str] = field(default_factory=list)  # folders with flows/, .codex/flows/
    flow_port: int | None = None  # the flows' signed HTTP events on 127.0.0.1 (None: off; 0: any)
    flow_secret: str | None = None  # the HMAC-SHA256 key of those requests (needed with flow_port)
    flow_token: str | None = None  # a bearer token those requests must also carry (optional)
    flow_legacy_signatures: bool = False  # accept the seed's body-only signature, untimed


_LIMITS = {
    "workers": (1, 256),
    "keep_jobs": (1, 100_000),
    "ring_bytes": (4096, 64 * 1024 * 1024),
    "log_max_bytes": (64 * 1024, 1024**4),
    "web_port": (0, 65535),
    "cli_unpack_max_bytes": (1024 * 1024, 1024**4),
    "cli_unpack_max_members": (1, 10_000_000),
    "claude_idle_timeout": (1, 30 * 86400),
    "claude_max_sessions": (1, 1000),
    "kv_port": (0, 65535),
    "worklet_start_timeout": (1, 3600),
    "flow_port": (0, 65535),
}
_SWITCHES = ("worklet_sandbox", "flow_legacy_signatures")
_TEXT = ("web_host", "web_token", "cli_catalog", "cli_bin_dir", "flow_secret", "flow_token")
_SECRETS = ("web_token", "flow_secret", "flow_token")  # at least 16 characters
_URLS = ("kv_url", "kv_admin_url")
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def load_config(home: Path) -> Config:
    """Read the config file under `home`; a missing file means all defaults."""
    path = config_path(home)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_mapping(raw, source=str(path))


def config_from_mapping(raw: dict, source: str = "config") -> Config:
    """Build a Config from parsed TOML, naming the key of any bad value."""
    config = Config()
    for key, value in raw.items():
        if key in _LIMITS:
            low, high = _LIMITS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{source}: '{key}' must be a whole number from {low} to {high}")
            setattr(config, key, value)
        elif key in _TEXT:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{source}: '{key}' must be a non-empty string")
            if key in _SECRETS and len(value) < 16:
                raise ConfigError(f"{source}: '{key}' must be at least 16 characters")
            setattr(config, key, value)
        elif key in _URLS:
            if not isinstance(value, str) or not value.startswith(_POSTGRES_SCHEMES):
                raise ConfigError(f"{source}: '{key}' must be a postgresql:// URL")
            setattr(config, key, value)
        elif key in _SWITCHES:
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: '{key}' must be true or false")
            setattr(config, key, value)
        elif key in ("watch_folders", "flow_workspaces"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: '{key}' must be a list of folder paths")
            setattr(config, key, [str(Path(v).expanduser()) for v in value])
        elif key == "cli_dev_roots":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: 'cli_dev_roots' must be a list of glob patterns")
            config.cli_dev_roots = list(value)
        elif key == "detach_key":
            from aio.config.keys import parse_control_key

            try:
                parse_control_key(value)
            except ValueError as exc:
                raise ConfigError(f"{source}: 'detach_key': {exc}") from exc
            config.detach_key = value
        elif key == "keymap":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ConfigError(f"{source}: 'keymap' must map binding ids to key names")
            config.keymap = dict(value)
        else:
            others = ("watch_folders", "flow_workspaces", "detach_key", "keymap", "cli_dev_roots")
            known = ", ".join(sorted([*_LIMITS, *_TEXT, *_SWITCHES, *_URLS, *others]))
            raise ConfigError(f"{source}: unknown setting '{key}' (known: {known})")
    if config.flow_port is not None and config.flow_secret is None:
        raise ConfigError(
            f"{source}: 'flow_port' needs 'flow_secret' (16+ characters) to sign the flows' events"
        )
    return config
