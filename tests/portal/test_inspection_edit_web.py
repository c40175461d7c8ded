"""Correcting an inspection on its edit page: the form as shown (the whole of it while open,
reference and notes once closed, no facility once fixed), a page opened before the
inspection changed refused whole and shown again as typed, roles and CSRF."""

from __future__ import annotations

import html
import re
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
from tests.conftest import csrf_token
from tests.credit_helpers import (
    finding_data,
    inspection,
    inspection_begun_today,
    inspection_seen_by,
)
from tests.portal.web_helpers import audit_rows, last_audit_row, post_form


@pytest.fixture
def recorded(db, auth, make_facility, make_user):
    """An open inspection begun today, and its first inspector logged in."""
    return inspection_begun_today(db, auth, make_user, make_facility(name="崇川区测试医院"))


def _edit_form(insp, **changes) -> dict:
    form = {
        "site_code": insp.facility.site_code,
        "kind": insp.kind.value,
        "trigger": insp.trigger.value,
        "on_site": "y",
        "start_date": insp.start_date.isoformat(),
        "end_date": "",
        "reference": insp.reference,
        "notes": insp.notes,
        "inspectors": [str(u.id) for u in insp.inspectors],
    }
    return form | changes


def test_the_edit_page_corrects_an_inspection(db, client, recorded, make_facility):
    other = make_facility(name="港闸区测试医院")
    url = f"/bureau/inspections/{recorded.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "修改检查信息" in page and recorded.facility.site_code in page
    response = post_form(
        client,
        url,
        _edit_form(recorded, site_code=other.site_code.lower(), kind="routine", notes="更正机构"),
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
        response = post_form(client, url, _edit_form(recorded, **changes))
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
    form = _edit_form(recorded, notes="x")
    del form["site_code"]
    response = post_form(client, url, form)
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.notes == "x" and recorded.facility.name == "崇川区测试医院"
    # A facility sent all the same is refused, not ignored.
    response = post_form(client, url, _edit_form(recorded, site_code=other.site_code, notes="y"))
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
    form = _edit_form(recorded, kind="flight", end_date=china_today().isoformat(), notes="改类型")
    response = post_form(client, url, form)
    assert response.status_code == 200
    assert "检查已结束，只能修改检查通知书编号和备注" in response.get_data(as_text=True)
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.SPECIAL and recorded.notes == ""


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


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
    typed = _edit_form(
        recorded, kind="flight", start_date=yesterday, site_code=other.site_code,
        reference="通医保检〔2026〕9号",
    )  # fmt: skip
    response = post_form(client, url, typed)
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    page = _text(markup)
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
    typed = _edit_form(
        recorded, end_date=china_today().isoformat(), reference="通医保检〔2026〕9号"
    )
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
    response = post_form(client, url, _edit_form(recorded, site_code=other.site_code, notes="z"))
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    page = _text(markup)
    assert "打开本页后该检查下已录入违规发现，不能更换被检查机构；本次修改未保存" in page
    assert f'value="{other.site_code}"' in markup and "已保存" not in page
    db.session.refresh(recorded)
    assert recorded.facility.name == "崇川区测试医院" and recorded.notes == ""
    assert audit_rows(db, "inspection.update") == []
    # The same facility as recorded: saved.
    response = post_form(client, url, _edit_form(recorded, notes="z"))
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.notes == "z"


def test_an_edit_that_changes_nothing_says_so(db, client, recorded):
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, _edit_form(recorded))
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
        client, f"{detail_url}/edit", _edit_form(recorded, notes="改"), page=detail_url
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
        data={"csrf_token": token} | _edit_form(insp, notes="越权修改"),
    )
    assert response.status_code == 403
    db.session.refresh(insp)
    assert insp.notes == "" and audit_rows(db, "inspection.update") == []


def test_a_correction_without_a_csrf_token_is_refused(db, client, recorded):
    response = client.post(
        f"/bureau/inspections/{recorded.id}/edit", data=_edit_form(recorded, notes="无令牌")
    )
    assert response.status_code in (200, 400)
    db.session.refresh(recorded)
    assert recorded.notes == ""


# --- Corrected into an inspection already recorded -------------------------------------------

WARNING = "可能重复登记"
TICK = "确认这是另一次检查，仍要保存更正"


def _warning(page: str) -> str:
    """The block naming the inspections already recorded, as the page shows it."""
    match = re.search(r'<div class="flash flash-warning"[^>]*id="same-inspections">.*?</div>', page,
                      re.S)  # fmt: skip
    assert match, "no warning naming an inspection already recorded"
    return match.group(0)


def _shown(page: str) -> str:
    return re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)


def _tick(page: str) -> str:
    return re.search(r'<input[^>]*name="confirm_distinct"[^>]*>', page).group(0)


@pytest.fixture
def routine(db, recorded):
    """Another inspection of the same facility begun today: a routine one (``recorded`` is
    special), committed."""
    one, two = recorded.inspectors
    other = inspection(
        one, recorded.facility, [one, two], start=china_today(), kind=InspectionKind.ROUTINE,
        reference="通医保检〔2026〕21号",
    )  # fmt: skip
    db.session.commit()
    return other


