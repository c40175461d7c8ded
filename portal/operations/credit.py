"""Facility credit grades: computing, and keeping the append-only history.

``recompute_grade`` appends a ``CreditGrade`` row (the history is never rewritten) and keeps
the facility's current columns in step, in the caller's transaction; the batch path over
many facilities is ``portal.operations.credit_batch``. The facts come from
``portal.operations.credit_facts``.

A computation's breakdown is stored once per facility and distinct content
(``portal.operations.credit_breakdowns``): a recompute that finds the same facts appends a
small history row pointing at the breakdown it found before. The facility's current
columns change only when the grade or score does, so ``graded_at`` is the time the
current result was first computed; every later confirmation is in the history.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditGrade
from portal.models.facility import Facility
from portal.models.points import PointRecord
from portal.operations.bulk import plain_rows
from portal.operations.credit_breakdowns import breakdown_of, store_breakdowns, trim_line_caches
from portal.operations.credit_facts import collect_facts
from portal.operations.locks import lock_row
from portal.rules import credit_rulebook
from scoring.credit import compute_facility_score


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


_facility_table = Facility.__table__
#: Current-grade columns only; ``updated_at`` is kept, as registry data did not change.
SET_CURRENT = (
    update(_facility_table)
    .where(_facility_table.c.id == bindparam("fid"))
    .values(
        credit_grade=bindparam("g"),
        credit_score=bindparam("s"),
        graded_at=bindparam("t"),
        updated_at=_facility_table.c.updated_at,
    )
)


def recompute_grade(facility: Facility, trigger: str, *, today: date, actor=None) -> CreditGrade:
    """Compute the grade on ``today``, append it to the history and update the facility's
    current columns. Flushes, never commits.

    The facility row is locked first (PostgreSQL), so two transactions changing the same
    facility compute one after the other and the later one sees the earlier one's facts."""
    db.session.flush()
    lock_row(Facility, facility.id)
    result = compute_facility_score(collect_facts(facility, today), today, credit_rulebook())
    now = utcnow()
    trim_line_caches()
    breakdown = breakdown_of(result)
    key = (facility.id, breakdown.digest)
    row = CreditGrade(
        facility_id=facility.id,
        cycle=result.cycle,
        as_of=result.as_of,
        computed_at=now,
        graded=result.graded,
        score=result.score,
        grade=result.grade,
        previous_grade=facility.credit_grade,
        previous_score=facility.credit_score,
        rulebook_version=result.rulebook_version,
        breakdown_id=store_breakdowns({key: breakdown}, now)[key],
        caps=list(result.caps),
        reason=result.reason,
        trigger=trigger[:80],
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    if (result.grade, result.score) != (facility.credit_grade, facility.credit_score):
        db.session.execute(
            SET_CURRENT, {"fid": facility.id, "g": result.grade, "s": result.score, "t": now}
        )
        set_committed_value(facility, "credit_grade", result.grade)
        set_committed_value(facility, "credit_score", result.score)
        set_committed_value(facility, "graded_at", now)
    return row


def all_facility_ids() -> list[int]:
    return [i for (i,) in plain_rows(select(Facility.id).order_by(Facility.id))]


def recompute_after_points(record: PointRecord, trigger: str, *, today: date, actor=None) -> None:
    """A point record changed: recompute every facility where the person has point records
    in that cycle (a sanction counts where the person's records helped reach it)."""
    recompute_for_person(
        record.staff_id,
        record.decided_on.year,
        trigger,
        today=today,
        actor=actor,
        also=record.facility_id,
    )


def recompute_for_person(
    staff_id: int, year: int, trigger: str, *, today: date, actor=None, also: int | None = None
) -> None:
    """The person's standing in cycle ``year`` changed (a record, or a restoration that
    lowers the total): recompute every facility where the person has point records in
    that cycle, and facility ``also``."""
    facility_ids = set(
        db.session.scalars(
            select(PointRecord.facility_id).where(
                PointRecord.staff_id == staff_id,
                PointRecord.decided_on >= date(year, 1, 1),
                PointRecord.decided_on <= date(year, 12, 31),
            )
        )
    )
    if also is not None:
        facility_ids.add(also)
    for facility_id in sorted(facility_ids):
        recompute_grade(db.session.get(Facility, facility_id), trigger, today=today, actor=actor)


def latest_computation_day() -> date | None:
    """The latest day any grade was computed at (``as_of``), None before the first."""
    return db.session.scalar(select(func.max(CreditGrade.as_of)))


def latest_grade(facility_id: int) -> CreditGrade | None:
    return db.session.scalar(
        select(CreditGrade)
        .where(CreditGrade.facility_id == facility_id)
        .order_by(CreditGrade.id.desc())
        .limit(1)
    )
