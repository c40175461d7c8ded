"""A decision sent for something already decided (sent again, or decided by someone else
meanwhile): the page says so, as it no longer shows the form the refusal would stand
under, and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models.audit import AuditLog
from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditRepair, RepairStatus
from portal.models.enums import AppealStatus, Responsibility, Role, Severity
from portal.models.points import PointAppeal
from tests.conftest import csrf_token
from tests.portal.points_helpers import record_for
from tests.portal.web_helpers import count_rows

DAY = date(2026, 6, 1)
DECIDED = "该事项已经处理，处理结果见下方；本次提交未作任何更改"


def _decided(db, make_facility, make_staff, make_user, what: str) -> str:
    """The decision page of a decided ``what``, and the form fields that decide it."""
    facility = make_facility()
    if what == "credit_appeal":
        row = CreditAppeal(
            facility=facility, reason="不服", filed_on=DAY,
            status=CreditAppealStatus.REJECTED, decision_reason="依据充分",
        )  # fmt: skip
        url = "/bureau/credit/appeals/{}"
    elif what == "repair":
        row = CreditRepair(
            facility=facility, statement="已整改", pledge_signed_on=DAY, filed_on=DAY,
            status=RepairStatus.REJECTED, decision_reason="未满",
        )  # fmt: skip
        url = "/bureau/credit/repairs/{}"
    else:
        recorder = make_user(Role.INSPECTOR, "decided_recorder")
        staff = make_staff([facility])
        record = record_for(recorder, staff, facility, Severity.MINOR, Responsibility.GENERAL)
        row = PointAppeal(
            record=record, filed_on=DAY, reason="有误",
            status=AppealStatus.REJECTED, decision_reason="依据充分",
        )  # fmt: skip
        url = "/bureau/appeals/{}"
    db.session.add(row)
    db.session.commit()
    return url.format(row.id)


@pytest.mark.parametrize(
    ("what", "outcome"),
    [("credit_appeal", "upheld"), ("repair", "grant"), ("points_appeal", "upheld")],
)
def test_a_decision_sent_for_a_decided_item_says_it_was_decided(
    db, client, auth, make_facility, make_staff, make_user, what, outcome
):
    url = _decided(db, make_facility, make_staff, make_user, what)
    make_user(Role.ADMIN, "decided_admin")
    auth.login("decided_admin")
    page = client.get(url).get_data(as_text=True)
    assert DECIDED not in page
    audited = count_rows(db, AuditLog)
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "outcome": outcome, "reason": "再次决定",
        "original_checked": "y",
    })  # fmt: skip
    assert response.status_code == 200
    assert DECIDED in response.get_data(as_text=True)
    assert count_rows(db, AuditLog) == audited