def test_an_edit_into_an_inspection_already_recorded_names_it_and_keeps_what_was_typed(
    db, client, recorded, routine
):
    url = f"/bureau/inspections/{recorded.id}/edit"
    assert WARNING not in client.get(url).get_data(as_text=True)
    before = recorded.audit_summary()
    typed = _edit_form(
        recorded, kind="routine", reference="通医保检〔2026〕22号", notes="改为日常巡查"
    )
    response = post_form(client, url, typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    warning = _warning(page)
    assert "崇川区测试医院" in warning and "日常巡查" in warning
    assert f'href="/bureau/inspections/{routine.id}"' in warning
    assert f"检查记录 #{routine.id}" in warning and "检查通知书编号 通医保检〔2026〕21号" in warning
    assert f"#{recorded.id}" not in warning  # not itself
    assert "如确是另一次检查，请勾选确认后再保存" in page and "本次修改未保存" not in page
    assert (
        TICK in page
        and "仍要登记" not in page
        and "checked" not in _tick(page)
        and _shown(page) == str(routine.id)
    )
    # What was typed is all there.
    assert '<option selected value="routine">' in page
    assert 'value="通医保检〔2026〕22号"' in page and "改为日常巡查</textarea>" in page
    assert f'value="{recorded.facility.site_code}"' in page
    db.session.expire_all()
    assert db.session.get(Inspection, recorded.id).audit_summary() == before
    assert audit_rows(db, "inspection.update") == []
    # Ticked on that page, it is saved, and the audit says it was confirmed.
    data = {"csrf_token": csrf_token(page), "shown": _shown(page), "confirm_distinct": "y"}
    response = client.post(url, data=data | typed)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Inspection, recorded.id)
    assert saved.kind is InspectionKind.ROUTINE and saved.notes == "改为日常巡查"
    row = last_audit_row(db, "inspection.update")
    assert row.summary["after"]["confirmed_distinct_from"] == [routine.id]
    assert row.summary["after"]["kind"] == "routine"
    # Sent again (a double click), it changes nothing and asks nothing.
    response = client.post(url, data=data | typed)
    assert response.status_code == 302 and len(audit_rows(db, "inspection.update")) == 1


def test_an_edit_to_another_facility_names_the_inspection_there(
    db, client, recorded, make_facility
):
    there = make_facility(name="港闸区测试医院")
    one, two = recorded.inspectors
    theirs = inspection(one, there, [one, two], start=china_today(), reference="")
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, _edit_form(recorded, site_code=there.site_code))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    warning = _warning(page)
    assert "港闸区测试医院" in warning and f"检查记录 #{theirs.id}" in warning
    assert f'value="{there.site_code}"' in page
    db.session.refresh(recorded)
    assert recorded.facility.name == "崇川区测试医院"


def test_the_warning_on_the_edit_page_comes_with_the_forms_other_problems(
    db, client, recorded, routine
):
    url = f"/bureau/inspections/{recorded.id}/edit"
    one = recorded.inspectors[0]
    typed = _edit_form(recorded, kind="routine", inspectors=[str(one.id)])
    page = post_form(client, url, typed).get_data(as_text=True)
    assert "2名以上" in page and f"检查记录 #{routine.id}" in _warning(page)
    # Ticked, with the problem put right: saved.
    data = {"csrf_token": csrf_token(page), "shown": _shown(page), "confirm_distinct": "y"}
    response = client.post(url, data=data | _edit_form(recorded, kind="routine"))
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.ROUTINE


def test_an_inspection_confirmed_distinct_is_edited_without_a_tick(db, client, recorded):
    """Two inspections alike, confirmed distinct when the second was recorded: its notes,
    reference and the rest are corrected without being asked again."""
    one, two = recorded.inspectors
    second = inspection(
        one, recorded.facility, [one, two], start=china_today(), confirm_distinct=True
    )
    db.session.commit()
    url = f"/bureau/inspections/{second.id}/edit"
    typed = _edit_form(
        second, notes="补记检查地点", reference="通医保检〔2026〕23号", trigger="tipoff"
    )
    response = post_form(client, url, typed)
    assert response.status_code == 302, _text(response.get_data(as_text=True))
    db.session.refresh(second)
    assert second.notes == "补记检查地点" and second.reference == "通医保检〔2026〕23号"
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]
    # Moved to another day and back: asked again.
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    assert post_form(client, url, _edit_form(second, start_date=yesterday)).status_code == 302
    db.session.refresh(second)
    response = post_form(client, url, _edit_form(second, start_date=china_today().isoformat()))
    assert response.status_code == 200
    assert f"检查记录 #{recorded.id}" in _warning(response.get_data(as_text=True))


def test_a_cancelled_inspection_is_no_reason_to_ask_on_the_edit_page(db, client, recorded, routine):
    one, two = recorded.inspectors
    cancel_inspection(one, routine, "误登记")
    again = inspection(one, recorded.facility, [one, two], start=china_today(),
                       kind=InspectionKind.ROUTINE)  # fmt: skip
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, _edit_form(recorded, kind="routine"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"检查记录 #{again.id}" in _warning(page) and f"#{routine.id}" not in _warning(page)
    assert _shown(page) == str(again.id)
    cancel_inspection(one, again, "重复登记")
    db.session.commit()
    response = post_form(client, url, _edit_form(recorded, kind="routine"))
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.ROUTINE
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]


@pytest.mark.parametrize("shown", ["\u00b2", "999999,\u00b2", "9" * 5000])
def test_an_altered_shown_field_on_the_edit_page_is_no_error(db, client, recorded, routine, shown):
    url = f"/bureau/inspections/{recorded.id}/edit"
    typed = _edit_form(recorded, kind="routine") | {"confirm_distinct": "y", "shown": shown}
    response = post_form(client, url, typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"检查记录 #{routine.id}" in _warning(page) and _shown(page) == str(routine.id)
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.SPECIAL
