"""A facility's objection or repair form sent after what it applied to changed (an
application filed meanwhile in another tab, a new finding, the finding revoked) is not
filed, and what was typed is shown back rather than lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models.credit import CreditAppeal, CreditRepair
from portal.models.enums import Role
from portal.models.inspections import FindingStatus
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors

TYPED = "一、已退回违规费用\n二、已完成全员培训 <b>见附件</b>"
SHOWN = "一、已退回违规费用\n二、已完成全员培训 &lt;b&gt;见附件&lt;/b&gt;"


def _finding(make_user, facility, day: date, prefix: str):
    one, two = two_inspectors(make_user, prefix=prefix)
    finding, _row = confirmed_finding(
        one, inspection(one, facility, [one, two], start=day), today=day, decision_date=day,
        period_start=None, period_end=None,
    )  # fmt: skip
    return finding


@pytest.mark.parametrize("meanwhile", ["application filed", "new finding"])
def test_a_repair_application_sent_after_it_could_no_longer_be_filed(
    db, client, auth, make_facility, make_user, meanwhile
):
    facility = make_facility()
    _finding(make_user, facility, date(2026, 1, 5), "old")
    make_user(Role.FACILITY, "fac_unsent", facility=facility)
    db.session.commit()
    auth.login("fac_unsent")
    url = "/facility/credit/repair"
    form = client.get(url).get_data(as_text=True)
    assert 'name="statement"' in form

    if meanwhile == "application filed":
        today = china_today()
        db.session.add(
            CreditRepair(facility=facility, statement="另一页面提交", pledge_signed_on=today,
                         filed_on=today)
        )  # fmt: skip
    else:
        _finding(make_user, facility, china_today(), "new")
    db.session.commit()
    signed = (china_today() - timedelta(days=1)).isoformat()
    page = client.post(
        url, data={"csrf_token": csrf_token(form), "statement": TYPED, "pledge_signed_on": signed}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "您的信用修复申请未能提交" in html and SHOWN in html
    expected = 1 if meanwhile == "application filed" else 0
    assert db.session.scalar(select(func.count()).select_from(CreditRepair)) == expected


def test_an_objection_sent_after_nothing_could_be_objected_to(
    db, client, auth, make_facility, make_user
):
    """An ungraded facility (its agreement too young) objects to its only finding, which
    is revoked before the form is sent."""
    facility = make_facility(agreement_start=china_today())
    finding = _finding(make_user, facility, china_today(), "obj")
    make_user(Role.FACILITY, "fac_unsent_obj", facility=facility)
    db.session.commit()
    auth.login("fac_unsent_obj")
    url = "/facility/credit/appeal"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{finding.id}"' in form

    finding.status = FindingStatus.REVOKED
    finding.revoke_reason = "复核后撤销"
    db.session.commit()
    data = {"csrf_token": csrf_token(form), "subject": str(finding.id), "reason": TYPED}
    page = client.post(url, data=data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "暂无可提出异议的事项" in html
    assert "您的异议未能提交" in html and SHOWN in html
    assert db.session.scalar(select(func.count()).select_from(CreditAppeal)) == 0
    # Nothing was sent: the page shown by a plain visit has no such notice.
    assert "未能提交" not in client.get(url).get_data(as_text=True)
