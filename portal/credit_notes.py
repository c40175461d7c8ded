"""What a credit grade means beyond its numbers, for the grade pages and the staff who
change the facts behind it: when each breakdown line is reduced or stops counting, which
caps hold the grade and when they lift, the grade adjustment in force, and who proposed
the adjustments the history shows (``portal.credit_queries`` has the lists and the view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from portal.extensions import db
from portal.models.credit import (
    APPROVE_TRIGGER,
    AdjustmentStatus,
    CreditAdjustment,
    CreditGrade,
)
from portal.models.facility import Facility
from portal.models.inspections import Finding
from portal.operations.credit_facts import repair_facts
from portal.rules import credit_rulebook
from scoring.credit_outlook import Step, cap_lifts_on, decay_schedule

#: (cap, the grade it holds the facility to, the day it lifts or None while it lasts).
CapLift = tuple[str, str, date | None]


def cap_lifts(caps, cycle: int) -> tuple[CapLift, ...]:
    """Each of ``caps`` (applied in ``cycle``) with its grade and the day it lifts; a cap
    the rulebook no longer knows is left out."""
    rb = credit_rulebook()
    return tuple((cap, rb.caps[cap], cap_lifts_on(cap, cycle)) for cap in caps if cap in rb.caps)


def _grade_adjustment_index(items: list[dict]) -> int | None:
    """Position of the breakdown line naming the grade adjustment in force: the last one
    approved, as the engine applies them in order."""
    found = None
    for index, item in enumerate(items):
        if item.get("rule") == "adjustment.grade":
            found = index
    return found


def override_held(rb, override_grade: str | None, grade: str | None) -> bool:
    """A cap keeps the grade below the one an approved adjustment set."""
    if override_grade is None or grade is None:
        return False
    return rb.grade_rank(grade) > rb.grade_rank(override_grade)


def current_caps(facility: Facility, today: date) -> tuple[tuple[str, str, date | None], ...]:
    """(cap, cap grade, day it lifts or None) of the caps that apply today, computed afresh
    (read only): a grade adjustment better than the cap grade has no effect meanwhile."""
    from portal.operations.credit import collect_facts
    from scoring.credit import compute_facility_score

    result = compute_facility_score(collect_facts(facility, today), today, credit_rulebook())
    return cap_lifts(result.caps, result.cycle)


def worst_cap_grade(caps: tuple[tuple[str, str, date | None], ...]) -> str | None:
    """The lowest grade the caps allow (the one that holds), or None without caps."""
    rb = credit_rulebook()
    grades = [grade for _cap, grade, _on in caps]
    return max(grades, key=rb.grade_rank) if grades else None


@dataclass(frozen=True)
class StoredGradeNote:
    """What a stored computation means beyond its numbers, read from what is stored: when
    each breakdown line is reduced or stops counting, the grade the score alone gives, the
    grade adjustment in force (held by a cap or not) and when each cap lifts."""

    #: Steps per breakdown line, by the line's position in ``items``.
    schedules: tuple[tuple[Step, ...], ...]
    score_grade: str | None
    override: CreditAdjustment | None
    #: Position in ``items`` of the line naming the adjustment in force.
    override_index: int | None
    override_held: bool
    cap_lifts: tuple[tuple[str, str, date | None], ...]
    #: The grade the caps hold the facility to (None without caps).
    cap_grade: str | None


def stored_grade_note(current: CreditGrade | None, items: list[dict]) -> StoredGradeNote | None:
    """Explain a stored computation. The schedule of a finding's line comes from the
    finding's decision date and the rulebook's decay table (stored lines keep only the next
    change, ``changes_on``), so breakdowns stored before this existed read the same way."""
    if current is None or not current.graded:
        return None
    rb = credit_rulebook()
    finding_ids = [i["source_id"] for i in items if i.get("source_type") == "finding"]
    decided = {}
    repairs = []
    if finding_ids:
        decided = dict(
            db.session.execute(
                select(Finding.id, Finding.decision_date).where(Finding.id.in_(finding_ids))
            ).all()
        )
        repairs = repair_facts(current.facility_id, current.as_of)
    schedules = []
    for item in items:
        day = decided.get(item["source_id"]) if item.get("source_type") == "finding" else None
        if day is not None:
            repaired = any(r.covers(item["source_id"], day) for r in repairs)
            schedules.append(decay_schedule(day, current.cycle, rb, repaired=repaired))
        elif item.get("changes_on"):
            schedules.append((Step(date.fromisoformat(item["changes_on"]), 0),))
        else:
            schedules.append(())
    override_index = _grade_adjustment_index(items)
    override = None
    if override_index is not None:
        override = db.session.get(CreditAdjustment, items[override_index]["source_id"])
    caps = cap_lifts(current.caps, current.cycle)
    return StoredGradeNote(
        tuple(schedules),
        rb.grade_for(current.score),
        override,
        override_index if override is not None else None,
        override is not None and override_held(rb, override.grade, current.grade),
        caps,
        worst_cap_grade(caps),
    )


def override_in_force(facility_id: int) -> CreditAdjustment | None:
    """The approved grade adjustment in force in the facility's latest computation: it
    stays for its cycle whatever the facts do, so staff changing the facts should know."""
    from portal.operations.credit import latest_grade

    row = latest_grade(facility_id)
    if row is None or not row.graded:
        return None
    index = _grade_adjustment_index(row.breakdown)
    if index is None:
        return None
    return db.session.get(CreditAdjustment, row.breakdown[index]["source_id"])


def override_still_in_force_message(facility_id: int) -> str | None:
    """The warning staff get after changing a facility's facts (revoking a finding,
    upholding an objection) while an approved grade adjustment keeps its grade."""
    from flask_babel import gettext as _

    adjustment = override_in_force(facility_id)
    if adjustment is None:
        return None
    return _(
        "注意：人工调整 #%(n)d（等级调整为 %(g)s 级）在本评价周期内仍然有效，等级不随得分变化；"
        "如事实已变化，请复核该调整是否仍然需要。",
        n=adjustment.id,
        g=adjustment.grade,
    )


def history_adjustments(facility_id: int, rows) -> dict[int, CreditAdjustment]:
    """The approved adjustment behind each history row its approval caused, by row id,
    to show the proposer next to the approver (the row's actor).

    Rows record the adjustment in their trigger (``adjustment.approve:<id>``). Rows stored
    before the trigger named it match the facility's last adjustment approved by the
    row's actor before the row was computed (the approval and its recompute share a
    transaction)."""
    named, unnamed = {}, []
    for r in rows:
        kind, _sep, ref = r.trigger.partition(":")
        if kind != APPROVE_TRIGGER:
            continue
        if ref.isdigit():
            named[r.id] = int(ref)
        elif r.actor_id:
            unnamed.append(r)
    if not named and not unnamed:
        return {}
    approved = list(
        db.session.scalars(
            select(CreditAdjustment)
            .where(
                CreditAdjustment.facility_id == facility_id,
                CreditAdjustment.status == AdjustmentStatus.APPROVED,
                or_(
                    CreditAdjustment.id.in_(set(named.values())),
                    CreditAdjustment.decided_by_id.in_({r.actor_id for r in unnamed}),
                ),
            )
            .order_by(CreditAdjustment.decided_at.desc(), CreditAdjustment.id.desc())
        )
    )
    by_id = {a.id: a for a in approved}
    out = {row_id: by_id[ref] for row_id, ref in named.items() if ref in by_id}
    for row in unnamed:
        match = next(
            (
                a
                for a in approved
                if a.decided_by_id == row.actor_id
                and a.decided_at is not None
                and a.decided_at <= row.computed_at
            ),
            None,
        )
        if match is not None:
            out[row.id] = match
    return out


def grade_page_context(current: CreditGrade | None, items: list[dict], history) -> dict:
    """What the grade summary and history templates need beyond the stored rows."""
    facility_id = current.facility_id if current is not None else None
    return {
        "note": stored_grade_note(current, items),
        "history_adjustments": (
            history_adjustments(facility_id, history.items) if facility_id is not None else {}
        ),
    }
