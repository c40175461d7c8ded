"""One objection per point record, decided by a second person when a bureau officer
entered it; the audit trail keeps what each objection and restoration rested on."""

from __future__ import annotations

import pytest

from portal.models.enums import AppealStatus, Responsibility, RestorationKind, Role, Severity
from portal.models.points import PointAppeal
from portal.operations.point_appeals import appeal_open, decide_appeal, file_appeal
from portal.operations.points import PointsError, add_restoration
from tests.portal.points_helpers import TODAY, record_for
from tests.portal.web_helpers import audit_rows, count_rows


def _record(make_user, make_staff):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    return record_for(inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.MAIN)


def test_a_record_whose_objection_was_rejected_takes_no_second(db, make_staff, make_user):
    approver = make_user(Role.APPROVER, "appr")
    record = _record(make_user, make_staff)
    appeal = file_appeal(None, record, reason="非本人行为", filed_on=TODAY)
    decide_appeal(approver, appeal, upheld=False, reason="证据确凿", today=TODAY)
    assert not appeal_open(record, TODAY)
    with pytest.raises(
        PointsError, match=r"异议已于 \d{4}-\d\d-\d\d 处理（异议不成立），不能再次提出"
    ):
        file_appeal(None, record, reason="再次申请", filed_on=TODAY)
    assert count_rows(db, PointAppeal) == 1


def test_the_officer_who_entered_an_objection_does_not_decide_it(db, make_staff, make_user):
    credit = make_user(Role.CREDIT_OFFICER, "credit")
    approver = make_user(Role.APPROVER, "appr")
    record = _record(make_user, make_staff)
    appeal = file_appeal(credit, record, reason="书面异议", filed_on=TODAY)
    with pytest.raises(PointsError, match="登记该异议的人员不能处理该异议"):
        decide_appeal(credit, appeal, upheld=True, reason="成立", today=TODAY)
    assert appeal.status is AppealStatus.PENDING and not record.revoked
    decide_appeal(approver, appeal, upheld=True, reason="成立", today=TODAY)
    assert record.revoked


def test_objections_their_decisions_and_restorations_are_audited_in_full(db, make_staff, make_user):
    approver = make_user(Role.APPROVER, "appr")
    record = _record(make_user, make_staff)
    appeal = file_appeal(None, record, reason="非本人行为", filed_on=TODAY)
    (filed,) = audit_rows(db, "points.appeal")
    assert filed.summary["after"]["reason"] == "非本人行为"
    decide_appeal(approver, appeal, upheld=False, reason="证据确凿", today=TODAY)
    (decided,) = audit_rows(db, "points.appeal_decide")
    assert decided.summary["before"] == {"status": "pending"}
    assert decided.summary["after"] == {"status": "rejected"}
    add_restoration(
        approver, record.staff, kind=RestorationKind.TRAINING, granted_on=TODAY,
        evidence="培训证书001", today=TODAY,
    )  # fmt: skip
    (restored,) = audit_rows(db, "points.restore")
    assert restored.summary["after"]["evidence"] == "培训证书001"
