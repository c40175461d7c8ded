"""The manual adjustment pages for a facility not graded yet (under contract for less
than the rulebook's months): graded later this cycle, the proposal page and the approval
say from when the adjustment counts (instead of naming a cap); graded only from a later
cycle, when it would never count, the adjustment is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models.credit import AdjustmentStatus, CreditAdjustment
from portal.models.enums import Role
from portal.operations.credit import latest_grade, recompute_grade
from tests.conftest import csrf_token


def test_an_adjustment_for_a_facility_not_graded_says_it_waits_for_grading(
    db, client, auth, make_facility, make_user, monkeypatch
):
    # Under contract since 1 June: graded from 1 December, within this cycle.
    today = date(2026, 11, 24)
    monkeypatch.setattr("portal.bureau.views_credit.china_today", lambda: today)
    facility = make_facility(agreement_start=date(2026, 6, 1))
    recompute_grade(facility, "manual", today=today)
    assert latest_grade(facility.id).graded is False
    make_user(Role.CREDIT_OFFICER, "adj_officer")
    make_user(Role.APPROVER, "adj_approver")
    db.session.commit()

    auth.login("adj_officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    page = client.get(url).get_data(as_text=True)
    assert "该机构本周期暂不参加信用评价（定点协议不满" in page and "自 2026-12-01 起参加" in page
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
    assert "调整已批准；该机构自 2026-12-01 起参加信用评价，调整届时计入本周期" in page
    assert "None" not in page and "因封顶" not in page
    assert latest_grade(facility.id).graded is False
    recompute_grade(facility, "manual", today=date(2026, 12, 1))
    assert latest_grade(facility.id).grade == "D"


def test_no_adjustment_for_a_facility_first_graded_in_a_later_cycle(
    db, client, auth, make_facility, make_user, monkeypatch
):
    """An adjustment counts in the cycle it is approved in: one for a facility graded only
    from next year would never count, and is refused, proposed or approved."""
    from portal.operations.credit_workflow import CreditError, decide_adjustment
    from portal.operations.credit_workflow import propose_adjustment as propose

    today = date(2026, 11, 24)
    monkeypatch.setattr("portal.bureau.views_credit.china_today", lambda: today)
    facility = make_facility(agreement_start=date(2026, 7, 18))  # graded from 2027-01-18
    officer = make_user(Role.CREDIT_OFFICER, "adj_officer")
    approver = make_user(Role.APPROVER, "adj_approver")
    db.session.commit()
    auth.login("adj_officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    page = client.get(url).get_data(as_text=True)
    assert "该机构自 2027-01-18 起才参加信用评价" in page and 'name="reason"' not in page
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "mode": "points", "points": "-20", "reason": "拒不整改",
        "evidence": "整改通知书（档案室）",
    })  # fmt: skip
    assert "本周期无等级可调整" in response.get_data(as_text=True)
    assert db.session.scalar(select(CreditAdjustment)) is None
    # One proposed earlier (say, before a correction of the agreement's start): not approved.
    earlier = propose(officer, facility, points="-20", reason="拒不整改", evidence="文号")
    with pytest.raises(CreditError, match="现在批准不会生效，请驳回"):
        decide_adjustment(approver, earlier, approve=True, note="同意", today=today)
    decide_adjustment(approver, earlier, approve=False, note="待其参加评价", today=today)
    assert earlier.status is AdjustmentStatus.REJECTED
