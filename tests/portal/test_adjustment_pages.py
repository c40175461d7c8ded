"""The manual adjustment pages for a facility not graded this cycle (under contract for
less than the rulebook's months): the proposal page says the adjustment waits for the
facility to be graded, and approving it says so instead of naming a cap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models.credit import AdjustmentStatus, CreditAdjustment
from portal.models.enums import Role
from portal.operations.credit import latest_grade, recompute_grade
from portal.web import china_today
from tests.conftest import csrf_token


def test_an_adjustment_for_a_facility_not_graded_says_it_waits_for_grading(
    db, client, auth, make_facility, make_user
):
    facility = make_facility(agreement_start=china_today() - timedelta(days=30))
    recompute_grade(facility, "manual", today=china_today())
    assert latest_grade(facility.id).graded is False
    make_user(Role.CREDIT_OFFICER, "adj_officer")
    make_user(Role.APPROVER, "adj_approver")
    db.session.commit()

    auth.login("adj_officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    page = client.get(url).get_data(as_text=True)
    assert "该机构本周期不参加信用评价（定点协议不满" in page
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "mode": "grade", "grade": "D", "reason": "拒不整改",
        "evidence": "整改通知书（档案室）",
    })  # fmt: skip
    assert response.status_code == 302
    adjustment = db.session.scalar(select(CreditAdjustment))
    auth.logout()

    auth.login("adj_approver")
    decide = f"/bureau/credit/adjustments/{adjustment.id}"
    response = client.post(decide, data={
        "csrf_token": csrf_token(client.get(decide).get_data(as_text=True)),
        "outcome": "approve", "note": "同意",
    }, follow_redirects=True)  # fmt: skip
    page = response.get_data(as_text=True)
    assert adjustment.status is AdjustmentStatus.APPROVED
    assert "该机构本周期暂不参加信用评价，调整在其参加评价后计入" in page
    assert "None" not in page and "因封顶" not in page
