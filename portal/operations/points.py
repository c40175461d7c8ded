"""Recording staff points and restorations; sanctions follow from the rulebook. Objections
to a record are in ``portal.operations.point_appeals``.

Standing is always computed from the stored rows by ``scoring.staff_points``; the only
stored consequence is the warning-talk task, kept in step by ``sync_warning_tasks``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models.enums import AppealStatus, RestorationKind, Severity, TaskStatus
from portal.models.facility import Facility
from portal.models.points import PointRecord, PointRestoration, WarningTalkTask
from portal.models.staff import StaffMember
from portal.operations.audit import record_audit
from portal.operations.locks import lock_row
from portal.rules import staff_points_rulebook
from portal.validators import comparable, has_visible
from scoring import staff_points as engine


class PointsError(ValueError):
    """A points request that cannot be carried out; the message is for the user, and
    ``field`` names the input it is about when it is about one (the API answers with it)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class DuplicatePoints(PointsError):
    """A points record like a live one (same person, facility, decision number and date,
    violation): most likely the same decision entered twice. ``existing``: that record."""

    def __init__(self, message: str, existing: PointRecord):
        super().__init__(message)
        self.existing = existing


def _engine_inputs(records, restorations):
    return (
        [engine.PointRecord(r.id, r.decided_on, r.points, r.revoked) for r in records],
        [engine.Restoration(r.id, r.granted_on, r.points) for r in restorations],
    )


def standing_for(staff: StaffMember, as_of: date) -> engine.Standing:
    return standings_for([staff.id], as_of)[staff.id]


def standings_for(staff_ids, as_of: date) -> dict[int, engine.Standing]:
    """Standing of many people at once: two queries, then the pure engine per person."""
    staff_ids = list(staff_ids)
    records = defaultdict(list)
    restorations = defaultdict(list)
    if staff_ids:
        for row in db.session.scalars(
            select(PointRecord).where(PointRecord.staff_id.in_(staff_ids))
        ):
            records[row.staff_id].append(row)
        for row in db.session.scalars(
            select(PointRestoration).where(PointRestoration.staff_id.in_(staff_ids))
        ):
            restorations[row.staff_id].append(row)
    rb = staff_points_rulebook()
    return {
        sid: engine.compute_standing(*_engine_inputs(records[sid], restorations[sid]), as_of, rb)
        for sid in staff_ids
    }


def sync_warning_tasks(staff: StaffMember, as_of: date) -> None:
    """Open a warning-talk task at each facility where the person practises for every
    warning the rulebook implies, unless the facility has held one for the person in that
    cycle already; cancel open tasks whose cause fell away (the record revoked, or a
    restoration dated back lowering the total it reached), saying which."""
    standing = standing_for(staff, as_of)
    wanted = {
        s.record_id: s.start.year
        for s in standing.sanctions
        if s.kind is engine.SanctionKind.WARNING_TALK
    }
    tasks = db.session.scalars(
        select(WarningTalkTask).where(WarningTalkTask.staff_id == staff.id)
    ).all()
    have = {(t.record_id, t.facility_id) for t in tasks}
    held = {(t.facility_id, t.record.decided_on.year) for t in tasks if t.status is TaskStatus.DONE}
    for task in tasks:
        if task.status is TaskStatus.OPEN and task.record_id not in wanted:
            task.status = TaskStatus.CANCELLED
            if task.record.revoked:
                task.note = _("引发约谈的记分已撤销")
            else:
                task.note = _("记分修复后，该条记分未使本周期累计记分达到约谈分值")
    for record_id, year in sorted(wanted.items()):
        for facility in staff.facilities:
            if (record_id, facility.id) not in have and (facility.id, year) not in held:
                db.session.add(WarningTalkTask(staff=staff, facility=facility, record_id=record_id))
    db.session.flush()


