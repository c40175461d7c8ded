"""Working days on the official Chinese calendar (holidays and make-up working days).

Deadlines in the rules are counted in working days ("15 个工作日内"): the day that starts
the period does not count, the last working day counted is the deadline.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DEFAULT_CALENDAR = Path(__file__).with_name("data") / "cn_calendar.toml"


class CalendarError(ValueError):
    """The calendar has no data for a year; deadlines there are refused, not guessed."""


@dataclass(frozen=True)
class WorkdayCalendar:
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    @classmethod
    def load(cls, path: Path | str = DEFAULT_CALENDAR) -> WorkdayCalendar:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        holidays: set[date] = set()
        workdays: set[date] = set()
        years: set[int] = set()
        for year_text, entry in data.get("years", {}).items():
            year = int(year_text)
            years.add(year)
            for key, target in (("holidays", holidays), ("workdays", workdays)):
                for day in entry.get(key, []):
                    if not isinstance(day, date) or day.year != year:
                        raise CalendarError(f"{path}: years.{year}.{key} has {day!r}")
                    target.add(day)
        clash = holidays & workdays
        if clash:
            raise CalendarError(f"{path}: days both holiday and workday: {sorted(clash)}")
        return cls(frozenset(holidays), frozenset(workdays), frozenset(years))

    def is_workday(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarError(
                f"no official holiday schedule for {day.year}; add it to the calendar file"
            )
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_workdays(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        remaining = count
        while remaining:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def within_workdays(self, start: date, count: int, day: date) -> bool:
        """Whether ``day`` is no later than ``add_workdays(start, count)``, decided from the
        days up to ``day`` only: a filing in a year the calendar has is answered even when
        the deadline itself would fall in a year it lacks yet. Raises ``CalendarError``
        only when ``day`` is in such a year (and the deadline not already behind it)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        remaining = count
        current = start
        while current < day:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
                if remaining == 0:
                    return current == day
        return True

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        return sum(
            self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )


_default: WorkdayCalendar | None = None


def default_calendar() -> WorkdayCalendar:
    global _default
    if _default is None:
        _default = WorkdayCalendar.load()
    return _default
