"""Rulebook files with one entry changed, for the tests of what a loader refuses."""

from __future__ import annotations

from pathlib import Path


def edited_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of ``source`` in ``tmp_path`` with the first ``old`` (which it must hold)
    replaced by ``new``."""
    text = source.read_text(encoding="utf-8")
    assert old in text, f"{source.name} no longer holds {old!r}"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
