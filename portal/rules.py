"""The rulebooks and calendar in force, loaded once per app from paths in the config."""

from __future__ import annotations

from flask import current_app

from scoring.staff_points import DEFAULT_RULEBOOK, StaffPointsRulebook, load_rulebook
from scoring.workdays import DEFAULT_CALENDAR, WorkdayCalendar


def _cached(key: str, loader, config_key: str, default):
    cache = current_app.extensions.setdefault("medcredit_rules", {})
    path = current_app.config.get(config_key) or default
    if (key, str(path)) not in cache:
        cache[(key, str(path))] = loader(path)
    return cache[(key, str(path))]


def staff_points_rulebook() -> StaffPointsRulebook:
    return _cached("staff_points", load_rulebook, "STAFF_POINTS_RULEBOOK", DEFAULT_RULEBOOK)


def workday_calendar() -> WorkdayCalendar:
    return _cached("calendar", WorkdayCalendar.load, "WORKDAY_CALENDAR", DEFAULT_CALENDAR)
