"""The counties (县、市、区) a facility may be registered in, from a data file a bureau
replaces with its own (``REGIONS_FILE``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scoring.rulebook import Entry, read_toml

DEFAULT_REGIONS = Path(__file__).with_name("data") / "regions.toml"
#: As long as the facility's county column.
MAX_NAME = 40


@dataclass(frozen=True)
class Regions:
    city: str
    counties: tuple[str, ...]

    def spelled_as(self, typed: str) -> str | None:
        """The county ``typed`` short for, e.g. 崇川区 for 崇川 (only when one is meant)."""
        typed = typed.strip()
        if not typed:
            return None
        meant = [c for c in self.counties if c.startswith(typed) or typed.endswith(c)]
        return meant[0] if len(meant) == 1 else None


def load_regions(path: Path | str = DEFAULT_REGIONS) -> Regions:
    """The city and its counties, checked: a bad file fails naming the entry."""
    root = Entry(read_toml(path), str(path))
    root.note()
    city = root.get("city", str).strip()
    if not city:
        raise root.fail("city", "must not be empty")
    names = root.get("counties", list)
    if not names:
        raise root.fail("counties", "must list at least one county")
    seen: list[str] = []
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise root.fail(f"counties[{i}]", f"expected a name, no spaces around, got {name!r}")
        if len(name) > MAX_NAME:
            raise root.fail(f"counties[{i}]", f"longer than {MAX_NAME} characters")
        if name in seen:
            raise root.fail(f"counties[{i}]", f"{name!r} is listed twice")
        seen.append(name)
    return Regions(city, tuple(seen))
