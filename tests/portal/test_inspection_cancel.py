"""Cancelling an inspection recorded by mistake: refused while a finding under it stands,
with a reason and a confirmation, audited; the inspection stays visible but takes no
findings and is linked to no posting check; a finding being added meanwhile is seen."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.models.enums import Role
from portal.models.inspections import InspectionStatus
from portal.operations.findings import add_finding, revoke_finding
from portal.operations.inspection_changes import cancel_inspection, close_inspection
from portal.operations.inspections import InspectionError
from portal.operations.pledges import PledgeError
from portal.web import china_today
from tests.credit_helpers import (
    TODAY,
    confirmed_finding,
    finding_data,
    inspection,
    inspection_begun_today,
    inspection_seen_by,
    two_inspectors,
)
from tests.portal.web_helpers import audit_rows, last_audit_row, post_form


def test_cancel_is_refused_while_findings_are_not_revoked(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    approver = make_user(Role.APPROVER, "appr")
    insp = inspection(one, facility, [one, two], today=TODAY)
    finding, row = confirmed_finding(one, insp)
    assert row.score < Decimal("100")
    draft = add_finding(one, insp, finding_data(description="另一项违规"), TODAY)
    with pytest.raises(InspectionError) as exc:
        cancel_inspection(one, insp, "误登记")
    assert "1项已认定的违规发现" in exc.value.errors["status"]
    revoke_finding(approver, finding, "事实不清", TODAY)
    with pytest.raises(InspectionError) as exc:
        cancel_inspection(one, insp, "误登记")
    assert "1项违规发现草稿" in exc.value.errors["status"]
    with pytest.raises(InspectionError) as exc:
        revoke_finding(one, draft, " ", TODAY)
    assert exc.value.errors == {"reason": "请填写作废理由"}  # a draft is discarded
    revoke_finding(one, draft, "随检查撤销", TODAY)
    for blank in ("  ", "\u200b\ufeff"):  # spaces, or characters no one sees
        with pytest.raises(InspectionError) as exc:
            cancel_inspection(one, insp, blank)
        assert exc.value.errors == {"reason": "请填写撤销理由"}
    assert insp.status is InspectionStatus.OPEN
    grade = facility.credit_grade, facility.credit_score
    cancel_inspection(one, insp, " 重复登记 ")
    assert insp.status is InspectionStatus.CANCELLED
    assert insp.cancel_reason == "重复登记" and insp.cancelled_by_id == one.id
    assert insp.cancelled_at is not None
    assert (facility.credit_grade, facility.credit_score) == grade
    row = last_audit_row(db, "inspection.cancel")
    assert row.note == "重复登记"
    assert row.summary == {"before": {"status": "open"}, "after": {"status": "cancelled"}}


def test_a_cancelled_inspection_takes_no_findings_and_no_posting_check(
    db, make_facility, make_user
):
    from portal.operations.pledge_posting import inspection_for

    facility = make_facility()
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two], today=TODAY)
    cancel_inspection(one, insp, "误登记")
    db.session.flush()
    db.session.expire(insp)  # read back what the database holds (its status check allows it)
    assert insp.status is InspectionStatus.CANCELLED
    with pytest.raises(InspectionError) as exc:
        add_finding(one, insp, finding_data(), TODAY)
    assert "已撤销" in exc.value.errors["category"]
    with pytest.raises(InspectionError):
        close_inspection(one, insp, TODAY, TODAY)
    with pytest.raises(InspectionError):
        cancel_inspection(one, insp, "再次撤销")
    with pytest.raises(PledgeError) as exc:
        inspection_for(facility, insp.id)
    assert "已撤销" in exc.value.errors["inspection_id"]
    assert len(audit_rows(db, "inspection.cancel")) == 1


def test_a_closed_inspection_without_findings_may_be_cancelled(db, make_facility, make_user):
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    close_inspection(one, insp, date(2026, 6, 10), TODAY)
    cancel_inspection(one, insp, "检查未实施，误登记为已结束")
    assert insp.status is InspectionStatus.CANCELLED
    assert insp.end_date == date(2026, 6, 10) and insp.closed_at is not None


# --- On the web -----------------------------------------------------------------------------


@pytest.fixture
def recorded(db, auth, make_facility, make_user):
    """An open inspection begun today, and its first inspector logged in."""
    return inspection_begun_today(db, auth, make_user, make_facility(name="崇川区测试医院"))


def test_cancelling_on_the_web_asks_for_a_reason_and_a_confirmation(db, client, recorded):
    url = f"/bureau/inspections/{recorded.id}/cancel"
    detail_url = f"/bureau/inspections/{recorded.id}"
    assert f'href="{url}"' in client.get(detail_url).get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "撤销理由" in page and "确认撤销" in page
    for data, message in (
        ({"reason": "误登记"}, "请勾选确认撤销"),
        ({"reason": " ", "confirm": "y"}, "此项必填"),
    ):
        response = post_form(client, url, data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.refresh(recorded)
    assert recorded.status is InspectionStatus.OPEN
    response = post_form(client, url, {"reason": "重复登记", "confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.status is InspectionStatus.CANCELLED
    detail = client.get(detail_url).get_data(as_text=True)
    for text in ("已撤销", "重复登记", "撤销人", recorded.cancelled_by.display_name):
        assert text in detail, text
    # Cancelled before it ended: not shown as still going on.
    period = detail.partition("检查期间")[2].partition("</dd>")[0]
    assert f"{recorded.start_date.isoformat()} — 已撤销" in period and "进行中" not in detail
    for path in ("findings/new", "cancel"):
        assert f'href="{detail_url}/{path}"' not in detail
    # No findings, no second cancellation: each page sends back to the detail.
    for path in ("findings/new", "cancel"):
        response = client.get(f"{detail_url}/{path}")
        assert response.status_code == 302 and response.headers["Location"].endswith(detail_url)
    response = post_form(
        client, f"{detail_url}/cancel", {"reason": "再次撤销", "confirm": "y"}, page=detail_url
    )
    assert response.status_code == 302
    assert len(audit_rows(db, "inspection.cancel")) == 1
    # Still listed, but not among the open inspections.
    listed = client.get("/bureau/inspections").get_data(as_text=True)
    assert f'href="/bureau/inspections/{recorded.id}"' in listed
    listed = client.get("/bureau/inspections?status=open").get_data(as_text=True)
    assert f'href="/bureau/inspections/{recorded.id}"' not in listed
    listed = client.get("/bureau/inspections?status=已撤销").get_data(as_text=True)
    assert f'href="/bureau/inspections/{recorded.id}"' in listed


def test_cancelling_on_the_web_is_refused_with_a_confirmed_finding(db, client, recorded):
    today = china_today()
    confirmed_finding(
        recorded.inspectors[0], recorded, today=today, decision_date=today,
        period_start=None, period_end=None,
    )  # fmt: skip
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/cancel"
    page = client.get(url).get_data(as_text=True)
    assert "已认定的违规发现，不能撤销检查" in page and 'name="reason"' not in page
    response = post_form(client, url, {"reason": "误登记", "confirm": "y"}, page=url)
    assert response.status_code == 200
    assert "已认定的违规发现，不能撤销检查" in response.get_data(as_text=True)
    db.session.refresh(recorded)
    assert recorded.status is InspectionStatus.OPEN
    assert audit_rows(db, "inspection.cancel") == []


def test_the_refusal_lists_the_findings_in_the_way_each_with_its_way_out(db, client, recorded):
    one = recorded.inspectors[0]
    today = china_today()
    data = finding_data(decision_date=today, period_start=None, period_end=None)
    draft = add_finding(one, recorded, data, today)
    gone = add_finding(one, recorded, data | {"description": "录入有误的一项"}, today)
    revoke_finding(one, gone, "录入有误", today)
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/cancel"
    page = client.get(url).get_data(as_text=True)
    assert "1项违规发现草稿，请先作废草稿再撤销检查" in page
    listed = page.partition("尚未撤销的违规发现")[2]
    discard = f"/bureau/findings/{draft.id}/revoke"
    assert f'href="{discard}">作废草稿</a>' in listed
    assert f'href="/bureau/findings/{gone.id}"' not in listed  # revoked: not in the way
    # The way out says what the message said: the draft is discarded (作废).
    page = client.get(discard).get_data(as_text=True)
    assert f"作废违规发现草稿 #{draft.id}" in page and "作废理由" in page
    assert ">作废草稿</button>" in page and "撤销违规发现" not in page
    response = post_form(client, discard, {"reason": "录入有误"})
    assert response.status_code == 302
    assert "违规发现草稿已作废" in client.get(response.headers["Location"]).get_data(as_text=True)
    # A confirmed finding: its revocation is someone else's, and the page says so.
    confirmed, _row = confirmed_finding(one, recorded, today=today, **data)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    listed = page.partition("尚未撤销的违规发现")[2]
    assert f'href="/bureau/findings/{confirmed.id}"' in listed
    assert f'href="/bureau/findings/{confirmed.id}/revoke"' not in listed
    assert "撤销认定须由认定人以外有撤销权限的人员办理" in listed


def _findings_cell(listing: str, inspection_id: int) -> str:
    """The 违规发现 cell of the inspection's row in the list, tags dropped."""
    row = listing.partition(f'href="/bureau/inspections/{inspection_id}"')[2]
    cells = re.findall(r"<td>(.*?)</td>", row.partition("</tr>")[0], re.S)
    return re.sub(r"<[^>]*>", "", cells[-2])


