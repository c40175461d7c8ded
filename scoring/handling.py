"""Handling results (处理结果) from seed 001 annex 2, loaded and checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scoring.rulebook import Entry, read_toml

DEFAULT_HANDLING_RESULTS = Path(__file__).with_name("data") / "handling_results.toml"
HANDLING_SUBJECTS = ("facility", "insured")
COUNTS = ("subjects", "money")


@dataclass(frozen=True)
class HandlingResult:
    subject: str
    code: str
    label: str
    annex_row: int
    counts: str
    #: Confirming a finding with this result lists the facility on the blacklist.
    blacklist: bool = False


def load_handling_results(path: Path | str = DEFAULT_HANDLING_RESULTS) -> dict[str, HandlingResult]:
    """Handling results by code, in file order; codes are unique across subjects."""
    root = Entry(read_toml(path), str(path))
    results: dict[str, HandlingResult] = {}
    for subject in HANDLING_SUBJECTS:
        rows = set()
        for entry in root.tables(subject):
            code = entry.get("code", str)
            if code in results:
                raise entry.fail("code", f"duplicate code {code!r}")
            counts = entry.get("counts", str)
            if counts not in COUNTS:
                raise entry.fail("counts", f"must be one of {COUNTS}")
            row = entry.int("annex_row", 1)
            if row in rows:
                raise entry.fail("annex_row", f"row {row} is used twice")
            rows.add(row)
            results[code] = HandlingResult(
                subject,
                code,
                entry.get("label", str),
                row,
                counts,
                entry.get("blacklist", bool, False),
            )
    return results


def for_subject(results: dict[str, HandlingResult], subject: str) -> list[HandlingResult]:
    return [r for r in results.values() if r.subject == subject]
