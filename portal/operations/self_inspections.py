"""Facilities' self-inspection and self-correction reports (自查自纠报告)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models.facility import Facility
from portal.models.inspections import SelfInspectionReport
from portal.operations.audit import record_audit
from portal.operations.inspections import InspectionError
from portal.operations.locks import lock_row
from portal.rules import credit_rulebook
from portal.validators import MAX_FEN, has_visible


def file_self_inspection(actor, facility: Facility, data: dict, today: date):
    """A facility files its self-inspection report; on time when filed by the rulebook's
    deadline of the current cycle."""
    errors: dict[str, str] = {}
    start, end = data.get("period_start"), data.get("period_end")
    if not isinstance(start, date):
        errors["period_start"] = _("请填写有效日期")
    if not isinstance(end, date):
        errors["period_end"] = _("请填写有效日期")
    elif isinstance(start, date) and end < start:
        errors["period_end"] = _("结束日期不能早于开始日期")
    elif end > today:
        errors["period_end"] = _("自查期间不能晚于今天")
    if not has_visible(data.get("problems") or ""):
        errors["problems"] = _("请填写自查发现的问题及整改情况")
    refunded = data.get("amount_refunded_fen", 0)
    if not isinstance(refunded, int) or refunded < 0:
        errors["amount_refunded_fen"] = _("金额不能为负数")
    elif refunded > MAX_FEN:
        errors["amount_refunded_fen"] = _("金额过大，请核对")
    if errors:
        raise InspectionError(errors)
    problems = data["problems"].strip()
    # The same report sent again (a double click on the button, the page resent) files no
    # second copy. The facility's row is locked so that two at once are checked in turn.
    lock_row(Facility, facility.id)
    same = select(SelfInspectionReport.id).where(
        SelfInspectionReport.facility_id == facility.id,
        SelfInspectionReport.filed_on == today,
        SelfInspectionReport.period_start == start,
        SelfInspectionReport.period_end == end,
        SelfInspectionReport.amount_refunded_fen == refunded,
        SelfInspectionReport.problems == problems,
    )
    if db.session.scalar(same.limit(1)) is not None:
        raise InspectionError({"problems": _("今日已报送过内容相同的自查自纠报告，无需重复报送")})
    deadline = credit_rulebook().self_correction_deadline_for(today.year)
    report = SelfInspectionReport(
        facility=facility,
        cycle=today.year,
        period_start=start,
        period_end=end,
        problems=problems,
        amount_refunded_fen=refunded,
        filed_on=today,
        deadline=deadline,
        on_time=today <= deadline,
        filed_by_id=getattr(actor, "id", None),
    )
    db.session.add(report)
    db.session.flush()
    record_audit(
        actor,
        "self_inspection.file",
        "self_inspection_report",
        report.id,
        after={
            "facility": facility.site_code,
            "amount_refunded_fen": refunded,
            "filed_on": today.isoformat(),
            "on_time": report.on_time,
        },
    )
    return report
