"""Correcting an inspection on its edit page into one already recorded (same facility, kind
and start date, not cancelled): the page names it, keeps what was typed and saves the
correction only when ticked as another. The rest of the edit page:
``test_inspection_edit_web``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.models.inspections import (
    Inspection,
    InspectionKind,
)
from portal.operations.inspection_changes import cancel_inspection
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import (
    inspection,
    inspection_begun_today,
)
from tests.credit_helpers import inspection_edit_form as edit_form
from tests.portal.web_helpers import audit_rows, last_audit_row, page_text, post_form


@pytest.fixture
def recorded(db, auth, make_facility, make_user):
    """An open inspection begun today, and its first inspector logged in."""
    return inspection_begun_today(db, auth, make_user, make_facility(name="崇川区测试医院"))


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
    typed = edit_form(
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
    response = post_form(client, url, edit_form(recorded, site_code=there.site_code))
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
    typed = edit_form(recorded, kind="routine", inspectors=[str(one.id)])
    page = post_form(client, url, typed).get_data(as_text=True)
    assert "2名以上" in page and f"检查记录 #{routine.id}" in _warning(page)
    # Ticked, with the problem put right: saved.
    data = {"csrf_token": csrf_token(page), "shown": _shown(page), "confirm_distinct": "y"}
    response = client.post(url, data=data | edit_form(recorded, kind="routine"))
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
    typed = edit_form(
        second, notes="补记检查地点", reference="通医保检〔2026〕23号", trigger="tipoff"
    )
    response = post_form(client, url, typed)
    assert response.status_code == 302, page_text(response.get_data(as_text=True))
    db.session.refresh(second)
    assert second.notes == "补记检查地点" and second.reference == "通医保检〔2026〕23号"
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]
    # Moved to another day and back: asked again.
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    assert post_form(client, url, edit_form(second, start_date=yesterday)).status_code == 302
    db.session.refresh(second)
    response = post_form(client, url, edit_form(second, start_date=china_today().isoformat()))
    assert response.status_code == 200
    assert f"检查记录 #{recorded.id}" in _warning(response.get_data(as_text=True))


def test_a_cancelled_inspection_is_no_reason_to_ask_on_the_edit_page(db, client, recorded, routine):
    one, two = recorded.inspectors
    cancel_inspection(one, routine, "误登记")
    again = inspection(one, recorded.facility, [one, two], start=china_today(),
                       kind=InspectionKind.ROUTINE)  # fmt: skip
    db.session.commit()
    url = f"/bureau/inspections/{recorded.id}/edit"
    response = post_form(client, url, edit_form(recorded, kind="routine"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"检查记录 #{again.id}" in _warning(page) and f"#{routine.id}" not in _warning(page)
    assert _shown(page) == str(again.id)
    cancel_inspection(one, again, "重复登记")
    db.session.commit()
    response = post_form(client, url, edit_form(recorded, kind="routine"))
    assert response.status_code == 302
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.ROUTINE
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]


@pytest.mark.parametrize("shown", ["\u00b2", "999999,\u00b2", "9" * 5000])
def test_an_altered_shown_field_on_the_edit_page_is_no_error(db, client, recorded, routine, shown):
    url = f"/bureau/inspections/{recorded.id}/edit"
    typed = edit_form(recorded, kind="routine") | {"confirm_distinct": "y", "shown": shown}
    response = post_form(client, url, typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"检查记录 #{routine.id}" in _warning(page) and _shown(page) == str(routine.id)
    db.session.refresh(recorded)
    assert recorded.kind is InspectionKind.SPECIAL
