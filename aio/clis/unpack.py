"""Unpacking a catalog tarball without trusting tarfile's extraction.

`tarfile` only reads the archive here; aio writes every folder and file itself. Links are
refused outright (symlinks and hardlinks alike: a bundle that needs one makes it in its build
step), so nothing can be written through one; every folder and file is created relative to a
folder descriptor aio opened with `O_NOFOLLOW`, files with `O_CREAT | O_EXCL | O_NOFOLLOW`, so
a link planted by someone else is refused rather than followed. The unpacked bytes and the
member count are capped while reading, before anything over the cap is written, and the
decompressed stream itself is capped so that headers cannot be a bomb either. Afterwards every
path is checked: a folder or a regular file with one link, never a symlink.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aio.config.settings import Config

CHUNK = 1024 * 1024
# Stream room a member's headers may take beyond its data: its header, a pax or GNU long-name
# header with its data, and the padding of its data to 512 bytes.
HEADER_ROOM = 4096
END_ROOM = 1024 * 1024  # the end-of-archive blocks and the record padding after them
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError)


class UnpackError(ValueError):
    """A tarball that was not unpacked; the message names the member and what was wrong."""


@dataclass(frozen=True, slots=True)
class UnpackLimits:
    """The caps on one unpack: total bytes of file data, and members (folders included)."""

    max_bytes: int = 256 * 1024 * 1024
    max_members: int = 20_000

    @classmethod
    def from_config(cls, config: Config) -> UnpackLimits:
        """The caps set in config.toml (`cli_unpack_max_bytes`, `cli_unpack_max_members`)."""
        return cls(config.cli_unpack_max_bytes, config.cli_unpack_max_members)

    @property
    def max_stream(self) -> int:
        """The most decompressed archive bytes read: the data cap plus room for headers."""
        return self.max_bytes + self.max_members * HEADER_ROOM + END_ROOM


class _StreamCapped(Exception):
    """The decompressed archive passed its cap (told with the member it passed it after)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def message(self, members: int, last: tarfile.TarInfo | None) -> str:
        after = f" after member {members}, {last.name}" if last is not None else ""
        return (
            f"the tarball's headers and data pass {self.limit} bytes{after} "
            f"(cli_unpack_max_bytes plus {HEADER_ROOM} bytes of headers a member allowed by "
            "cli_unpack_max_members); not installed"
        )


class _CappedReader:
    """A read-only stream that refuses to give more than `limit` bytes."""

    def __init__(self, source: BinaryIO, limit: int) -> None:
        self.source = source
        self.limit = limit
        self.given = 0

    def read(self, size: int = -1) -> bytes:
        room = self.limit + 1 - self.given
        data = self.source.read(room if size < 0 else min(size, room))
        self.given += len(data)
        if self.given > self.limit:
            raise _StreamCapped(self.limit)
        return data


def _decompressed(raw: BinaryIO) -> BinaryIO:
    """`raw` read through the decompressor its first bytes name (gzip, bzip2, xz or none)."""
    magic = raw.read(6)
    raw.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw)
    return raw


def member_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    """The member's path as folder names below the destination; refuses what could leave it."""
    name = member.name
    if name.startswith(("/", "\\")):
        raise UnpackError(f"the tarball holds an absolute path: {name}")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise UnpackError(f"the tarball holds a path with '..': {name}")
    return parts


def _refuse_kind(member: tarfile.TarInfo) -> None:
    if member.issym():
        raise UnpackError(
            f"the tarball holds a symlink: {member.name} -> {member.linkname} "
            "(catalog bundles may hold no links; a build step can make them)"
        )
    if member.islnk():
        raise UnpackError(
            f"the tarball holds a hardlink: {member.name} -> {member.linkname} "
            "(catalog bundles may hold no links; a build step can make them)"
        )
    if member.isdev() or member.isfifo():
        raise UnpackError(f"the tarball holds a device or pipe: {member.name}")
    raise UnpackError(f"the tarball holds a member of unknown type {member.type!r}: {member.name}")


def _open_folder(root_fd: int, parts: tuple[str, ...], name: str) -> int:
    """A descriptor of the folder `parts` below `root_fd`, made (0700) where missing; never
    through a link."""
    fd = os.dup(root_fd)
    done: list[str] = []
    try:
        for part in parts:
            done.append(part)
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o700, dir_fd=fd)
            try:
                inner = os.open(part, FOLDER_FLAGS, dir_fd=fd)
            except OSError as exc:
                where = "/".join(done)
                raise UnpackError(
                    f"cannot unpack {name}: {where} is not a folder aio made ({exc.strerror})"
                ) from None
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


