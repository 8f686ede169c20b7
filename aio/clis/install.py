"""`aio install`: link a local tool folder, or fetch a remote one from the CLI catalog.

A remote install is all or nothing: the tarball is downloaded into a locked staging folder
(`aio.clis.staging`), its sha256 checked, unpacked by aio itself within caps and with no
absolute paths, `..`, devices or links (`aio.clis.unpack`), its bundled manifest's id checked
against the catalog record, its build step run; only then is it renamed into place. Any
failure removes the staging folder; one a killed install left is removed by the next install
or the next start of the core.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aio.clis.manifest import (
    MANIFEST_NAME,
    ManifestError,
    ToolManifest,
    load_manifest,
    manifest_path,
    parse_manifest,
)
from aio.clis.registry import (
    DEFAULT_DEV_ROOTS,
    ToolRecord,
    all_records,
    ensure_cli_dir,
    installs_dir,
    now_text,
    read_index,
    write_index,
    write_link,
)
from aio.clis.staging import remove_install_leftovers, staging_folder
from aio.clis.unpack import UnpackError, UnpackLimits, unpack
from aio.core.private_files import private_dir, write_private

INSTALL_ID = re.compile(r"cli[_:]([0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26})")
MAX_DOWNLOAD = 512 * 1024 * 1024
BUILD_TIMEOUT = 600
ACCEPTED_FORMS = (
    "a folder with a flow-tool.toml, a flow-tool.toml file, or a catalog id like "
    "cli_01JV8N3Q5M7K9P2R4T6V8X0Z2B (also cli:...)"
)


class InstallError(RuntimeError):
    """An install that could not be done; nothing was left behind."""


@dataclass(slots=True)
class InstallResult:
    record: ToolRecord | None
    message: str
    changed: bool


def normalise_install_id(text: str) -> str | None:
    match = INSTALL_ID.fullmatch(text)
    return f"cli_{match.group(1).upper()}" if match else None


def install(
    home: Path,
    target: str,
    *,
    force: bool = False,
    catalog: str | None = None,
    dev_roots=DEFAULT_DEV_ROOTS,
) -> InstallResult:
    """Dispatch on what `target` is: an existing path, a catalog id, or neither (an error)."""
    path = Path(target).expanduser()
    if path.exists():
        return install_link(home, path, force=force, dev_roots=dev_roots)
    install_id = normalise_install_id(target)
    if install_id is not None:
        if not catalog:
            raise InstallError(
                "no CLI catalog is set: set AIO_CLI_CATALOG or 'cli_catalog' in config.toml "
                "to an http(s) URL or a local path of the catalog JSON"
            )
        return install_remote(home, install_id, catalog, force=force, dev_roots=dev_roots)
    raise InstallError(
        f"'{target}' is neither an existing path nor a catalog id; give {ACCEPTED_FORMS}"
    )


def _others(home: Path, tool_id: str, dev_roots, exclude_key: str | None = None):
    return [r for r in all_records(home, dev_roots) if r.id == tool_id and r.key != exclude_key]


def install_link(home: Path, path: Path, *, force: bool, dev_roots=DEFAULT_DEV_ROOTS):
    """Register a local tool by reference to its source (never copied)."""
    remove_install_leftovers(home)
    manifest_file = manifest_path(path.absolute())
    try:
        manifest = load_manifest(manifest_file)
    except ManifestError as exc:
        raise InstallError(str(exc)) from None
    others = _others(home, manifest.id, dev_roots)
    for other in others:
        if other.kind == "link":
            if other.source_root.resolve() == manifest.source_root.resolve():
                return InstallResult(
                    other, f"{manifest.id} is already installed from {other.source_root}", False
                )
            if not force:
                raise InstallError(
                    f"{manifest.id} is already installed from {other.source_root}; "
                    "use --force to point it at this folder instead"
                )
        elif other.kind == "install" and not force:
            raise InstallError(
                f"{manifest.id} would shadow the remote install {other.install_id}; "
                "use --force to make this folder the active one"
            )
    ensure_cli_dir(home)
    write_link(home, manifest)
    active = read_index(home)["active"]
    if force and any(o.kind == "install" for o in others):
        active[manifest.id] = "link"
    write_index(home, active)
    record = next(r for r in all_records(home, ()) if r.key == "link" and r.id == manifest.id)
    return InstallResult(record, f"installed {manifest.id} (link to {manifest.source_root})", True)


# Remote installs


def load_catalog(location: str) -> list[dict]:
    """The catalog's records, from an http(s) URL or a local file."""
    if location.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(location, timeout=30) as answer:
                raw = answer.read(64 * 1024 * 1024)
        except OSError as exc:
            raise InstallError(f"cannot read the CLI catalog {location}: {exc}") from None
    else:
        try:
            raw = Path(location).expanduser().read_bytes()
        except OSError as exc:
            raise InstallError(f"cannot read the CLI catalog {location}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstallError(f"the CLI catalog {location} is not valid JSON: {exc}") from None
    records = data.get("clis") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InstallError(f"the CLI catalog {location}: expected a list of records")
    return [r for r in records if isinstance(r, dict)]


def find_record(records: list[dict], install_id: str, location: str) -> dict:
    for record in records:
        if normalise_install_id(str(record.get("install_id", ""))) == install_id:
            return record
    raise InstallError(f"{install_id} is not in the CLI catalog {location}")


def check_record(record: dict, where: str) -> tuple[ToolManifest, str, str]:
    """Validate a catalog record; returns its manifest, tarball URL and sha256."""
    tool_id = record.get("id")
    if not isinstance(tool_id, str):
        raise InstallError(f"{where}: field 'id': expected the tool id")
    source = record.get("source")
    if not isinstance(source, dict) or source.get("kind") != "tarball":
        raise InstallError(f"{where}: field 'source': expected {{kind: tarball, url, sha256}}")
    url, digest = source.get("url"), source.get("sha256")
    if not isinstance(url, str) or not url:
        raise InstallError(f"{where}: field 'source.url': expected a URL or path")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
        raise InstallError(f"{where}: field 'source.sha256': expected 64 hex digits")
    try:
        manifest = parse_manifest(record.get("manifest"), f"{where} manifest")
    except ManifestError as exc:
        raise InstallError(str(exc)) from None
    if manifest.id != tool_id:
        raise InstallError(f"{where}: its manifest's id is '{manifest.id}', not '{tool_id}'")
    return manifest, url, digest.lower()


def _download(url: str, target: Path, catalog: str) -> str:
    """Copy the tarball to `target`; returns its sha256. A relative `url` is taken from where
    the catalog is (its URL, or its file's folder)."""
    digest = hashlib.sha256()
    size = 0
    if catalog.startswith(("http://", "https://")):
        from urllib.parse import urljoin

        url = urljoin(catalog, url)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        with os.fdopen(os.open(target, flags, 0o600), "wb") as out:
            if url.startswith(("http://", "https://")):
                import urllib.request

                opener = urllib.request.urlopen(url, timeout=60)
            else:
                opener = (Path(catalog).expanduser().parent / url).open("rb")
            with opener as source:
                while chunk := source.read(1024 * 1024):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD:
                        raise InstallError(f"{url}: larger than {MAX_DOWNLOAD // 2**20} MiB")
                    digest.update(chunk)
                    out.write(chunk)
    except OSError as exc:
        raise InstallError(f"cannot download {url}: {exc}") from None
    return digest.hexdigest()


def _source_root(unpacked: Path) -> Path:
    """Where the bundled manifest is: the top, or the tarball's single top-level folder."""
    if (unpacked / MANIFEST_NAME).is_file():
        return unpacked
    entries = [p for p in unpacked.iterdir()]
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / MANIFEST_NAME).is_file():
        return entries[0]
    raise InstallError(f"the tarball has no {MANIFEST_NAME} at its top")


