"""Objections (异议) filed from “我的信用”: what the facility is offered to object to."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models.credit import CreditAppeal
from portal.models.enums import Role
from portal.operations.credit import recompute_grade
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors

URL = "/facility/credit/appeal"


def _file(client, subject: str, reason: str):
    form = client.get(URL).get_data(as_text=True)
    data = {"csrf_token": csrf_token(form), "subject": subject, "reason": reason}
    return client.post(URL, data=data)


def _graded_with_a_finding(db, auth, make_facility, make_user) -> tuple:
    """A facility graded today with a finding confirmed today, and its user ``fac_obj``
    logged in: (the facility, the finding, the two inspectors)."""
    own = make_facility()
    one, two = two_inspectors(make_user)
    today = china_today()
    finding, _ = confirmed_finding(
        one, inspection(one, own, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None,
    )  # fmt: skip
    recompute_grade(own, "manual", today=today)
    make_user(Role.FACILITY, "fac_obj", facility=own)
    db.session.commit()
    auth.login("fac_obj")
    return own, finding, (one, two)


def test_a_subject_with_an_objection_pending_is_not_offered_again(
    db, client, auth, make_facility, make_user
):
    """Once the grade or a finding has an objection pending, the form no longer offers it
    and “我的信用” says the objection is being handled instead of linking to the form; with
    nothing left to object to, the form's page says so."""
    own, finding, _inspectors = _graded_with_a_finding(db, auth, make_facility, make_user)

    offered = f'value="{finding.id}">违规认定'
    form = client.get(URL).get_data(as_text=True)
    assert 'value="grade"' in form and offered in form
    link = f"/facility/credit/appeal?finding={finding.id}"
    assert link in client.get("/facility/credit").get_data(as_text=True)

    assert _file(client, str(finding.id), "涉及金额计算有误").status_code == 302
    form = client.get(f"{URL}?finding={finding.id}").get_data(as_text=True)
    assert offered not in form and 'value="grade"' in form
    credit = client.get("/facility/credit").get_data(as_text=True)
    assert link not in credit and "异议处理中" in credit

    assert _file(client, "grade", "等级计算有误").status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert 'name="subject"' not in page and 'name="reason"' not in page
    assert "均已有异议正在处理" in page
    assert db.session.scalar(select(func.count()).select_from(CreditAppeal)) == 2


def test_with_no_finding_the_pending_grade_objection_is_all_the_page_speaks_of(
    db, client, auth, make_facility, make_user
):
    """A graded facility without any finding objects to its grade: the form's page says
    the objection to the grade is being handled, not that "each finding" has one too."""
    own = make_facility()
    recompute_grade(own, "manual", today=china_today())
    make_user(Role.FACILITY, "fac_grade_only", facility=own)
    db.session.commit()
    auth.login("fac_grade_only")
    assert _file(client, "grade", "等级计算有误").status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert 'name="subject"' not in page
    assert "本机构的信用评价结果已有异议正在处理，请等待处理结果。" in page
    assert "违规认定均已有异议" not in page
    assert '/facility/credit?appeals_page=1#appeals">查看异议处理情况' in page


def test_the_grade_is_not_offered_to_a_facility_without_one(
    db, client, auth, make_facility, make_user
):
    """Without a graded computation an objection to the grade is refused (“尚无信用评价结果”),
    so the form does not offer it; with nothing at all to object to, the page says so. The
    facility's agreement is too young for it to be graded even once a finding is confirmed."""
    own = make_facility(agreement_start=china_today())
    make_user(Role.FACILITY, "fac_new", facility=own)
    db.session.commit()
    auth.login("fac_new")

    page = client.get(URL).get_data(as_text=True)
    assert 'name="subject"' not in page and 'name="reason"' not in page
    assert "暂无可提出异议的事项" in page

    one, two = two_inspectors(make_user)
    today = china_today()
    finding, _ = confirmed_finding(
        one, inspection(one, own, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None,
    )  # fmt: skip
    db.session.commit()
    form = client.get(URL).get_data(as_text=True)
    assert 'value="grade"' not in form and f'value="{finding.id}">违规认定' in form
    assert _file(client, str(finding.id), "涉及金额计算有误").status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert 'name="subject"' not in page
    assert "本机构尚无信用评价结果，各项违规认定均已有异议正在处理" in page


def test_a_decided_objection_is_not_filed_again(db, client, auth, make_facility, make_user):
    """The objection is the review: after its decision, a finding is not offered again, and
    the grade only once its grade or score has changed."""
    from portal.operations.credit_appeals import decide_credit_appeal

    officer = make_user(Role.CREDIT_OFFICER, "obj_officer")
    own, finding, (one, two) = _graded_with_a_finding(db, auth, make_facility, make_user)
    today = china_today()
    assert _file(client, str(finding.id), "涉及金额计算有误").status_code == 302
    assert _file(client, "grade", "等级计算有误").status_code == 302
    for appeal in db.session.scalars(select(CreditAppeal)):
        decide_credit_appeal(officer, appeal, upheld=False, reason="经复核无误", today=today)
    db.session.commit()

    form = client.get(URL).get_data(as_text=True)
    assert f'value="{finding.id}"' not in form
    assert "异议已处理" in client.get("/facility/credit").get_data(as_text=True)
    again = _file(client, "grade", "仍认为有误").get_data(as_text=True)
    assert "对当前信用评价结果的异议已于" in again and "可依法申请行政复议" in again
    # A forged subject: the finding is refused the same way.
    forged = client.post(URL, data={
        "csrf_token": csrf_token(form), "subject": str(finding.id), "reason": "再议",
    }).get_data(as_text=True)  # fmt: skip
    assert "对该违规发现的异议已于" in forged, forged[-3000:]
    assert db.session.scalar(select(func.count()).select_from(CreditAppeal)) == 2
    # Once the grade's score changes (another finding), the new result may be objected to.
    confirmed_finding(
        one, inspection(one, own, [one, two], start=today, confirm_distinct=True),
        today=today, decision_date=today, period_start=None, period_end=None,
        description="另一项违规",
    )  # fmt: skip
    db.session.commit()
    assert _file(client, "grade", "新的评价结果有误").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CreditAppeal)) == 3


def test_an_upheld_grade_objection_says_what_follows(db, client, auth, make_facility, make_user):
    """Upheld, a grade objection recomputes the grade, which may not move: the facility is
    told an adjustment, if any, comes separately with a second person's approval."""
    from portal.operations.credit_appeals import decide_credit_appeal

    own = make_facility()
    recompute_grade(own, "manual", today=china_today())
    officer = make_user(Role.CREDIT_OFFICER, "obj_officer")
    make_user(Role.FACILITY, "fac_obj", facility=own)
    db.session.commit()
    auth.login("fac_obj")
    assert _file(client, "grade", "等级计算有误").status_code == 302
    appeal = db.session.scalar(select(CreditAppeal))
    decide_credit_appeal(officer, appeal, upheld=True, reason="理由成立", today=china_today())
    db.session.commit()
    credit = client.get("/facility/credit").get_data(as_text=True)
    assert "异议成立：" in credit and "如需人工调整等级，由医保局另行提出" in credit
    home = client.get("/facility/").get_data(as_text=True)
    assert "等级如需调整，由医保局另行提出并经审批" in home
