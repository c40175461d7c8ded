"""The rulebooks and calendar in force, loaded once per app from paths in the config."""

from __future__ import annotations

from flask import current_app

from portal.regions import DEFAULT_REGIONS, Regions, load_regions
from scoring.credit_rules import (
    DEFAULT_CREDIT_RULEBOOK,
    DEFAULT_TAXONOMY,
    CreditRulebook,
    ViolationCategory,
    load_credit_rulebook,
    load_taxonomy,
)
from scoring.handling import DEFAULT_HANDLING_RESULTS, HandlingResult, load_handling_results
from scoring.penalties import DEFAULT_PENALTY_RULEBOOK, PenaltyRules, load_penalty_rules
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


def credit_rulebook() -> CreditRulebook:
    return _cached("credit", load_credit_rulebook, "CREDIT_RULEBOOK", DEFAULT_CREDIT_RULEBOOK)


def taxonomy() -> dict[str, ViolationCategory]:
    return _cached("taxonomy", load_taxonomy, "VIOLATION_TAXONOMY", DEFAULT_TAXONOMY)


def penalty_rules() -> PenaltyRules:
    return _cached("penalties", load_penalty_rules, "PENALTY_RULEBOOK", DEFAULT_PENALTY_RULEBOOK)


def handling_results() -> dict[str, HandlingResult]:
    return _cached("handling", load_handling_results, "HANDLING_RESULTS", DEFAULT_HANDLING_RESULTS)


def regions() -> Regions:
    return _cached("regions", load_regions, "REGIONS_FILE", DEFAULT_REGIONS)


def load_all_rules() -> None:
    """Load every rulebook now, so a bad file stops start-up with a message naming the
    file and the entry instead of failing the first request that needs it."""
    for loader in (
        staff_points_rulebook,
        workday_calendar,
        credit_rulebook,
        taxonomy,
        penalty_rules,
        handling_results,
        regions,
    ):
        loader()
