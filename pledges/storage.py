"""Content-addressed file storage: a file's key is the SHA-256 of its bytes.

:class:`Storage` is the whole interface (store / open / delete / exists / keys), so an
S3-compatible backend can be added beside :class:`FileSystemStorage` without touching its
callers. Storing the same bytes twice yields the same key and one file.

The filesystem backend writes a temporary file in the destination folder, fsyncs it,
renames it into place and fsyncs the folder: once :meth:`store` returns, the file survives a
crash, so the database row that names it may commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class StorageError(RuntimeError):
    """A key that is not a SHA-256, or a file that cannot be read or written."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    #: False when identical content was already stored (nothing was written).
    created: bool


class Storage(Protocol):
    def store(self, data: bytes | BinaryIO) -> StoredFile: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> bool: ...

    def exists(self, key: str) -> bool: ...

    def keys(self) -> Iterator[str]: ...


def check_key(key: str) -> str:
    """Keys are 64 lower-case hex digits; anything else (a path, ``..``) is refused."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileSystemStorage:
    """Files under ``root/ab/cd/<sha256>``; temporary files start with ``.tmp-``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"FileSystemStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """Where ``key`` lives (for serving with sendfile); the file may not exist."""
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _make_dirs(self, folder: Path) -> None:
        """Create ``folder`` and fsync each new level's parent so the entry is durable."""
        missing = []
        current = folder
        while not current.exists():
            missing.append(current)
            current = current.parent
        for level in reversed(missing):
            with contextlib.suppress(FileExistsError):
                level.mkdir(mode=0o750)
            _fsync_dir(level.parent)

    def _write_temp(self, folder: Path, chunks) -> tuple[Path, str, int]:
        """Write ``chunks`` to a new temporary file in ``folder``; fsync it."""
        digest = hashlib.sha256()
        size = 0
        fd, name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise
        return Path(name), digest.hexdigest(), size

    def store(self, data: bytes | BinaryIO) -> StoredFile:
        """Write ``data`` durably and return its key. Identical content is stored once."""
        if isinstance(data, bytes | bytearray | memoryview):
            data = bytes(data)
            key = hashlib.sha256(data).hexdigest()
            final = self.path(key)
            if final.exists():
                return StoredFile(key, len(data), created=False)
            self._make_dirs(final.parent)
            temp, _, size = self._write_temp(final.parent, [data])
        else:
            # Unknown key until the stream is read: spool it at the root (same
            # filesystem, so the rename below is still atomic).
            self._make_dirs(self.root)
            temp, key, size = self._write_temp(self.root, iter(lambda: data.read(CHUNK), b""))
            final = self.path(key)
            if final.exists():
                temp.unlink()
                return StoredFile(key, size, created=False)
            self._make_dirs(final.parent)
        try:
            os.replace(temp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        _fsync_dir(final.parent)
        return StoredFile(key, size, created=True)

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")  # noqa: SIM115  (the caller closes it)
        except FileNotFoundError as exc:
            raise StorageError(f"file {key} is missing from {self.root}") from exc

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def delete(self, key: str) -> bool:
        """Remove the file; False when it was not there."""
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys(self) -> Iterator[str]:
        """Every stored key (temporary files and anything not named by a key are skipped)."""
        if not self.root.exists():
            return
        for first in sorted(self.root.iterdir()):
            if not (first.is_dir() and re.fullmatch(r"[0-9a-f]{2}", first.name)):
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for entry in sorted(second.iterdir()):
                    if KEY_PATTERN.match(entry.name) and entry.name.startswith(
                        first.name + second.name
                    ):
                        yield entry.name

    def stray_files(self) -> Iterator[Path]:
        """Left-over temporary files (a write that crashed before its rename)."""
        if not self.root.exists():
            return
        yield from sorted(self.root.rglob(".tmp-*"))
