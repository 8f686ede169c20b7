"""Unit tests of the settings file (aio.config.settings) and control-key names (aio.config.keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aio.config.keys import parse_control_key
from aio.config.settings import Config, ConfigError, config_from_mapping, load_config


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert (config.workers, config.keep_jobs, config.ring_bytes) == (4, 20, 512 * 1024)
    assert (config.watch_folders, config.detach_key, config.keymap) == ([], "ctrl-]", {})


def test_file_values_are_read(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'workers = 1\nkeep_jobs = 2\nring_bytes = 4096\nwatch_folders = ["~/t"]\n'
        'detach_key = "ctrl-q"\n[keymap]\nquit = "ctrl+x"\n'
    )
    config = load_config(tmp_path)
    assert (config.workers, config.keep_jobs, config.ring_bytes) == (1, 2, 4096)
    assert config.watch_folders == [str(Path("~/t").expanduser())]
    assert config.detach_key == "ctrl-q"
    assert config.keymap == {"quit": "ctrl+x"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"workers": 0}, "'workers' must be a whole number from 1 to 256"),
        ({"workers": 257}, "'workers' must be a whole number from 1 to 256"),
        ({"workers": "4"}, "'workers' must be a whole number"),
        ({"workers": True}, "'workers' must be a whole number"),
        ({"keep_jobs": 0}, "'keep_jobs' must be a whole number from 1 to 100000"),
        ({"ring_bytes": 100}, "'ring_bytes' must be a whole number from 4096"),
        ({"watch_folders": "/tmp"}, "'watch_folders' must be a list of folder paths"),
        ({"watch_folders": [1]}, "'watch_folders' must be a list of folder paths"),
        ({"detach_key": "esc"}, "'detach_key': expected a key like 'ctrl-]'"),
        ({"keymap": {"quit": 1}}, "'keymap' must map binding ids to key names"),
        ({"wokers": 2}, "unknown setting 'wokers' (known: "),
    ],
)
def test_bad_values_and_unknown_keys_are_named(raw: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(raw, source="/h/config.toml")
    message = str(caught.value)
    assert message.startswith("/h/config.toml: ")
    assert expected in message


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping({"colour": "red"})
    for key in ("workers", "keep_jobs", "ring_bytes", "watch_folders", "detach_key", "keymap"):
        assert key in str(caught.value)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("workers = = 3\n")
    with pytest.raises(ConfigError, match=f"^{path}: not valid TOML"):
        load_config(tmp_path)
    path.write_text("workers = 0\n")
    with pytest.raises(ConfigError, match=f"^{path}: 'workers' must be"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("name", "byte"),
    [
        ("ctrl-]", 0x1D),
        ("ctrl-a", 1),
        ("ctrl-Q", 17),
        ("ctrl-z", 26),
        ("ctrl-@", 0),
        ("ctrl-[", 27),
        ("ctrl-\\", 28),
        ("ctrl-^", 30),
        ("ctrl-_", 31),
    ],
)
def test_control_key_bytes(name: str, byte: int) -> None:
    assert parse_control_key(name) == byte


@pytest.mark.parametrize("name", ["ctrl-", "ctrl-ab", "alt-x", "ctrl-1", "ctrl-é", "]", None])
def test_bad_control_keys_are_refused(name: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_control_key(name)  # type: ignore[arg-type]
