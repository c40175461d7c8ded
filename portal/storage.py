"""The app's file storage, and committing database rows together with the files they name.

Files are written durably *before* the row that names them commits (see
``pledges.storage``), so a crash can leave a file without a row (an orphan, found by
``medcredit storage check``) but never a row without its file. When the database work
fails after a file was stored, :func:`commit_with_files` deletes the files it created
unless some committed row names the same content.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select, union

from pledges.storage import FileSystemStorage, Storage, StoredFile
from portal.extensions import db


def get_storage() -> Storage:
    """The configured backend, one per app."""
    cache = current_app.extensions.setdefault("medcredit_storage", {})
    root = current_app.config.get("STORAGE_ROOT") or str(Path(current_app.instance_path) / "files")
    if root not in cache:
        cache[root] = FileSystemStorage(root)
    return cache[root]


def file_key_columns() -> list:
    """Every column that names a stored file. A feature that stores files adds its own."""
    from portal.models.credit import CreditAttachment
    from portal.models.pledge_extras import PledgePostingCheck, RenderedPledgeFile
    from portal.models.pledges import PledgeUpload

    return [
        PledgeUpload.file_key,
        RenderedPledgeFile.file_key,
        PledgePostingCheck.photo_key,
        CreditAttachment.file_key,
    ]


def referenced_keys() -> set[str]:
    statement = union(*(select(column).where(column.is_not(None)) for column in file_key_columns()))
    return set(db.session.scalars(statement))


def is_referenced(key: str) -> bool:
    return any(
        db.session.scalar(select(column).where(column == key).limit(1)) is not None
        for column in file_key_columns()
    )


@dataclass
class FileBatch:
    """Files stored during one unit of work, so that they can be removed if it fails."""

    storage: Storage
    created: list[str] = field(default_factory=list)

    def store(self, data) -> StoredFile:
        stored = self.storage.store(data)
        if stored.created:
            self.created.append(stored.key)
        return stored

    def discard(self) -> None:
        """After a rollback: delete the files this batch wrote that no row names."""
        for key in self.created:
            if not is_referenced(key):
                self.storage.delete(key)
        self.created.clear()


@contextmanager
def commit_with_files() -> Iterator[FileBatch]:
    """Run the block, then commit. On any error: roll back, delete the block's new
    unreferenced files, re-raise."""
    batch = FileBatch(get_storage())
    try:
        yield batch
        db.session.commit()
    except BaseException:
        db.session.rollback()
        batch.discard()
        raise


@dataclass(frozen=True)
class StorageReport:
    #: On disk, named by no row.
    orphans: list[str]
    #: Named by a row, not on disk.
    missing: list[str]
    #: Temporary files left by an interrupted write.
    strays: list[Path]

    @property
    def ok(self) -> bool:
        return not self.missing


def check_storage() -> StorageReport:
    storage = get_storage()
    on_disk = set(storage.keys())
    referenced = referenced_keys()
    strays = list(storage.stray_files()) if isinstance(storage, FileSystemStorage) else []
    return StorageReport(
        orphans=sorted(on_disk - referenced),
        missing=sorted(referenced - on_disk),
        strays=strays,
    )
