"""Facility credit grades: computing, and keeping the append-only history.

``recompute_grade`` appends a ``CreditGrade`` row (the history is never rewritten) and keeps
the facility's current columns in step, in the caller's transaction. ``recompute_batch``
does the same for many facilities with bulk reads and writes (COPY and one UPDATE on
PostgreSQL); the facts come from ``portal.operations.credit_facts``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditGrade
from portal.models.facility import Facility
from portal.models.points import PointRecord
from portal.operations.credit_facts import (  # noqa: F401  (collect_facts is re-exported)
    collect_facts,
    collect_facts_many,
    findings_horizon,
)
from portal.rules import credit_rulebook
from scoring.credit import CreditResult, compute_facility_score

FACILITY_COLUMNS = (
    Facility.id,
    Facility.agreement_start,
    Facility.status,
    Facility.blacklisted,
    Facility.credit_grade,
    Facility.credit_score,
)
HISTORY_COLUMNS = (
    "facility_id", "cycle", "as_of", "computed_at", "graded", "score", "grade",
    "previous_grade", "previous_score", "rulebook_version", "breakdown", "caps", "reason",
    "trigger", "actor_id",
)  # fmt: skip


def breakdown_json(result: CreditResult) -> list[dict]:
    """The result's items as stored: they sum to score minus base; a grade set by an
    approved adjustment appears as a zero-point item naming it."""
    items = [
        {
            "points": float(i.points),
            "rule": i.rule,
            "source_type": i.source_type,
            "source_id": i.source_id,
            "label": i.label,
            "changes_on": i.changes_on.isoformat() if i.changes_on else None,
        }
        for i in result.items
    ]
    for a in result.adjustments:
        if a.grade is not None:
            items.append(
                {
                    "points": 0.0,
                    "rule": "adjustment.grade",
                    "source_type": "adjustment",
                    "source_id": a.id,
                    "label": f"人工调整等级为{a.grade}：{a.reason}"
                    f"（{a.proposer}提出，{a.approver}批准）",
                    "changes_on": date(result.cycle + 1, 1, 1).isoformat(),
                }
            )
    return items


def _row_values(result: CreditResult, previous, trigger: str, actor_id, now) -> dict:
    return {
        "facility_id": result.facility_id,
        "cycle": result.cycle,
        "as_of": result.as_of,
        "computed_at": now,
        "graded": result.graded,
        "score": result.score,
        "grade": result.grade,
        "previous_grade": previous[0],
        "previous_score": previous[1],
        "rulebook_version": result.rulebook_version,
        "breakdown": breakdown_json(result),
        "caps": list(result.caps),
        "reason": result.reason,
        "trigger": trigger[:80],
        "actor_id": actor_id,
    }


_facility_table = Facility.__table__
#: Current-grade columns only; ``updated_at`` is kept, as registry data did not change.
_SET_CURRENT = (
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
    db.session.execute(select(Facility.id).where(Facility.id == facility.id).with_for_update())
    result = compute_facility_score(collect_facts(facility, today), today, credit_rulebook())
    now = utcnow()
    row = CreditGrade(
        **_row_values(
            result,
            (facility.credit_grade, facility.credit_score),
            trigger,
            getattr(actor, "id", None),
            now,
        )
    )
    db.session.add(row)
    db.session.flush()
    db.session.execute(
        _SET_CURRENT, {"fid": facility.id, "g": result.grade, "s": result.score, "t": now}
    )
    set_committed_value(facility, "credit_grade", result.grade)
    set_committed_value(facility, "credit_score", result.score)
    set_committed_value(facility, "graded_at", now)
    return row


def recompute_batch(facility_ids: Sequence[int], as_of: date, trigger: str = "batch") -> int:
    """Recompute many facilities with bulk reads and writes; returns how many grades
    changed. Flushes, never commits (the caller commits per batch)."""
    db.session.flush()
    facilities = db.session.execute(
        select(*FACILITY_COLUMNS).where(Facility.id.in_(list(facility_ids)))
    ).all()
    facts = collect_facts_many(facilities, as_of)
    rb = credit_rulebook()
    now = utcnow()
    history, current, changed = [], [], 0
    for f in facilities:
        result = compute_facility_score(facts[f.id], as_of, rb)
        history.append(_row_values(result, (f.credit_grade, f.credit_score), trigger, None, now))
        current.append((f.id, result.grade, result.score))
        changed += result.grade != f.credit_grade
    if history:
        _write_batch(history, current, now)
    # Objects already in the session must not keep stale current-grade values.
    db.session.expire_all()
    return changed


def _write_batch(history: list[dict], current: list[tuple], now) -> None:
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(CreditGrade), history)
        db.session.execute(
            _SET_CURRENT, [{"fid": i, "g": g, "s": s, "t": now} for i, g, s in current]
        )
        return
    # PostgreSQL: COPY the history rows and update every facility in one statement, on
    # the session's own connection (same transaction).
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY credit_grade ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy:
            for row in history:
                copy.write_row(
                    [
                        json.dumps(row[c], ensure_ascii=False) if c in ("breakdown", "caps")
                        else row[c]
                        for c in HISTORY_COLUMNS
                    ]
                )  # fmt: skip
        ids, grades, scores = zip(*current, strict=True)
        cursor.execute(
            "UPDATE facility SET credit_grade = v.g, credit_score = v.s, graded_at = %s "
            "FROM unnest(%s::integer[], %s::varchar[], %s::numeric[]) AS v(id, g, s) "
            "WHERE facility.id = v.id",
            (now, list(ids), list(grades), list(scores)),
        )


def all_facility_ids() -> list[int]:
    return list(db.session.scalars(select(Facility.id).order_by(Facility.id)))


def recompute_after_points(record: PointRecord, trigger: str, *, today: date, actor=None) -> None:
    """A point record changed: recompute every facility where the person has point records
    in that cycle (a sanction counts where the person's records helped reach it)."""
    year = record.decided_on.year
    facility_ids = set(
        db.session.scalars(
            select(PointRecord.facility_id).where(
                PointRecord.staff_id == record.staff_id,
                PointRecord.decided_on >= date(year, 1, 1),
                PointRecord.decided_on <= date(year, 12, 31),
            )
        )
    ) | {record.facility_id}
    for facility_id in sorted(facility_ids):
        recompute_grade(db.session.get(Facility, facility_id), trigger, today=today, actor=actor)


def latest_grade(facility_id: int) -> CreditGrade | None:
    return db.session.scalar(
        select(CreditGrade)
        .where(CreditGrade.facility_id == facility_id)
        .order_by(CreditGrade.id.desc())
        .limit(1)
    )
