"""Calendar files for tests about a year the calendar lacks: the shipped schedule up to
2026 only, so these tests keep their meaning once the shipped file gains 2027."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scoring.workdays import DEFAULT_CALENDAR

#: The last year of the calendar these tests use.
LAST_YEAR = 2026


def calendar_file(path: Path, extra: str = "") -> Path:
    """Write the shipped calendar's years up to ``LAST_YEAR`` to ``path``, then ``extra``
    (more TOML); returns ``path``."""
    years = tomllib.loads(DEFAULT_CALENDAR.read_text(encoding="utf-8"))["years"]
    lines = []
    for year, entry in sorted(years.items()):
        if int(year) > LAST_YEAR:
            continue
        lines.append(f"[years.{year}]")
        for key in ("holidays", "workdays"):
            lines.append(f"{key} = [{', '.join(d.isoformat() for d in entry.get(key, []))}]")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
