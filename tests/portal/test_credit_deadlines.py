"""Decision deadlines that waited for the calendar: filled in once it has the year, with
``medcredit calendar fill-deadlines``, each in the audit trail."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.credit import CreditRepair, RepairStatus
from portal.operations.credit_appeals import file_credit_appeal
from portal.operations.credit_deadlines import fill_missing_deadlines, missing_deadlines
from tests.calendars import calendar_file
from tests.credit_helpers import finding_decided_on

FILED = date(2026, 12, 21)


def _waiting_requests(db, make_user, make_facility):
    """An objection and a repair application filed on ``FILED``: fifteen working days
    reach into 2027, which the test's calendar lacks."""
    facility = make_facility()
    finding = finding_decided_on(FILED, make_user, facility)
    appeal = file_credit_appeal(None, facility, finding=finding, reason="有误", today=FILED)
    repair = CreditRepair(
        facility=facility, statement="已整改", pledge_signed_on=FILED, filed_on=FILED
    )
    db.session.add(repair)
    db.session.flush()
    return appeal, repair


def _with_2027(app, tmp_path, monkeypatch) -> None:
    """A calendar with a 2027 schedule (test data: New Year's Day off), for this test."""
    path = calendar_file(tmp_path / "calendar-2027.toml", "[years.2027]\nholidays = [2027-01-01]\n")
    monkeypatch.setitem(app.config, "WORKDAY_CALENDAR", str(path))


def _deadline_audits(db) -> list[AuditLog]:
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action.in_(["credit.appeal_deadline", "credit.repair_deadline"]))
            .order_by(AuditLog.seq)
        )
    )


def test_deadlines_are_filled_once_the_calendar_has_the_year(
    app, db, make_user, make_facility, tmp_path, monkeypatch, calendar_until_2026
):
    appeal, repair = _waiting_requests(db, make_user, make_facility)
    # Decided already: it needs no deadline any more.
    refused = CreditRepair(
        facility=appeal.facility, statement="已整改", pledge_signed_on=FILED, filed_on=FILED,
        status=RepairStatus.REJECTED,
    )  # fmt: skip
    db.session.add(refused)
    db.session.flush()
    assert appeal.deadline is None and repair.deadline is None
    assert missing_deadlines() == {"credit_appeal": 1, "credit_repair": 1}
    assert fill_missing_deadlines() == (0, 2)
    assert appeal.deadline is None and _deadline_audits(db) == []

    _with_2027(app, tmp_path, monkeypatch)
    assert fill_missing_deadlines() == (2, 0)
    # 22–25 and 28–31 December, 4–8 January (1 January off), 11 and 12 January.
    assert appeal.deadline == repair.deadline == date(2027, 1, 12)
    assert refused.deadline is None
    audits = _deadline_audits(db)
    assert [(a.action, a.object_id) for a in audits] == [
        ("credit.appeal_deadline", str(appeal.id)),
        ("credit.repair_deadline", str(repair.id)),
    ]
    assert audits[0].actor_name == "system"
    assert audits[0].summary["after"] == {"deadline": "2027-01-12"}
    assert missing_deadlines() == {"credit_appeal": 0, "credit_repair": 0}
    assert fill_missing_deadlines() == (0, 0) and len(_deadline_audits(db)) == 2


def test_the_calendar_commands(
    app, db, runner, make_user, make_facility, tmp_path, monkeypatch, calendar_until_2026
):
    appeal, _repair = _waiting_requests(db, make_user, make_facility)
    shown = runner.invoke(args=["calendar", "show"])
    assert shown.exit_code == 0, shown.output
    assert "工作日历包含年度：2024、2025、2026" in shown.output
    assert "异议 1 件，信用修复申请 1 件" in shown.output

    _with_2027(app, tmp_path, monkeypatch)
    filled = runner.invoke(args=["calendar", "fill-deadlines"])
    assert filled.exit_code == 0, filled.output
    assert "已补定 2 个处理期限；仍待日历更新的 0 个" in filled.output
    assert appeal.deadline == date(2027, 1, 12)
    shown = runner.invoke(args=["calendar", "show"])
    assert "2024、2025、2026、2027" in shown.output and "异议 0 件" in shown.output
