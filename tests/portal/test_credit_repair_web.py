"""Credit repair (信用修复) and self-inspection reports on the facility's and the bureau's
pages: applying, the conditions shown, the pledge date, deciding."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.models.credit import CreditRepair
from portal.models.enums import Role
from portal.models.inspections import SelfInspectionReport
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import finding_decided_on, found_in_january


def test_facility_repair_and_self_inspection(db, client, auth, make_facility, make_user):
    facility = found_in_january(make_facility, make_user)
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    page = client.get("/facility/credit/repair").get_data(as_text=True)
    assert "需在最近一次违规认定后重新签署信用承诺书" in page
    old_pledge = client.post(
        "/facility/credit/repair",
        data={
            "csrf_token": csrf_token(page),
            "statement": "已整改",
            "pledge_signed_on": "2025-12-01",
        },
    )
    assert "承诺书" in old_pledge.get_data(as_text=True)
    assert db.session.scalar(select(CreditRepair.id)) is None
    response = client.post(
        "/facility/credit/repair",
        data={"csrf_token": csrf_token(page), "statement": "已整改到位",
              "pledge_signed_on": (china_today() - timedelta(days=1)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    repair = db.session.scalar(select(CreditRepair))
    assert "等待决定" in client.get("/facility/credit/repair").get_data(as_text=True)
    # The facility's own list shows what it wrote and the pledge date it gave.
    listed = client.get("/facility/credit").get_data(as_text=True)
    listed = listed[listed.index('id="repairs"') :]
    assert '<span class="multiline">已整改到位</span>' in listed
    assert repair.pledge_signed_on.isoformat() in listed

    page = client.get("/facility/self-inspections").get_data(as_text=True)
    response = client.post(
        "/facility/self-inspections",
        data={"csrf_token": csrf_token(page), "period_start": "2026-01-01",
              "period_end": "2026-03-31", "problems": "重复收费", "amount_refunded": "1,500.50"},
    )  # fmt: skip
    assert response.status_code == 302
    report = db.session.scalar(select(SelfInspectionReport))
    assert report.amount_refunded_fen == 150_050 and report.facility_id == facility.id
    auth.logout()
    make_user(Role.CREDIT_OFFICER, "officer")
    auth.login("officer")
    assert "重复收费" in client.get("/bureau/self-inspections").get_data(as_text=True)
    url = f"/bureau/credit/repairs/{repair.id}"
    page = client.get(url).get_data(as_text=True)
    assert "符合修复条件" in page
    assert "签署日期仅为机构填报" in page and "已核对机构新签署的信用承诺书原件" in page
    grant = {"csrf_token": csrf_token(page), "outcome": "grant", "reason": "整改到位"}
    refused = client.post(url, data=grant).get_data(as_text=True)
    assert "请核对其新签署承诺书的原件并勾选确认" in refused
    assert repair.status.value == "pending"
    response = client.post(url, data=grant | {"original_checked": "y"})
    assert response.status_code == 302
    assert repair.status.value == "granted"
    auth.logout()
    auth.login("fac")
    credit = client.get("/facility/credit").get_data(as_text=True)
    assert '准予修复：<span class="multiline">整改到位</span>' in credit


def test_a_pledge_date_before_the_last_finding_is_refused_on_the_date_field(
    db, client, auth, make_facility, make_user
):
    """The months are up and the only condition not met is the pledge, signed (as typed)
    before the last finding: the reason is shown under the pledge date, where the mistake
    is, and the statement typed is kept."""
    facility = found_in_january(make_facility, make_user)
    make_user(Role.FACILITY, "fac_date", facility=facility)
    db.session.commit()
    auth.login("fac_date")
    page = client.get("/facility/credit/repair").get_data(as_text=True)
    sent = client.post(
        "/facility/credit/repair",
        data={"csrf_token": csrf_token(page), "statement": "已整改到位",
              "pledge_signed_on": "2025-12-01"},
    )  # fmt: skip
    assert sent.status_code == 200 and db.session.scalar(select(CreditRepair.id)) is None
    page = sent.get_data(as_text=True)
    fields = {
        re.search(r'<label for="(\w+)"', chunk).group(1): chunk
        for chunk in page.split('<div class="field')[1:]
        if '<label for="' in chunk
    }
    assert "需在最近一次违规认定后重新签署信用承诺书" in fields["pledge_signed_on"]
    assert "has-error" not in page.split('<label for="statement"')[0].rsplit("<div", 1)[1]
    assert "重新签署信用承诺书</div>" not in fields["statement"]
    assert "已整改到位</textarea>" in page and 'value="2025-12-01"' in page
    # A date the form refuses (tomorrow) is checked as no pledge date at all: the page
    # does not say the conditions are met beside the refusal.
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    sent = client.post(
        "/facility/credit/repair",
        data={"csrf_token": csrf_token(page), "statement": "已整改到位",
              "pledge_signed_on": tomorrow},
    )  # fmt: skip
    page = sent.get_data(as_text=True)
    assert "不晚于今天" in page
    assert "符合修复条件。" not in page
    assert db.session.scalar(select(CreditRepair.id)) is None


def test_a_decided_repair_points_the_bureau_to_where_the_facility_sees_it(
    db, client, auth, make_facility, make_user
):
    """The decision is shown to the facility on “我的信用”, not on its repair page (which
    shows the conditions again): the bureau's message after deciding says so."""
    facility = found_in_january(make_facility, make_user)
    repair = CreditRepair(
        facility=facility, statement="已整改", pledge_signed_on=china_today(),
        filed_on=china_today(),
    )  # fmt: skip
    db.session.add(repair)
    make_user(Role.CREDIT_OFFICER, "officer_r")
    make_user(Role.FACILITY, "fac_r", facility=facility)
    db.session.commit()
    auth.login("officer_r")
    url = f"/bureau/credit/repairs/{repair.id}"
    page = client.get(url).get_data(as_text=True)
    decided = client.post(
        url,
        data={"csrf_token": csrf_token(page), "outcome": "reject", "reason": "整改材料不全"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "信用修复申请已决定，机构可在其信用页面查看结果" in decided
    assert "信用修复页面" not in decided
    auth.logout()
    auth.login("fac_r")
    assert "整改材料不全" in client.get("/facility/credit").get_data(as_text=True)
    assert "整改材料不全" not in client.get("/facility/credit/repair").get_data(as_text=True)


def test_repair_form_is_not_offered_while_the_clean_months_are_not_up(
    db, client, auth, make_facility, make_user
):
    """A finding decided today: the months without a new finding are not up whatever pledge
    date is typed, so the page gives the reason and no form (a submission would be refused);
    with no finding at all there is nothing to repair either."""
    facility = make_facility()
    make_user(Role.FACILITY, "fac_wait", facility=facility)
    db.session.commit()
    auth.login("fac_wait")
    page = client.get("/facility/credit/repair").get_data(as_text=True)
    assert "没有可修复的违规认定记录" in page and 'name="statement"' not in page

    finding_decided_on(china_today(), make_user, facility)
    db.session.commit()
    page = client.get("/facility/credit/repair").get_data(as_text=True)
    assert "个月" in page and "方可申请" in page
    assert 'name="statement"' not in page and 'name="pledge_signed_on"' not in page
    assert "上述条件满足前不能申请信用修复" in page
    sent = client.post(
        "/facility/credit/repair",
        data={"csrf_token": csrf_token(page), "statement": "已整改",
              "pledge_signed_on": china_today().isoformat()},
    )  # fmt: skip
    assert sent.status_code == 200 and db.session.scalar(select(CreditRepair.id)) is None
