"""What the credit pages say about expiry, caps and grade adjustments: when each finding is
reduced and stops counting, that a cap holds the grade whatever the score and when it lifts,
that an approved grade adjustment is in force (or held by a cap), and who proposed and who
approved an adjustment in the history."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.models.credit import CreditAdjustment
from portal.models.enums import Role
from portal.operations.credit_appeals import file_credit_appeal
from portal.operations.credit_workflow import decide_adjustment
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import confirmed_finding, finding_decided_on, inspection, two_inspectors


def _text(html: str) -> str:
    """The page's text without tags and with spaces collapsed, to find phrases across tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _fraud_today(make_user, facility, category="fictitious_service"):
    today = china_today()
    one, two = two_inspectors(make_user, prefix=f"insp{facility.id}")
    finding, _row = confirmed_finding(
        one, inspection(one, facility, [one, two], start=today), today=today,
        decision_date=today, period_start=None, period_end=None, category=category,
        results=["talk_rectify"],
    )  # fmt: skip
    return finding


def _grade_adjustment(db, client, auth, facility, grade="C"):
    """Proposed on the web by the credit officer; returns the pending adjustment."""
    auth.login("officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    form = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(form),
            "mode": "grade",
            "grade": grade,
            "reason": "复核",
            "evidence": "复核报告（档案室）",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return form, db.session.scalar(select(CreditAdjustment).order_by(CreditAdjustment.id.desc()))


def _approve(client, auth, adjustment):
    auth.login("appr")
    url = f"/bureau/credit/adjustments/{adjustment.id}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={"csrf_token": csrf_token(page), "outcome": "approve", "note": "同意"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return page, response.get_data(as_text=True)


def test_facility_page_says_when_findings_are_reduced_and_stop_counting(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    year = china_today().year
    # Last year's first (its confirmation computes last year's grade), then this year's.
    last_year = finding_decided_on(date(year - 1, 6, 1), make_user, facility)
    one, two = two_inspectors(make_user, prefix="now")
    today = china_today()
    confirmed_finding(
        one, inspection(one, facility, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None, category="inflated_charges",
    )  # fmt: skip
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    page = _text(client.get("/facility/credit").get_data(as_text=True))
    # This year's serious finding (-10): half in the next cycle, gone the one after.
    assert f"{year + 1}-01-01 起按50%计入；{year + 2}-01-01 起不再计入" in page
    assert f"{year + 1}-01-01 起按50%计入（-5.0）；{year + 2}-01-01 起不再计入" in page
    # Last year's general finding (-5 at 50%): gone in the next cycle.
    assert f"{year - 1}年度记录按50%计入" in page and last_year.id
    assert re.search(rf"2\.5 .*?{year + 1}-01-01 起不再计入", page)
    assert "影响至" not in page


def test_cap_says_the_grade_cannot_rise_and_when_it_lifts(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    _fraud_today(make_user, facility)
    make_user(Role.FACILITY, "fac", facility=facility)
    make_user(Role.AUDITOR, "aud")
    db.session.commit()
    year = china_today().year
    for login, url in (
        ("fac", "/facility/credit"),
        ("aud", f"/bureau/facilities/{facility.id}/credit"),
    ):
        auth.login(login)
        page = _text(client.get(url).get_data(as_text=True))
        auth.logout()
        assert "80.0" in page
        assert "本周期等级封顶为 D 级，无论得分多少，本周期都不会高于 D 级" in page
        assert f"本周期存在经认定的欺诈骗保行为（封顶为 D 级，{year + 1}-01-01 起解除）" in page
        assert "按得分（80.0 分）应为 B 级" in page
        assert "还差" not in page and "距 C 级" not in page


def test_termination_cap_has_no_end_date(db, client, auth, make_facility, make_user):
    from portal.models.enums import FacilityStatus

    facility = make_facility(status=FacilityStatus.TERMINATED)
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    page = _text(client.get("/facility/credit").get_data(as_text=True))
    assert "定点协议已解除（封顶为 D 级，该情形存续期间持续有效，没有解除日期）" in page
    assert "还差" not in page


def test_grade_override_held_by_a_cap_warns_and_stays_visible_after_revoking(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    fraud = _fraud_today(make_user, facility)
    make_user(Role.CREDIT_OFFICER, "officer")
    make_user(Role.APPROVER, "appr")
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    form, adjustment = _grade_adjustment(db, client, auth, facility)
    form = _text(form)
    assert "该机构当前等级封顶为 D 级：本周期存在经认定的欺诈骗保行为" in form
    assert "调整为高于 D 级的等级不会生效" in form
    decide_page, after = _approve(client, auth, adjustment)
    decide_page = _text(decide_page)
    assert "批准后，调整为 C 级在封顶解除前不会生效，本周期等级仍为 D 级" in decide_page
    assert "批准（因封顶，本周期等级暂不改变）" in decide_page
    assert "批准，调整生效" not in decide_page
    assert "因封顶，本周期等级仍为 D 级" in _text(after)
    page = _text(client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True))
    assert "（受封顶限制，未生效）" in page
    assert f"人工调整 #{adjustment.id} 将等级调整为 C 级，但因封顶，本周期等级为 D 级" in page
    # The fraud finding is revoked: the score is 100, the adjustment keeps the grade at C
    # for the cycle, and says so; whoever revokes is told to review it.
    url = f"/bureau/findings/{fraud.id}/revoke"
    token = csrf_token(client.get(url).get_data(as_text=True))
    revoked = client.post(
        url, data={"csrf_token": token, "reason": "复核不成立"}, follow_redirects=True
    )
    assert f"人工调整 #{adjustment.id}（等级调整为 C 级）在本评价周期内仍然有效" in _text(
        revoked.get_data(as_text=True)
    )
    expected = f"按得分应为A级，经人工调整为C级（调整 #{adjustment.id}）"
    page = _text(client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True))
    assert expected in page and "受封顶限制" not in page
    auth.logout()
    auth.login("fac")
    assert expected in _text(client.get("/facility/credit").get_data(as_text=True))


def test_upheld_objection_reminds_of_the_grade_adjustment_in_force(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    finding = finding_decided_on(china_today(), make_user, facility)
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    approver = make_user(Role.APPROVER, "appr")
    fac = make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    _form, adjustment = _grade_adjustment(db, client, auth, facility, grade="B")
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=china_today())
    appeal = file_credit_appeal(fac, facility, finding=finding, reason="不实", today=china_today())
    db.session.commit()
    assert officer.id != approver.id
    auth.login("appr")
    url = f"/bureau/credit/appeals/{appeal.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "outcome": "upheld", "reason": "证据不足"},
        follow_redirects=True,
    )
    assert f"人工调整 #{adjustment.id}（等级调整为 B 级）在本评价周期内仍然有效" in _text(
        response.get_data(as_text=True)
    )


def test_a_finding_confirmed_under_a_grade_adjustment_reminds_of_it(
    db, client, auth, make_facility, make_user
):
    """The grade stays where the adjustment set it whatever the score: the confirmation
    says so, as revoking a finding and upholding an objection do."""
    from portal.operations.findings import add_finding
    from tests.credit_helpers import finding_data

    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    approver = make_user(Role.APPROVER, "appr")
    one, two = two_inspectors(make_user)
    visit = inspection(one, facility, [one, two], start=china_today())
    db.session.commit()
    _form, adjustment = _grade_adjustment(db, client, auth, facility, grade="A")
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=china_today())
    draft = add_finding(
        one, visit, finding_data(decision_date=china_today(), period_start=None, period_end=None),
        china_today(),
    )  # fmt: skip
    db.session.commit()
    auth.login(one.username)
    url = f"/bureau/findings/{draft.id}/confirm"
    token = csrf_token(client.get(f"/bureau/findings/{draft.id}").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    page = _text(response.get_data(as_text=True))
    assert "已认定。机构信用评分" in page
    assert f"人工调整 #{adjustment.id}（等级调整为 A 级）在本评价周期内仍然有效" in page


def test_history_names_proposer_and_approver(db, client, auth, make_facility, make_user):
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    make_user(Role.APPROVER, "appr")
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    _form, adjustment = _grade_adjustment(db, client, auth, facility)
    _approve(client, auth, adjustment)
    expected = f"人工调整获批 #{adjustment.id} · 测试信用评价专员提出，测试审批人批准"
    page = _text(client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True))
    assert expected in page
    assert f"按得分应为A级，经人工调整为C级（调整 #{adjustment.id}）" in page
    auth.logout()
    auth.login("fac")
    page = _text(client.get("/facility/credit").get_data(as_text=True))
    assert expected in page
