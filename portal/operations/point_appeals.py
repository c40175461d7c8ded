"""Objections (异议) to staff point records: one per record, filed within the rulebook's
working days of the decision (official Chinese calendar), decided by someone other than
the recorder and than whoever entered it; one upheld revokes the record
(``portal.operations.points.revoke_record``)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.extensions import db
from portal.models.enums import AppealStatus
from portal.models.points import PointAppeal, PointRecord
from portal.operations.audit import record_audit
from portal.operations.decisions import record_decision
from portal.operations.points import PointsError, revoke_record
from portal.rules import staff_points_rulebook, workday_calendar
from portal.validators import has_visible
from portal.web import china_date
from scoring.workdays import CalendarError


def appeal_deadline(record: PointRecord) -> date | None:
    """Last day to object, or None while the calendar lacks the holiday schedule needed."""
    try:
        return workday_calendar().add_workdays(
            record.decided_on, staff_points_rulebook().appeal_working_days
        )
    except CalendarError:
        return None


def appeal_open(record: PointRecord, today: date) -> bool:
    """Whether an objection to ``record`` may still be filed ``today``: not revoked, none
    pending, in time (answered even while the deadline falls in a year the calendar lacks,
    as long as today is not in one)."""
    return appeal_refusal(record, today) is None


def appeal_refusal(record: PointRecord, filed_on: date) -> str | None:
    """Why no objection to ``record`` may be filed on ``filed_on``, or None."""
    if record.revoked:
        return _("该记分已撤销，无需提出异议")
    if any(a.status is AppealStatus.PENDING for a in record.appeals):
        return _("该记分已有待处理的异议")
    decided = [a for a in record.appeals if a.status is AppealStatus.REJECTED]
    if decided:
        # The objection is the review; what follows a decision is reconsideration or a
        # lawsuit, outside the portal.
        return _(
            "该记分的异议已于 %(d)s 处理（异议不成立），不能再次提出；对处理结果不服的，"
            "可依法申请行政复议或者提起行政诉讼",
            d=china_date(decided[0].decided_at).isoformat(),
        )
    days = staff_points_rulebook().appeal_working_days
    try:
        # Answered from the days up to the filing: a deadline in a year the calendar
        # lacks yet does not stop a filing made in a year it has.
        in_time = workday_calendar().within_workdays(record.decided_on, days, filed_on)
    except CalendarError:
        return _("工作日历缺少相关年度的节假日安排，无法计算异议期限，请联系管理员更新日历")
    if not in_time:
        return _(
            "已超过异议期限（%(d)s，决定之日起 %(n)d 个工作日）",
            d=workday_calendar().add_workdays(record.decided_on, days).isoformat(),
            n=days,
        )
    return None


def file_appeal(
    actor, record: PointRecord, *, reason: str, filed_on: date, today: date | None = None
) -> PointAppeal:
    """An objection within the rulebook's working days of the decision. ``filed_on`` is
    the day it was received (on paper, a day already past), never before the decision nor,
    given ``today``, after today."""
    # Re-read the record under a row lock, so that the same objection sent twice at once
    # (a double click) is checked in turn: the second finds the first pending.
    db.session.refresh(record, with_for_update=True)
    if today is not None and filed_on > today:
        raise PointsError(_("提出日期不能晚于今天"), "filed_on")
    if filed_on < record.decided_on:
        raise PointsError(
            _("提出日期不能早于记分决定日期（%(d)s）", d=record.decided_on.isoformat()),
            "filed_on",
        )
    refusal = appeal_refusal(record, filed_on)
    if refusal is not None:
        raise PointsError(refusal)
    if not has_visible(reason):
        raise PointsError(_("请填写异议理由"))
    appeal = PointAppeal(
        record=record,
        filed_on=filed_on,
        reason=reason.strip(),
        filed_by_id=getattr(actor, "id", None),
    )
    db.session.add(appeal)
    db.session.flush()
    record_audit(
        actor,
        "points.appeal",
        "point_appeal",
        appeal.id,
        after={"record": record.id, "filed_on": filed_on.isoformat(), "reason": appeal.reason},
    )
    return appeal


def decide_appeal(actor, appeal: PointAppeal, *, upheld: bool, reason: str, today: date) -> None:
    """Decide an appeal; the person who recorded the points may not decide it."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(appeal, with_for_update=True)
    if appeal.status is not AppealStatus.PENDING:
        raise PointsError(_("该异议已处理"))
    if appeal.record.recorded_by_id is not None and appeal.record.recorded_by_id == actor.id:
        raise PointsError(_("记分人不能处理针对本人记分的异议，请由其他人员处理"))
    if appeal.filed_by_id is not None and appeal.filed_by_id == actor.id:
        # An objection received on paper is entered by a bureau officer: a second person
        # decides it, so that no one alone can revoke points through an objection.
        raise PointsError(_("登记该异议的人员不能处理该异议，请由其他人员处理"))
    if not has_visible(reason):
        raise PointsError(_("请填写处理理由"))
    status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    record_decision(actor, appeal, status, reason, "points.appeal_decide")
    if upheld:
        revoke_record(actor, appeal.record, _("异议成立：%(r)s", r=reason.strip()), today)