def record_points(
    actor,
    staff: StaffMember,
    *,
    facility: Facility,
    violation: str,
    severity: Severity,
    responsibility,
    decided_on: date,
    source,
    reference: str,
    today: date,
) -> PointRecord:
    """Record points for one violation; the rulebook gives the points."""
    if not has_visible(violation):
        raise PointsError(_("请填写违规行为"), "violation")
    if not has_visible(reference):
        raise PointsError(_("请填写决定书文号"), "reference")
    if decided_on > today:
        raise PointsError(_("决定日期不能晚于今天"), "decided_on")
    if facility.id not in {p.facility_id for p in staff.practices}:
        raise PointsError(_("该人员未在所选机构执业，不能记分"), "facility")
    # The person's row is locked: the same decision sent twice at once (a double click)
    # is recorded once, the second waiting to find the first below.
    lock_row(StaffMember, staff.id)
    # The same decision however typed: spaces, invisible characters and full-width forms
    # make no other decision (the person's records of a day are a handful).
    candidates = select(PointRecord).where(
        PointRecord.staff_id == staff.id,
        PointRecord.facility_id == facility.id,
        PointRecord.decided_on == decided_on,
        PointRecord.revoked_at.is_(None),
    )
    wanted = (comparable(reference), comparable(violation))
    existing = next(
        (
            r
            for r in db.session.scalars(candidates.order_by(PointRecord.id))
            if (comparable(r.reference), comparable(r.violation)) == wanted
        ),
        None,
    )
    if existing is not None:
        raise DuplicatePoints(
            _(
                "该人员已按决定书 %(ref)s 就同一违规行为记分，请勿重复录入",
                ref=existing.reference,
            ),
            existing,
        )
    rb = staff_points_rulebook()
    record = PointRecord(
        staff=staff,
        facility=facility,
        violation=violation.strip(),
        severity=severity,
        responsibility=responsibility,
        points=rb.points_for(severity.value, responsibility.value),
        rulebook_version=rb.version,
        decided_on=decided_on,
        source=source,
        reference=reference.strip(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    record_audit(actor, "points.record", "point_record", record.id, after=record.audit_summary())
    sync_warning_tasks(staff, today)
    _recompute_credit(record, "points.record", today, actor)
    return record


def _recompute_credit(record: PointRecord, trigger: str, today: date, actor) -> None:
    """Sanctions feed the credit grade of the facilities involved (same transaction)."""
    from portal.operations.credit import recompute_after_points

    recompute_after_points(record, trigger, today=today, actor=actor)


def revoke_record(actor, record: PointRecord, reason: str, today: date) -> None:
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(record, with_for_update=True)
    if record.revoked:
        raise PointsError(_("该记分已撤销"))
    if any(a.status is AppealStatus.PENDING for a in record.appeals):
        # Revoked past it, the objection could only be decided "not upheld, points kept".
        raise PointsError(
            _("该记分有待处理的异议，请通过处理异议决定是否撤销（异议成立即撤销记分）")
        )
    if not has_visible(reason):
        raise PointsError(_("请填写撤销理由"))
    before = record.audit_summary()
    record.revoked_at = utcnow()
    record.revoked_by_id = getattr(actor, "id", None)
    record.revoke_reason = reason.strip()
    db.session.flush()
    record_audit(
        actor,
        "points.revoke",
        "point_record",
        record.id,
        before=before,
        after=record.audit_summary(),
        note=reason.strip(),
    )
    sync_warning_tasks(record.staff, today)
    _recompute_credit(record, "points.revoke", today, actor)


def add_restoration(
    actor,
    staff: StaffMember,
    *,
    kind: RestorationKind,
    granted_on: date,
    evidence: str,
    today: date,
) -> PointRestoration:
    """Restore points for training or inspection work, within the rulebook's cap."""
    rb = staff_points_rulebook()
    if not has_visible(evidence):
        raise PointsError(_("请填写证明材料（如培训证书编号、检查任务编号）"))
    if granted_on > today:
        raise PointsError(_("修复日期不能晚于今天"))
    # The person's row is locked: the same restoration sent twice at once (a double
    # click) is granted once, the second waiting to find the first below.
    lock_row(StaffMember, staff.id)
    # The same certificate however typed (spaces, full-width digits, bracket styles).
    wanted = comparable(evidence)
    restorations = db.session.scalars(
        select(PointRestoration)
        .where(PointRestoration.staff_id == staff.id)
        .order_by(PointRestoration.granted_on, PointRestoration.id)
    ).all()
    used = next(
        (r for r in restorations if r.kind is kind and comparable(r.evidence) == wanted), None
    )
    if used is not None:
        raise PointsError(
            _(
                "该证明材料（%(e)s）已于 %(d)s 用于修复，同一次培训或检查只能修复一次",
                e=used.evidence,
                d=used.granted_on.isoformat(),
            )
        )
    # The cap counts every restoration of the cycle, dated before this one or after: one
    # dated back must not slip under it.
    granted = sum(r.points for r in restorations if r.granted_on.year == granted_on.year)
    if granted + rb.restore_per_item > rb.restore_max_per_cycle:
        raise PointsError(
            _(
                "%(y)d年度已修复 %(n)d 分，达到上限 %(max)d 分",
                y=granted_on.year,
                n=granted,
                max=rb.restore_max_per_cycle,
            )
        )
    standing = standing_for(staff, granted_on)
    if standing.total <= 0:
        raise PointsError(_("该人员本周期没有可修复的记分"))
    before = standing_for(staff, today)
    row = PointRestoration(
        staff=staff,
        kind=kind,
        granted_on=granted_on,
        points=rb.restore_per_item,
        evidence=evidence.strip(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    after = standing_for(staff, today)
    record_audit(
        actor,
        "points.restore",
        "point_restoration",
        row.id,
        before={"standing": str(before.status), "total": before.total},
        after={
            "staff": staff.staff_code,
            "kind": kind.value,
            "points": row.points,
            "granted_on": granted_on.isoformat(),
            "evidence": row.evidence,
            "standing": str(after.status),
            "total": after.total,
        },
    )
    # A restoration dated before a later record lowers the total the record reached: a
    # suspension or warning talk may fall away, and with it a deduction from the grade
    # of each facility where the person's records counted.
    sync_warning_tasks(staff, today)
    from portal.operations.credit import recompute_for_person

    recompute_for_person(staff.id, granted_on.year, "points.restore", today=today, actor=actor)
    return row


def complete_task(actor, task: WarningTalkTask, note: str) -> None:
    # Re-read under a row lock: the same task marked twice at once (a double click) is
    # marked once, the second finding it done (its note does not replace the first's).
    db.session.flush()
    db.session.refresh(task, with_for_update=True)
    if task.status is not TaskStatus.OPEN:
        raise PointsError(_("该约谈任务不是待办状态"))
    if not has_visible(note):
        raise PointsError(_("请填写约谈情况"))
    task.status = TaskStatus.DONE
    task.done_at = utcnow()
    task.done_by_id = getattr(actor, "id", None)
    task.note = note.strip()
    db.session.flush()
    record_audit(actor, "points.talk_done", "warning_talk_task", task.id, note=note.strip())


def registration_bar(staff: StaffMember, today: date) -> str | None:
    """Why the person may not be registered at a new facility today, or None."""
    standing = standing_for(staff, today)
    if standing.status is engine.Status.TERMINATED:
        return _(
            "该人员医保支付资格已终止，%(d)s 前不得再次登记", d=standing.barred_until.isoformat()
        )
    if standing.status is engine.Status.SUSPENDED:
        return _(
            "该人员医保支付资格暂停至 %(d)s，暂停期间不得在新机构登记",
            d=(standing.current.end - timedelta(days=1)).isoformat(),
        )
    return None