def run_build(manifest: ToolManifest, root: Path) -> tuple[int, str]:
    """Run `[exec].build` in `root`; (exit code, the tail of its output)."""
    try:
        done = subprocess.run(
            list(manifest.build or ()),
            cwd=root,
            env={**os.environ, **manifest.env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=BUILD_TIMEOUT,
        )
    except FileNotFoundError:
        return 127, f"command not found: {manifest.build[0]}"
    except subprocess.TimeoutExpired:
        return 124, f"build timed out after {BUILD_TIMEOUT} s"
    output = (done.stdout + done.stderr).decode(errors="replace")
    return done.returncode, output[-2000:]


def install_remote(
    home: Path,
    install_id: str,
    catalog: str,
    *,
    force: bool = False,
    dev_roots=DEFAULT_DEV_ROOTS,
    replaces: str | None = None,
    limits: UnpackLimits | None = None,
) -> InstallResult:
    """Fetch, verify, unpack, check and register a catalog record. `limits` default to the
    caps set in config.toml."""
    remove_install_leftovers(home)
    record = find_record(load_catalog(catalog), install_id, catalog)
    where = f"catalog record {install_id}"
    manifest, url, expected = check_record(record, where)
    final = installs_dir(home) / install_id
    if final.exists():
        existing = next((r for r in all_records(home, ()) if r.install_id == install_id), None)
        return InstallResult(existing, f"{install_id} ({manifest.id}) is already installed", False)
    others = _others(home, manifest.id, dev_roots, exclude_key=replaces and f"install:{replaces}")
    if others and not force:
        names = ", ".join(f"{o.kind} {o.install_id or o.source_root}" for o in others)
        raise InstallError(
            f"{manifest.id} would shadow {names}; use --force to make this install the active one"
        )
    if limits is None:
        from aio.config.settings import load_config

        limits = UnpackLimits.from_config(load_config(home))
    ensure_cli_dir(home)
    # A folder of its own: another `aio install` of the same id may be running.
    with staging_folder(private_dir(installs_dir(home)), install_id) as temp:
        meta = _stage(temp, install_id, record, manifest, url, expected, catalog, limits)
        write_private(temp / "install.json", json.dumps(meta, indent=2) + "\n")
        try:
            temp.rename(final)
        except OSError:
            if not final.is_dir():
                raise
            # The other install finished first.
            existing = next((r for r in all_records(home, ()) if r.install_id == install_id), None)
            return InstallResult(
                existing, f"{install_id} ({manifest.id}) is already installed", False
            )
    active = read_index(home)["active"]
    if others or replaces:
        active[manifest.id] = f"install:{install_id}"
    write_index(home, active)
    installed = next(r for r in all_records(home, ()) if r.install_id == install_id)
    version = f" {record.get('version')}" if record.get("version") else ""
    return InstallResult(installed, f"installed {manifest.id}{version} ({install_id})", True)


def _stage(
    temp: Path,
    install_id: str,
    record: dict,
    manifest: ToolManifest,
    url: str,
    expected: str,
    catalog: str,
    limits: UnpackLimits,
) -> dict:
    """Download, check, unpack and build in the staging folder; the install's install.json."""
    tarball = temp / "download.tar"
    actual = _download(url, tarball, catalog)
    if actual != expected:
        raise InstallError(f"{url}: sha256 is {actual}, the catalog says {expected}; not installed")
    unpacked = temp / "source"
    unpacked.mkdir(mode=0o700)
    try:
        unpack(tarball, unpacked, limits)
    except UnpackError as exc:
        raise InstallError(str(exc)) from None
    tarball.unlink()
    root = _source_root(unpacked)
    try:
        bundled = load_manifest(root / MANIFEST_NAME)
    except ManifestError as exc:
        raise InstallError(str(exc)) from None
    if bundled.id != manifest.id:
        raise InstallError(
            f"the bundled manifest's id is '{bundled.id}', the catalog record's is "
            f"'{manifest.id}'; not installed"
        )
    if bundled.build:
        code, output = run_build(bundled, root)
        if code != 0:
            raise InstallError(f"{bundled.id}: the build step failed (exit {code}):\n{output}")
    with (root / MANIFEST_NAME).open(encoding="utf-8", newline="") as bundled_file:
        write_private(temp / MANIFEST_NAME, bundled_file.read())  # a private copy, byte for byte
    return {
        "install_id": install_id,
        "id": manifest.id,
        "version": record.get("version"),
        "published_at": record.get("published_at"),
        "installed_at": now_text(),
        "url": url,
        "sha256": actual,
        "catalog": catalog,
        "source_root": str(root.relative_to(temp)),
    }
