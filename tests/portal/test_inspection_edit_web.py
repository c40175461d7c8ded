"""Correcting an inspection on its edit page: the form as shown (the whole of it while open,
reference and notes once closed, no facility once fixed), a page opened before the
inspection changed refused whole and shown again as typed, roles and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models.enums import Role
from portal.models.inspections import (
    Inspection,
    InspectionKind,
    InspectionStatus,
)
from portal.operations.findings import add_finding
from portal.operations.inspection_changes import cancel_inspection, close_inspection
from portal.web import china_today
from tests.credit_helpers import (
    finding_data,
    inspection_begun_today,
    inspection_seen_by,
)
from tests.credit_helpers import inspection_edit_form as edit_form
from tests.portal.web_helpers import audit_rows, last_audit_row, page_text, post_form


@pytest.fixture
def recorded(db, auth, make_facility, make_user):
    """An open inspection begun today, and its first inspector logged in."""
    return inspection_begun_today(db, auth, make_user, make_facility(name="崇川区测试医院"))


def test_the_edit_page_corrects_an_inspection(db, client, recorded, make_facility):
    other = make_facility(name="港闸区测试医院")
    url = f"/bureau/inspections/{recorded.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "修改检查信息" in page and recorded.facility.site_code in page
    response = post_form(
        client,
        url,
        edit_form(recorded, site_code=other.site_code.lower(), kind="routine", notes="更正机构"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bureau/inspections/{recorded.id}")
    db.session.refresh(recorded)
    assert recorded.facility_id == other.id and recorded.kind is InspectionKind.ROUTINE
    row = last_audit_row(db, "inspection.update")
    assert row.summary["after"] == {
        "facility": other.site_code,
        "kind": "routine",
        "notes": "更正机构",
    }
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存对检查信息的修改" in detail and "港闸区测试医院" in detail


def test_an_invalid_edit_changes_nothing_and_says_why(db, client, recorded):
    url = f"/bureau/inspections/{recorded.id}/edit"
    before = recorded.audit_summary()
    one = recorded.inspectors[0]
    for changes, message in (
        ({"inspectors": [str(one.id)], "notes": "只剩一人"}, "2名以上"),
        ({"start_date": "0202-06-01"}, "请核对年份"),
        ({"start_date": (china_today() + timedelta(days=1)).isoformat()}, "开始日期不能晚于今天"),
        ({"site_code": "H99999999999"}, "请选择被检查的定点机构"),
    ):
        response = post_form(client, url, edit_form(recorded, **changes))
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), changes
    db.session.expire_all()
    assert db.session.get(Inspection, recorded.id).audit_summary() == before
    assert audit_rows(db, "inspection.update") == []


def _finding_today(insp):
    return add_finding(
        insp.inspectors[0], insp,
        finding_data(decision_date=china_today(), period_start=None, period_end=None),
        china_today(),
    )  # fmt: skip


def test_the_edit_page_does_not_offer_the_facility_once_findings_exist(
    db, client, recorded, make_facility
):
    other = make_facility(name="港闸区测试医院")
    _finding_today(recorded)
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="site_code"' not in page and "不能更换被检查机构" in page
    form = edit_form(recorded, notes="x")
    del form["site_code"]
    response = post_form(client, url, form)
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.notes == "x" and recorded.facility.name == "崇川区测试医院"
    # A facility sent all the same is refused, not ignored.
    response = post_form(client, url, edit_form(recorded, site_code=other.site_code, notes="y"))
    assert response.status_code == 200
    assert "该检查下已录入违规发现，不能更换被检查机构" in response.get_data(as_text=True)
    db.session.refresh(recorded)
    assert recorded.notes == "x" and recorded.facility.name == "崇川区测试医院"


def test_a_closed_inspection_shows_reference_and_notes_only(db, client, recorded):
    close_inspection(recorded.inspectors[0], recorded, china_today(), china_today())
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="notes"' in page and 'name="reference"' in page
    assert 'name="kind"' not in page and 'name="inspectors"' not in page
    response = post_form(client, url, {"reference": "补正文号", "notes": ""})
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.reference == "补正文号" and recorded.kind is InspectionKind.SPECIAL
    # The kind sent all the same is refused, not ignored.
    form = edit_form(recorded, kind="flight", end_date=china_today().isoformat(), notes="改类型")
    response = post_form(client, url, form)
    assert response.status_code == 200
    assert "检查已结束，只能修改检查通知书编号和备注" in response.get_data(as_text=True)
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.SPECIAL and recorded.notes == ""


def test_a_form_opened_before_the_inspection_was_closed_is_refused_whole(
    db, client, recorded, make_facility
):
    """Opened while the inspection was open, submitted after it was closed in another tab:
    the changes to what a closed inspection keeps are refused with the form as typed, not
    dropped while the reference is saved and the page says all was."""
    other = make_facility(name="港闸区测试医院")
    url = f"/bureau/inspections/{recorded.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="kind"' in page and 'name="site_code"' in page
    close_inspection(recorded.inspectors[0], recorded, china_today(), china_today())
    db.session.commit()
    before = recorded.audit_summary()
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    typed = edit_form(
        recorded, kind="flight", start_date=yesterday, site_code=other.site_code,
        reference="通医保检〔2026〕9号",
    )  # fmt: skip
    response = post_form(client, url, typed)
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    page = page_text(markup)
    assert "打开本页后该检查已结束" in page and "本次修改未保存" in page
    assert page.count("检查已结束，只能修改检查通知书编号和备注") >= 4  # kind, start, facility, end
    # What was typed is all there to be corrected.
    assert '<option selected value="flight">' in markup and f'value="{yesterday}"' in markup
    assert f'value="{other.site_code}"' in markup and 'value="通医保检〔2026〕9号"' in markup
    db.session.expire_all()
    assert db.session.get(Inspection, recorded.id).audit_summary() == before
    assert audit_rows(db, "inspection.update") == []
    assert "已保存对检查信息的修改" not in page
    # Put back as recorded, the rest is saved.
    typed = edit_form(recorded, end_date=china_today().isoformat(), reference="通医保检〔2026〕9号")
    response = post_form(client, url, typed)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Inspection, recorded.id)
    assert saved.reference == "通医保检〔2026〕9号" and saved.kind is InspectionKind.SPECIAL
    assert saved.status is InspectionStatus.CLOSED


def test_a_form_opened_before_a_finding_fixed_the_facility_is_refused(
    db, client, recorded, make_facility
):
    other = make_facility(name="港闸区测试医院")
    url = f"/bureau/inspections/{recorded.id}/edit"
    assert 'name="site_code"' in client.get(url).get_data(as_text=True)
    _finding_today(recorded)  # in another tab
    db.session.commit()
    response = post_form(client, url, edit_form(recorded, site_code=other.site_code, notes="z"))
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    page = page_text(markup)
    assert "打开本页后该检查下已录入违规发现，不能更换被检查机构；本次修改未保存" in page
    assert f'value="{other.site_code}"' in markup and "已保存" not in page
    db.session.refresh(recorded)
    assert recorded.facility.name == "崇川区测试医院" and recorded.notes == ""
    assert audit_rows(db, "inspection.update") == []
    # The same facility as recorded: saved.
    response = post_form(client, url, edit_form(recorded, notes="z"))
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.notes == "z"


def test_an_edit_that_changes_nothing_says_so(db, client, recorded):
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, edit_form(recorded))
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未作修改" in detail and "已保存对检查信息的修改" not in detail
    assert audit_rows(db, "inspection.update") == []


def test_a_cancelled_inspection_offers_no_correction(db, client, recorded):
    cancel_inspection(recorded.inspectors[0], recorded, "误登记")
    db.session.commit()
    detail_url = f"/bureau/inspections/{recorded.id}"
    assert f'href="{detail_url}/edit"' not in client.get(detail_url).get_data(as_text=True)
    response = client.get(f"{detail_url}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(detail_url)
    response = post_form(
        client, f"{detail_url}/edit", edit_form(recorded, notes="改"), page=detail_url
    )
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.notes == "" and audit_rows(db, "inspection.update") == []


@pytest.mark.parametrize("role", [Role.CREDIT_OFFICER, Role.APPROVER, Role.AUDITOR])
def test_roles_that_do_not_record_inspections_may_not_correct(
    db, client, auth, make_facility, make_user, role
):
    insp, token, detail = inspection_seen_by(db, client, auth, make_user, make_facility(), role)
    assert f'href="/bureau/inspections/{insp.id}/edit"' not in detail
    response = client.post(
        f"/bureau/inspections/{insp.id}/edit",
        data={"csrf_token": token} | edit_form(insp, notes="越权修改"),
    )
    assert response.status_code == 403
    db.session.refresh(insp)
    assert insp.notes == "" and audit_rows(db, "inspection.update") == []


def test_a_correction_without_a_csrf_token_is_refused(db, client, recorded):
    response = client.post(
        f"/bureau/inspections/{recorded.id}/edit", data=edit_form(recorded, notes="无令牌")
    )
    assert response.status_code in (200, 400)
    db.session.refresh(recorded)
    assert recorded.notes == ""


def test_line_breaks_sent_by_the_browser_count_as_one_character(db, client, recorded):
    """Browsers send a textarea's line breaks as CRLF: counted as two, notes the API took
    at its limit (line breaks as LF) could not be saved again on the page."""
    from portal import text_limits

    notes = "注" * (text_limits.INSPECTION_NOTES - 10) + "\r\n行" * 5
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, edit_form(recorded, notes=notes))
    assert response.status_code == 302, page_text(response.get_data(as_text=True))[:300]
    db.session.refresh(recorded)
    assert recorded.notes == notes.replace("\r\n", "\n")
    assert len(recorded.notes) == text_limits.INSPECTION_NOTES