def test_the_list_counts_the_findings_that_stand(db, client, recorded):
    """As the detail shows them: findings revoked (a discarded draft) are not counted as
    the inspection's findings, but said apart."""
    one = recorded.inspectors[0]
    today = china_today()
    data = finding_data(decision_date=today, period_start=None, period_end=None)
    draft = add_finding(one, recorded, data, today)
    kept = add_finding(one, recorded, data | {"description": "另一项违规"}, today)
    db.session.commit()
    assert (
        _findings_cell(client.get("/bureau/inspections").get_data(as_text=True), recorded.id) == "2"
    )
    revoke_finding(one, draft, "录入有误", today)
    db.session.commit()
    listing = client.get("/bureau/inspections").get_data(as_text=True)
    assert _findings_cell(listing, recorded.id) == "1（已撤销1）"
    revoke_finding(one, kept, "误登记", today)
    cancel_inspection(one, recorded, "误登记")
    db.session.commit()
    listing = client.get("/bureau/inspections?status=cancelled").get_data(as_text=True)
    assert _findings_cell(listing, recorded.id) == "0（已撤销2）"


@pytest.mark.parametrize("role", [Role.CREDIT_OFFICER, Role.APPROVER, Role.AUDITOR])
def test_roles_that_do_not_record_inspections_may_not_cancel(
    db, client, auth, make_facility, make_user, role
):
    insp, token, detail = inspection_seen_by(db, client, auth, make_user, make_facility(), role)
    assert f'href="/bureau/inspections/{insp.id}/cancel"' not in detail
    response = client.post(
        f"/bureau/inspections/{insp.id}/cancel",
        data={"csrf_token": token, "reason": "越权撤销", "confirm": "y"},
    )
    assert response.status_code == 403
    db.session.refresh(insp)
    assert insp.status is InspectionStatus.OPEN
    assert audit_rows(db, "inspection.cancel") == []


def test_a_cancellation_without_a_csrf_token_is_refused(db, client, recorded):
    response = client.post(
        f"/bureau/inspections/{recorded.id}/cancel", data={"reason": "无令牌", "confirm": "y"}
    )
    assert response.status_code in (200, 400)
    db.session.refresh(recorded)
    assert recorded.status is InspectionStatus.OPEN


def test_posting_checks_offer_no_cancelled_inspection(db, client, recorded, make_user):
    from tests.portal.pledge_helpers import make_campaign

    make_campaign()
    kept = inspection(
        recorded.inspectors[0], recorded.facility, recorded.inspectors, start=china_today(),
        reference="通医保检〔2026〕77号", confirm_distinct=True,
    )  # fmt: skip
    cancel_inspection(recorded.inspectors[0], recorded, "误登记")
    db.session.commit()
    page = client.get(f"/bureau/facilities/{recorded.facility_id}/pledges/posting")
    choices = page.get_data(as_text=True).partition('name="inspection_id"')[2]
    choices = choices.partition("</select>")[0]
    assert f'value="{kept.id}"' in choices and f'value="{recorded.id}"' not in choices
