"""The content-addressed filesystem storage."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from pledges.storage import FileSystemStorage, StorageError


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(tmp_path / "files")


def test_store_open_delete(storage):
    stored = storage.store(b"hello pledge")
    assert stored.key == hashlib.sha256(b"hello pledge").hexdigest()
    assert stored.created and stored.size == 12
    assert storage.exists(stored.key)
    with storage.open(stored.key) as fh:
        assert fh.read() == b"hello pledge"
    assert list(storage.keys()) == [stored.key]
    assert storage.delete(stored.key) is True
    assert not storage.exists(stored.key)
    assert storage.delete(stored.key) is False
    with pytest.raises(StorageError):
        storage.open(stored.key)


def test_same_content_is_stored_once(storage):
    first = storage.store(b"same")
    second = storage.store(io.BytesIO(b"same"))
    assert first.key == second.key
    assert first.created and not second.created
    assert list(storage.keys()) == [first.key]


def test_streams_are_hashed_while_written(storage):
    data = os.urandom(3 * 1024 * 1024 + 17)
    stored = storage.store(io.BytesIO(data))
    assert stored.key == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert storage.read(stored.key) == data


def test_no_temporary_files_are_left(storage):
    storage.store(b"a")
    storage.store(io.BytesIO(b"b"))
    storage.store(io.BytesIO(b"a"))
    assert list(storage.stray_files()) == []


def test_layout_and_permissions(storage):
    stored = storage.store(b"layout")
    path = storage.path(stored.key)
    assert path.relative_to(storage.root).parts == (stored.key[:2], stored.key[2:4], stored.key)


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "", "A" * 64, "0" * 63, "g" * 64, "/" + "0" * 63, None]
)
def test_keys_that_are_not_digests_are_refused(storage, key):
    with pytest.raises(StorageError):
        storage.path(key)
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.delete(key)


def test_keys_ignores_foreign_files(storage):
    stored = storage.store(b"x")
    (storage.root / "README").write_text("not a key")
    (storage.root / "zz").mkdir()
    assert list(storage.keys()) == [stored.key]


def test_a_failed_write_leaves_nothing(storage, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        storage.store(b"never")
    assert list(storage.keys()) == [] and list(storage.stray_files()) == []