class _Unpacker:
    """One unpack into `dest`: the running totals against the limits."""

    def __init__(self, root_fd: int, limits: UnpackLimits) -> None:
        self.root_fd = root_fd
        self.limits = limits
        self.members = 0
        self.written = 0

    def add(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise UnpackError(
                f"the tarball holds more than {self.limits.max_members} members "
                f"(cli_unpack_max_members): refused at member {self.members}, {member.name}; "
                "not installed"
            )
        parts = member_parts(member)
        if member.isdir():
            os.close(_open_folder(self.root_fd, parts, member.name))
        elif member.isreg() and parts:
            self._check_size(member.name, member.size)
            source = archive.extractfile(member)
            if source is None:  # tarfile gives a reader for every regular member
                raise UnpackError(f"cannot unpack {member.name}: tarfile has no data for it")
            self._write(parts, member, source)
        elif member.isreg():
            raise UnpackError(f"the tarball holds a file with no name: {member.name!r}")
        else:
            _refuse_kind(member)

    def _check_size(self, name: str, size: int) -> None:
        if self.written + size > self.limits.max_bytes:
            raise UnpackError(
                f"the tarball unpacks to more than {self.limits.max_bytes} bytes "
                f"(cli_unpack_max_bytes): {name} ({size} bytes) would bring it to "
                f"{self.written + size} bytes; not installed"
            )

    def _write(self, parts: tuple[str, ...], member: tarfile.TarInfo, source: BinaryIO) -> None:
        mode = 0o700 if member.mode & 0o111 else 0o600
        folder = _open_folder(self.root_fd, parts[:-1], member.name)
        try:
            try:
                fd = os.open(parts[-1], FILE_FLAGS, mode, dir_fd=folder)
            except FileExistsError:
                # A later member of the same name wins, as with tar; the name is removed, never
                # followed, and a folder of that name is not replaced.
                try:
                    os.unlink(parts[-1], dir_fd=folder)
                except OSError:
                    raise UnpackError(
                        f"cannot unpack {member.name}: a folder of that name is there already"
                    ) from None
                fd = os.open(parts[-1], FILE_FLAGS, mode, dir_fd=folder)
        finally:
            os.close(folder)
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                # The header's size was checked; this holds even if the data says otherwise.
                self._check_size(member.name, len(chunk))
                self.written += len(chunk)
                out.write(chunk)
            os.fchmod(fd, mode)
            with contextlib.suppress(OverflowError, ValueError, OSError):
                os.utime(fd, (member.mtime, member.mtime))  # for builds that compare times


def unpack(tarball: Path, dest: Path, limits: UnpackLimits) -> None:
    """Unpack `tarball` into the empty folder `dest` (see the module's docstring)."""
    with tarball.open("rb") as raw:
        stream = _CappedReader(_decompressed(raw), limits.max_stream)
        try:
            archive = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 (closed below)
        except _StreamCapped as exc:
            raise UnpackError(exc.message(0, None)) from None
        except READ_ERRORS as exc:
            raise UnpackError(f"the download is not a readable tarball: {exc}") from None
        with archive:
            _unpack_members(archive, dest, limits)
    verify_inside(dest)


def _unpack_members(archive: tarfile.TarFile, dest: Path, limits: UnpackLimits) -> None:
    root_fd = os.open(dest, FOLDER_FLAGS)
    unpacker = _Unpacker(root_fd, limits)
    member = None
    try:
        for member in archive:
            try:
                unpacker.add(archive, member)
            except OSError as exc:
                why = exc.strerror or exc
                raise UnpackError(f"cannot unpack {member.name}: {why}") from None
    except _StreamCapped as exc:
        raise UnpackError(exc.message(unpacker.members, member)) from None
    except READ_ERRORS as exc:
        after = f" after {member.name}" if member is not None else ""
        raise UnpackError(f"cannot unpack the tarball{after}: {exc}") from None
    finally:
        os.close(root_fd)


def verify_inside(dest: Path) -> None:
    """Check that every path under `dest` is a folder or a file with a single link, so none
    resolves outside it (not through `os.path.realpath`, which gives up on long paths)."""
    for folder, folders, files in os.walk(dest):
        for name in folders + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            relative = os.path.relpath(path, dest)
            if stat.S_ISLNK(info.st_mode):
                raise UnpackError(f"after unpacking, {relative} is a link; not installed")
            if stat.S_ISREG(info.st_mode) and info.st_nlink != 1:
                raise UnpackError(f"after unpacking, {relative} is linked elsewhere; not installed")
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                raise UnpackError(f"after unpacking, {relative} is not a file; not installed")
