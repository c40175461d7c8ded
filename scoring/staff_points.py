"""Staff points (医保支付资格记分): totals, sanctions and standing, from a rulebook.

Pure functions over frozen dataclasses: the same records always give the same standing,
and nothing is stored here. Cycles are calendar years in China time; callers pass dates
already converted to China time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from scoring.rulebook import RULEBOOK_DIR, Entry, RulebookError, read_toml

DEFAULT_RULEBOOK = RULEBOOK_DIR / "staff_points.toml"
SEVERITIES = ("minor", "moderate", "serious", "gravest")
TIERS = ("general", "important", "main")


class SanctionKind(StrEnum):
    WARNING_TALK = "warning_talk"
    SUSPEND = "suspend"
    TERMINATE = "terminate"


class Status(StrEnum):
    NORMAL = "normal"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class Threshold:
    at: int
    action: SanctionKind
    months: int
    note: str


@dataclass(frozen=True)
class StaffPointsRulebook:
    version: str
    annual_limit: int
    points: dict[tuple[str, str], int]
    severity_labels: dict[str, str]
    tier_labels: dict[str, str]
    thresholds: tuple[Threshold, ...]
    terminate_at: int
    bar_years: int
    single_record_at: int
    single_record_bar_years: int
    restore_per_item: int
    restore_max_per_cycle: int
    appeal_working_days: int
    show_individual_sanctions: bool
    notes: dict[str, str] = field(default_factory=dict)

    def points_for(self, severity: str, tier: str) -> int:
        try:
            return self.points[(severity, tier)]
        except KeyError as exc:
            raise ValueError(f"unknown severity/tier {severity!r}/{tier!r}") from exc


def load_rulebook(path: Path | str = DEFAULT_RULEBOOK) -> StaffPointsRulebook:
    """Read and check a staff-points rulebook; raise RulebookError naming the bad entry."""
    root = Entry(read_toml(path), str(path))
    notes = {"rulebook": root.note()}
    cycle = root.table("cycle")
    limit = cycle.int("annual_limit", 1)
    notes["cycle"] = cycle.note()
    severity = root.table("severity")
    points: dict[tuple[str, str], int] = {}
    labels: dict[str, str] = {}
    previous_max = 0
    for name in SEVERITIES:
        band = severity.table(name)
        labels[name] = band.get("label", str)
        notes[f"severity.{name}"] = band.note()
        table = band.table("points")
        values = [table.int(tier, 0) for tier in TIERS]
        if values != sorted(values):
            raise band.fail("points", "must not decrease from general to main responsibility")
        if values[0] <= previous_max:
            raise band.fail("points", "bands must not overlap the previous band")
        if values[-1] > limit:
            raise band.fail("points", f"exceeds the annual limit {limit}")
        previous_max = values[-1]
        points.update({(name, tier): v for tier, v in zip(TIERS, values, strict=True)})
    responsibility = root.table("responsibility")
    tier_labels = {tier: responsibility.get(tier, str) for tier in TIERS}
    thresholds = []
    for entry in root.tables("thresholds"):
        action_text = entry.get("action", str)
        try:
            action = SanctionKind(action_text)
        except ValueError as exc:
            raise entry.fail("action", f"unknown action {action_text!r}") from exc
        if action is SanctionKind.TERMINATE:
            raise entry.fail("action", "termination is configured in [termination]")
        months = entry.int("months", 1) if action is SanctionKind.SUSPEND else 0
        thresholds.append(Threshold(entry.int("at", 1), action, months, entry.note()))
    ats = [t.at for t in thresholds]
    if ats != sorted(ats) or len(set(ats)) != len(ats):
        raise RulebookError(f"{path}: thresholds: 'at' values must be unique and ascending")
    termination = root.table("termination")
    restoration = root.table("restoration")
    appeal = root.table("appeal")
    public = root.table("public")
    for name, entry in (
        ("termination", termination),
        ("restoration", restoration),
        ("appeal", appeal),
        ("public", public),
    ):
        notes[name] = entry.note()
    terminate_at = termination.int("accumulated", 1)
    if terminate_at > limit or (ats and ats[-1] >= terminate_at):
        raise termination.fail("accumulated", "must exceed every threshold and fit the limit")
    return StaffPointsRulebook(
        version=root.get("version", str),
        annual_limit=limit,
        points=points,
        severity_labels=labels,
        tier_labels=tier_labels,
        thresholds=tuple(thresholds),
        terminate_at=terminate_at,
        bar_years=termination.int("bar_years", 0),
        single_record_at=termination.int("single_record", 1),
        single_record_bar_years=termination.int("single_record_bar_years", 0),
        restore_per_item=restoration.int("per_item", 1),
        restore_max_per_cycle=restoration.int("max_per_cycle", 0),
        appeal_working_days=appeal.int("working_days", 1),
        show_individual_sanctions=public.get("show_individual_sanctions", bool),
        notes=notes,
    )


@dataclass(frozen=True)
class PointRecord:
    id: int
    decided_on: date
    points: int
    revoked: bool = False


@dataclass(frozen=True)
class Restoration:
    id: int
    granted_on: date
    points: int = 1


@dataclass(frozen=True)
class Sanction:
    kind: SanctionKind
    start: date
    #: First day after a suspension or re-registration bar (exclusive); None for a talk.
    end: date | None
    #: The record whose points crossed the threshold.
    record_id: int
    total: int
    reason: str

    def covers(self, day: date) -> bool:
        return self.end is not None and self.start <= day < self.end


@dataclass(frozen=True)
class Standing:
    cycle: int
    total: int
    recorded: int
    restored: int
    status: Status
    sanctions: tuple[Sanction, ...]
    current: Sanction | None
    barred_until: date | None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _cycle_events(records, restorations, year):
    events = [(r.decided_on, 0, r) for r in records if r.decided_on.year == year]
    events += [(r.granted_on, 1, r) for r in restorations if r.granted_on.year == year]
    # Records before restorations on the same day; ties broken by id for determinism.
    return sorted(events, key=lambda e: (e[0], e[1], e[2].id))


def _check_unique(items, what: str) -> None:
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate {what} ids: a record must not count twice")


def cycle_sanctions(records, restorations, year: int, rb: StaffPointsRulebook):
    """Walk one cycle in date order; return (total, recorded, restored, sanctions)."""
    total = recorded = restored = 0
    sanctions: list[Sanction] = []
    terminated = False
    for day, kind, item in _cycle_events(records, restorations, year):
        if kind == 1:
            room = min(rb.restore_max_per_cycle - restored, item.points, total)
            if room > 0:
                restored += room
                total -= room
            continue
        if terminated:
            recorded += item.points
            total += item.points
            continue
        before = total
        recorded += item.points
        total += item.points
        if item.points >= rb.single_record_at:
            sanctions.append(
                Sanction(
                    SanctionKind.TERMINATE,
                    day,
                    add_months(day, 12 * rb.single_record_bar_years),
                    item.id,
                    total,
                    "single_record",
                )
            )
            terminated = True
            continue
        if total >= rb.terminate_at:
            sanctions.append(
                Sanction(
                    SanctionKind.TERMINATE,
                    day,
                    add_months(day, 12 * rb.bar_years),
                    item.id,
                    total,
                    "accumulated",
                )
            )
            terminated = True
            continue
        crossed = [t for t in rb.thresholds if before < t.at <= total]
        if any(t.action is SanctionKind.WARNING_TALK for t in crossed):
            sanctions.append(
                Sanction(
                    SanctionKind.WARNING_TALK,
                    day,
                    None,
                    item.id,
                    total,
                    f"threshold {max(t.at for t in crossed)}",
                )
            )
        suspensions = [t for t in crossed if t.action is SanctionKind.SUSPEND]
        if suspensions:
            longest = max(suspensions, key=lambda t: t.at)
            sanctions.append(
                Sanction(
                    SanctionKind.SUSPEND,
                    day,
                    add_months(day, longest.months),
                    item.id,
                    total,
                    f"threshold {longest.at}",
                )
            )
    return total, recorded, restored, sanctions


def compute_standing(
    records: list[PointRecord],
    restorations: list[Restoration],
    as_of: date,
    rb: StaffPointsRulebook,
) -> Standing:
    """The person's standing on ``as_of``: this cycle's total and every sanction in force.

    Revoked records do not count, so revoking one lifts any sanction it caused.
    Raises ValueError if a record or restoration id appears twice.
    """
    _check_unique(records, "record")
    _check_unique(restorations, "restoration")
    live = [r for r in records if not r.revoked]
    for r in live:
        if r.points < 0:
            raise ValueError(f"record {r.id} has negative points")
    years = sorted({r.decided_on.year for r in live} | {as_of.year})
    all_sanctions: list[Sanction] = []
    current_total = current_recorded = current_restored = 0
    known_records = [r for r in live if r.decided_on <= as_of]
    known_restorations = [r for r in restorations if r.granted_on <= as_of]
    for year in years:
        if year > as_of.year:
            continue
        total, recorded, restored, sanctions = cycle_sanctions(
            known_records, known_restorations, year, rb
        )
        all_sanctions.extend(sanctions)
        if year == as_of.year:
            current_total, current_recorded, current_restored = total, recorded, restored
    in_force = [s for s in all_sanctions if s.covers(as_of)]
    terminations = [s for s in in_force if s.kind is SanctionKind.TERMINATE]
    suspensions = [s for s in in_force if s.kind is SanctionKind.SUSPEND]
    if terminations:
        current = max(terminations, key=lambda s: s.end)
        status = Status.TERMINATED
    elif suspensions:
        current = max(suspensions, key=lambda s: s.end)
        status = Status.SUSPENDED
    else:
        current = None
        status = Status.NORMAL
    return Standing(
        cycle=as_of.year,
        total=current_total,
        recorded=current_recorded,
        restored=current_restored,
        status=status,
        sanctions=tuple(all_sanctions),
        current=current,
        barred_until=current.end if terminations else None,
    )


__all__ = [
    "PointRecord",
    "Restoration",
    "RulebookError",
    "Sanction",
    "SanctionKind",
    "Standing",
    "Status",
    "StaffPointsRulebook",
    "compute_standing",
    "load_rulebook",
]
