"""What a credit result means ahead: when each finding's deduction is reduced and when it
stops counting, when caps lift, what would lift the grade (``outlook``), and whether a
facility may apply for credit repair. Pure, like ``scoring.credit``, which computes the
result these read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from scoring.credit import (
    AdjustmentFact,
    CreditResult,
    FacilityFacts,
    FindingFact,
    Item,
    compute_facility_score,
    finding_deduction,
    to_tenth,
)
from scoring.credit_rules import CreditRulebook
from scoring.staff_points import add_months


class Step(NamedTuple):
    """A change in how much of a deduction counts: from ``on`` (the start of a cycle),
    ``percent`` of the full deduction, that is ``points`` (None when not worked out)."""

    on: date
    percent: int
    points: Decimal | None = None


def decay_schedule(
    decided_on: date, cycle: int, rb: CreditRulebook, *, repaired: bool = False
) -> tuple[Step, ...]:
    """When a finding decided on ``decided_on`` counts differently from how it counts in
    ``cycle``: one step per later cycle whose share differs from the one before, the last
    at 0% (the finding no longer counts). Empty when it does not count in ``cycle``.

    ``repaired``: a granted credit repair covers the finding, so it stops counting from
    the next cycle on (see ``scoring.credit._repaired``). Read from the decay table alone:
    the breakdown keeps only the next change (``Item.changes_on``), pages show the whole
    schedule."""
    percents = rb.decay_percents
    age = cycle - decided_on.year
    current = percents[age] if 0 <= age < len(percents) else 0
    if current == 0:
        return ()
    if repaired:
        return (Step(date(cycle + 1, 1, 1), 0),)
    steps = []
    for later in range(age + 1, len(percents) + 1):
        # Past the end of the table a finding is no longer collected: 0%.
        percent = percents[later] if later < len(percents) else 0
        if percent != current:
            steps.append(Step(date(decided_on.year + later, 1, 1), percent))
            current = percent
        if percent == 0:
            break
    return tuple(steps)


def finding_schedule(
    f: FindingFact, result: CreditResult, facts: FacilityFacts, rb: CreditRulebook
) -> tuple[Step, ...]:
    """``decay_schedule`` of a finding counted in ``result``, with the points of each step."""
    repaired = any(
        r.granted_on <= result.as_of and r.covers(f.id, f.decided_on) for r in facts.repairs
    )
    full, _how = finding_deduction(f, rb)
    return tuple(
        s._replace(points=to_tenth(full * s.percent / 100))
        for s in decay_schedule(f.decided_on, result.cycle, rb, repaired=repaired)
    )


def cap_lifts_on(cap: str, cycle: int) -> date | None:
    """The day a cap applied in ``cycle`` stops applying, if the rules give one: a fraud
    finding caps the grade of its own cycle only; termination and blacklisting cap it for
    as long as they last (None)."""
    return date(cycle + 1, 1, 1) if cap == "fraud" else None


def grade_override(result: CreditResult) -> AdjustmentFact | None:
    """The approved adjustment whose grade is in force in ``result`` (the last approved
    in the cycle), if any. A cap may still hold the grade below it."""
    for a in reversed(result.adjustments):
        if a.grade is not None:
            return a
    return None


@dataclass(frozen=True)
class Outlook:
    """What would lift the grade: the next grade, the points missing, and what changes
    at the start of the next cycle."""

    next_grade: str | None
    #: Points missing to reach ``next_grade``; None when no score can lift the grade this
    #: cycle (a cap or an approved grade adjustment decides it).
    points_needed: Decimal | None
    next_cycle_score: Decimal | None
    next_cycle_grade: str | None
    expiring: tuple[Item, ...]
    blocked_by_caps: tuple[str, ...]
    #: For each of ``expiring``: how it counts from each later cycle until it stops.
    schedules: tuple[tuple[Step, ...], ...] = ()
    #: The grade the score alone gives.
    score_grade: str | None = None
    #: The approved adjustment that set the grade this cycle, if any.
    override: AdjustmentFact | None = None
    #: (cap, day it lifts or None while the condition lasts), for each cap applied.
    cap_lifts: tuple[tuple[str, date | None], ...] = ()


def outlook(facts: FacilityFacts, result: CreditResult, rb: CreditRulebook) -> Outlook:
    if not result.graded:
        return Outlook(None, None, None, None, (), ())
    rank = rb.grade_rank(result.grade)
    next_grade = rb.grades[rank - 1].grade if rank > 0 else None
    override = grade_override(result)
    needed = None
    if next_grade is not None and not result.caps and override is None:
        needed = max(Decimal(0), Decimal(rb.band(next_grade).min) - result.score)
    next_start = date(result.cycle + 1, 1, 1)
    projected = compute_facility_score(facts, next_start, rb)
    expiring = tuple(i for i in result.items if i.changes_on == next_start and i.points < 0)
    findings = {f.id: f for f in facts.findings}
    schedules = tuple(
        finding_schedule(findings[i.source_id], result, facts, rb)
        if i.source_type == "finding" and i.source_id in findings
        else (Step(i.changes_on, 0, Decimal(0)),)
        for i in expiring
    )
    return Outlook(
        next_grade,
        needed,
        projected.score,
        projected.grade,
        expiring,
        result.caps,
        schedules,
        rb.grade_for(result.score),
        override,
        tuple((cap, cap_lifts_on(cap, result.cycle)) for cap in result.caps),
    )


@dataclass(frozen=True)
class RepairEligibility:
    eligible: bool
    reasons: tuple[str, ...]
    earliest: date | None


def repair_eligibility(
    facts: FacilityFacts, as_of: date, rb: CreditRulebook, pledge_signed_on: date | None
) -> RepairEligibility:
    """Credit repair needs a finding no granted repair covers, ``months_clean`` months
    since the last finding and, if the rulebook says so, a pledge signed after that
    finding."""
    relevant = [f for f in facts.findings if f.decided_on <= as_of]
    if not relevant:
        reason = "没有可修复的违规认定记录（信用修复针对违规认定，不含人员记分和人工调整）"
        return RepairEligibility(False, (reason,), None)
    granted = [r for r in facts.repairs if r.granted_on <= as_of]
    if all(any(r.covers(f.id, f.decided_on) for r in granted) for f in relevant):
        last_grant = max(r.granted_on for r in granted)
        reason = f"违规认定均已纳入{last_grant.isoformat()}准予的信用修复，无需再次申请"
        return RepairEligibility(False, (reason,), None)
    last = max(f.decided_on for f in relevant)
    earliest = add_months(last, rb.repair_months_clean)
    reasons = []
    if as_of < earliest:
        reasons.append(
            f"最近一次违规认定于{last.isoformat()}，需满{rb.repair_months_clean}个月"
            f"（{earliest.isoformat()}起）方可申请"
        )
    if rb.repair_requires_new_pledge and (pledge_signed_on is None or pledge_signed_on <= last):
        reasons.append("需在最近一次违规认定后重新签署信用承诺书")
    return RepairEligibility(not reasons, tuple(reasons), earliest)
