"""Facility credit scores (信用评价): deterministic and explainable.

``compute_facility_score`` takes plain facts about one facility and returns a score, a
grade and a breakdown in which every point gained or lost names the record it came from;
the items always sum to the score. Dates are China-time calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import NamedTuple

from scoring.credit_rules import CreditRulebook
from scoring.staff_points import add_months

TENTH = Decimal("0.1")


def to_tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


class FindingFact(NamedTuple):
    """A confirmed finding (drafts and revoked findings are not passed in).

    A named tuple rather than a dataclass: a batch recompute builds one per stored finding
    (hundreds of thousands), and tuples are several times cheaper to create."""

    id: int
    category: str
    category_label: str
    #: Class from the taxonomy: minor, general, serious or fraud.
    cls: str
    decided_on: date
    amount_fen: int = 0
    self_corrected: bool = False


@dataclass(frozen=True)
class PledgeFact:
    """A pledge failing: ``not_filed`` by the deadline, or ``not_posted`` when inspected."""

    id: int
    kind: str
    on: date
    #: The record it came from: the pledge (not filed) or the posting check (not posted).
    source: str = "pledge"


@dataclass(frozen=True)
class StaffSanctionFact:
    #: The point record that caused the sanction.
    id: int
    staff_code: str
    kind: str  # "suspend" or "terminate"
    start: date


@dataclass(frozen=True)
class TipoffFact:
    id: int
    verified_on: date


@dataclass(frozen=True)
class RepairFact:
    """A granted credit repair: the findings it covers stop counting from the next cycle
    on. It covers the findings decided up to ``granted_on`` that were confirmed when it
    was granted: ``confirmed_after`` names those decided by then but confirmed only
    after the grant (a finding the repair's decision could not have weighed)."""

    id: int
    granted_on: date
    confirmed_after: frozenset[int] = frozenset()

    def covers(self, finding_id: int, decided_on: date) -> bool:
        return decided_on <= self.granted_on and finding_id not in self.confirmed_after


@dataclass(frozen=True)
class AdjustmentFact:
    """An approved manual adjustment: points, or a grade, never both."""

    id: int
    approved_on: date
    reason: str
    proposer: str
    approver: str
    points: Decimal | None = None
    grade: str | None = None
    #: When it was approved (UTC): of two grade adjustments approved the same day, the one
    #: approved last sets the grade, whichever was proposed first.
    approved_at: datetime | None = None

    def order(self) -> tuple:
        """The order adjustments are applied in: by approval, the id breaking ties."""
        return (self.approved_on, self.approved_at or _NO_TIME, self.id)


#: Sorts an adjustment without an approval time before those with one on the same day.
_NO_TIME = datetime.min.replace(tzinfo=UTC)


class FacilityFacts(NamedTuple):
    """What the engine grades a facility on. A named tuple, like ``FindingFact`` and
    ``CreditResult``: a batch recompute builds one per facility, and a frozen dataclass
    of ten fields took four times as long to make (each field set through
    ``object.__setattr__``)."""

    facility_id: int
    agreement_start: date
    terminated: bool = False
    blacklisted: bool = False
    findings: tuple[FindingFact, ...] = ()
    pledge: tuple[PledgeFact, ...] = ()
    staff_sanctions: tuple[StaffSanctionFact, ...] = ()
    tipoffs: tuple[TipoffFact, ...] = ()
    repairs: tuple[RepairFact, ...] = ()
    adjustments: tuple[AdjustmentFact, ...] = ()


class Item(NamedTuple):
    """One line of the breakdown (a named tuple, like ``FindingFact``, for batch speed)."""

    points: Decimal
    #: What kind of rule: finding, pledge.not_filed, staff.suspend, tipoff, adjustment, floor ...
    rule: str
    #: The record it came from: ("finding", 12), ("point_record", 7), (None, None) for rules.
    source_type: str | None
    source_id: int | None
    label: str
    #: Start of the next cycle in which the item counts differently (less, or not at all);
    #: None when it never changes. Findings may change again later: ``decay_schedule``.
    changes_on: date | None = None


class CreditResult(NamedTuple):
    """A facility's score and grade on a day, with the breakdown that explains it (a named
    tuple, as ``FacilityFacts``)."""

    facility_id: int
    cycle: int
    as_of: date
    rulebook_version: str
    graded: bool
    score: Decimal | None
    grade: str | None
    items: tuple[Item, ...] = ()
    caps: tuple[str, ...] = ()
    reason: str = ""
    adjustments: tuple[AdjustmentFact, ...] = ()


def finding_deduction(f: FindingFact, rb: CreditRulebook) -> tuple[Decimal, str]:
    """Full-cycle deduction of one finding (negative) and how it was reached."""
    base = rb.deductions[f.cls]
    extra = min(rb.amount_max_points, (f.amount_fen // rb.amount_per_fen) * rb.amount_points)
    points = Decimal(base + extra)
    how = f"{f.category_label}：{base}分" + (f"，涉及金额加扣{extra}分" if extra else "")
    if f.self_corrected:
        points = points * rb.self_correction_percent / 100
        how += f"，自查自纠按{rb.self_correction_percent}%计"
    return -to_tenth(points), how


def _repaired(f: FindingFact, facts: FacilityFacts, cycle: int) -> RepairFact | None:
    for repair in facts.repairs:
        if repair.granted_on.year < cycle and repair.covers(f.id, f.decided_on):
            return repair
    return None


_BY_DATE_AND_ID = attrgetter("decided_on", "id")


def _finding_line(
    f: FindingFact, age: int, cycle: int, repaired: bool, rb: CreditRulebook
) -> tuple[Decimal, str, date | None] | None:
    """Points, label and change date of a finding's breakdown line, or None when it no
    longer counts (decayed to 0%, repaired, or worth nothing)."""
    full, how = finding_deduction(f, rb)
    percent = 0 if repaired else rb.decay_percents[age]
    if percent == 0 or full == 0:
        return None
    points = to_tenth(full * percent / 100)
    label = how if age == 0 else f"{how}；{f.decided_on.year}年度记录按{percent}%计入"
    next_percent = rb.decay_percents[age + 1] if age + 1 < len(rb.decay_percents) else 0
    return points, label, date(cycle + 1, 1, 1) if next_percent != percent else None


def grading_starts(agreement_start: date, rb: CreditRulebook) -> date:
    """The first day a facility is graded: its agreement the rulebook's months old."""
    return add_months(agreement_start, rb.min_agreement_months)


def compute_facility_score(facts: FacilityFacts, as_of: date, rb: CreditRulebook) -> CreditResult:
    """Score and grade on ``as_of``; facts dated after it are ignored."""
    cycle = as_of.year
    # The first graded day by agreement start: facilities share start dates.
    starts = rb.memo.setdefault("grading_starts", {})
    first_day = starts.get(facts.agreement_start)
    if first_day is None:
        first_day = starts[facts.agreement_start] = grading_starts(facts.agreement_start, rb)
    if first_day > as_of:
        return CreditResult(
            facts.facility_id,
            cycle,
            as_of,
            rb.version,
            False,
            None,
            None,
            reason=f"定点协议不满{rb.min_agreement_months}个月，本周期不参加评价",
        )
    items: list[Item] = []
    caps: list[str] = []
    # The findings loop is the engine's hot path (a batch recompute runs it for hundreds
    # of thousands of findings): rulebook values in locals, facts unpacked rather than
    # read by attribute, each distinct line worked out once per rulebook and cycle, items
    # built as plain tuples.
    if facts.findings:
        oldest = cycle - len(rb.decay_percents) + 1
        per_fen, per_points, max_points = rb.amount_per_fen, rb.amount_points, rb.amount_max_points
        lines = rb.memo.setdefault(("finding_lines", cycle), {})
        make, append, repairs = tuple.__new__, items.append, facts.repairs
        repaired = False
        for f in sorted(facts.findings, key=_BY_DATE_AND_ID):
            fid, _code, label, cls, decided, amount, corrected = f
            year = decided.year
            if decided > as_of or year < oldest:
                continue
            if cls == "fraud" and year == cycle:
                caps.append("fraud")
            if repairs:
                repaired = _repaired(f, facts, cycle) is not None
            extra = (amount // per_fen) * per_points
            if extra > max_points:
                extra = max_points
            # Findings alike in these respects read and count alike.
            key = (year, cls, label, extra, corrected, repaired)
            line = lines.get(key)
            if line is None:
                line = lines[key] = _finding_line(f, cycle - year, cycle, repaired, rb)
            if line is not None:
                append(make(Item, (line[0], "finding", "finding", fid, line[1], line[2])))
    for p in sorted(facts.pledge, key=lambda x: (x.on, x.id)):
        if p.on.year != cycle or p.on > as_of:
            continue
        if p.kind == "not_filed":
            points, label = rb.pledge_not_filed, "信用承诺书未按期签署报送"
        elif p.kind == "not_posted":
            points, label = rb.pledge_not_posted, "检查时信用承诺书未按规定张贴公示"
        else:
            raise ValueError(f"unknown pledge fact kind {p.kind!r}")
        items.append(
            Item(Decimal(-points), f"pledge.{p.kind}", p.source, p.id, label, date(cycle + 1, 1, 1))
        )
    for s in sorted(facts.staff_sanctions, key=lambda x: (x.start, x.id)):
        if s.start.year != cycle or s.start > as_of:
            continue
        if s.kind == "suspend":
            points, label = rb.staff_per_suspended, f"人员{s.staff_code}被暂停医保支付资格"
        elif s.kind == "terminate":
            points, label = rb.staff_per_terminated, f"人员{s.staff_code}被终止医保支付资格"
        else:
            raise ValueError(f"unknown staff sanction kind {s.kind!r}")
        items.append(
            Item(
                Decimal(-points),
                f"staff.{s.kind}",
                "point_record",
                s.id,
                label,
                date(cycle + 1, 1, 1),
            )
        )
    for t in sorted(facts.tipoffs, key=lambda x: (x.verified_on, x.id)):
        if t.verified_on.year == cycle and t.verified_on <= as_of:
            items.append(
                Item(
                    Decimal(-rb.tipoff_per_verified),
                    "tipoff",
                    "tipoff",
                    t.id,
                    "举报线索经查属实",
                    date(cycle + 1, 1, 1),
                )
            )
    grade_override = None
    applied = []
    for a in sorted(facts.adjustments, key=AdjustmentFact.order):
        if a.approved_on.year != cycle or a.approved_on > as_of:
            continue
        applied.append(a)
        who = f"（{a.proposer}提出，{a.approver}批准）"
        if a.points is not None:
            items.append(
                Item(
                    to_tenth(Decimal(a.points)),
                    "adjustment",
                    "adjustment",
                    a.id,
                    f"人工调整：{a.reason}{who}",
                    date(cycle + 1, 1, 1),
                )
            )
        if a.grade is not None:
            grade_override = (a.grade, a)
    if facts.terminated:
        caps.append("terminated")
    if facts.blacklisted:
        caps.append("blacklisted")
    raw = Decimal(rb.base) + sum([i[0] for i in items], Decimal(0))
    score = min(max(raw, Decimal(0)), Decimal(rb.base))
    if score != raw:
        # Keep the breakdown summing to the score.
        items.append(Item(score - raw, "bounds", None, None, f"得分限定在0至{rb.base}分之间"))
    grade = rb.grade_for(score)
    if grade_override is not None:
        grade = grade_override[0]
    for cap in dict.fromkeys(caps):
        capped = rb.caps[cap]
        if rb.grade_rank(capped) > rb.grade_rank(grade):
            grade = capped
    return CreditResult(
        facts.facility_id,
        cycle,
        as_of,
        rb.version,
        True,
        score,
        grade,
        tuple(items),
        tuple(dict.fromkeys(caps)),
        adjustments=tuple(applied),
    )


def base_items_total(result: CreditResult, rb: CreditRulebook) -> Decimal:
    """The base score plus every item: equals ``result.score`` by construction."""
    return Decimal(rb.base) + sum((i.points for i in result.items), Decimal(0))
