"""An inspection recorded again (a double click, the page sent again, a colleague entering
the same paper record): one the facility already has of the same kind, begun the same day
and not cancelled, is named and not recorded again unless the recorder confirms it is
another, with a tick on the page (the API: ``test_inspection_duplicates_api``); the audit
row says so. Two sent at the same moment: ``test_inspection_races``."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.models.inspections import Inspection, InspectionKind, InspectionTrigger
from portal.operations.inspection_changes import cancel_inspection, close_inspection
from portal.operations.inspections import DuplicateInspection, create_inspection, same_inspections
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import TODAY, inspection, two_inspectors
from tests.portal.web_helpers import last_audit_row, post_form

URL = "/bureau/inspections/new"
WARNING = "可能重复登记"
TICK = "确认这是另一次检查，仍要登记"


@pytest.fixture
def desk(db, client, auth, make_facility, make_user):
    """A facility, two inspectors, the first logged in, and the form for a routine
    inspection of the facility begun today."""
    facility = make_facility(name="崇川区巡查医院")
    one, two = two_inspectors(make_user)
    db.session.commit()
    assert auth.login(one.username).status_code == 302
    form = {
        "site_code": facility.site_code,
        "kind": "routine",
        "trigger": "plan",
        "on_site": "y",
        "start_date": china_today().isoformat(),
        "reference": "通医保检〔2026〕31号",
        "notes": "按年度计划巡查门诊收费",
        "inspectors": [str(one.id), str(two.id)],
    }
    return SimpleNamespace(facility=facility, people=(one, two), form=form)


def _recorded(db) -> list[Inspection]:
    return list(db.session.query(Inspection).order_by(Inspection.id))


def _shown(page: str) -> str:
    """The ids of the inspections the page named, as its form carries them."""
    return re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)


def _send_again(client, page: str, form: dict, **extra):
    """Submit the form shown again on ``page`` (its token and the inspections it named)."""
    data = {"csrf_token": csrf_token(page), "shown": _shown(page)} | form | extra
    return client.post(URL, data=data)


def _tick(page: str) -> str:
    return re.search(r'<input[^>]*name="confirm_distinct"[^>]*>', page).group(0)


# --- The operation ----------------------------------------------------------------------------


def test_the_operation_refuses_it_unless_confirmed(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    first = inspection(one, facility, [one, two])
    with pytest.raises(DuplicateInspection) as exc:
        inspection(one, facility, [one, two], reference="另一文号", on_site=False)
    assert exc.value.existing == [first] and exc.value.recorded_since == []
    assert f"#{first.id}" in exc.value.errors["confirm_distinct"]
    second = inspection(one, facility, [one, two], confirm_distinct=True)
    assert second.id != first.id
    row = last_audit_row(db, "inspection.create")
    assert row.object_id == str(second.id)
    assert row.summary["after"]["confirmed_distinct_from"] == [first.id]


def test_the_operation_counts_no_cancelled_inspection(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    mistaken = inspection(one, facility, [one, two])
    cancel_inspection(one, mistaken, "误登记")
    assert same_inspections(facility, mistaken.kind, mistaken.start_date) == []
    inspection(one, facility, [one, two])
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


def test_a_confirmation_covers_the_inspections_shown_only(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    data = {
        "facility": facility, "kind": InspectionKind.ROUTINE, "trigger": InspectionTrigger.PLAN,
        "start_date": TODAY, "inspectors": [one, two],
    }  # fmt: skip
    first = create_inspection(one, data, TODAY)
    second = create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id})
    with pytest.raises(DuplicateInspection) as exc:  # the same confirmation sent again
        create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id})
    assert exc.value.existing == [first, second] and exc.value.recorded_since == [second]
    assert exc.value.errors == {
        "confirm_distinct": f"打开本页后又登记了相同的检查（检查记录 #{second.id}），请核对后再确认"
    }
    # Shown nothing, the tick covers nothing.
    with pytest.raises(DuplicateInspection):
        create_inspection(one, data, TODAY, confirm_distinct=True, shown=set())
    create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id, second.id})


# --- The page ---------------------------------------------------------------------------------


def test_the_same_inspection_sent_again_is_not_recorded_and_the_first_is_named(db, client, desk):
    assert post_form(client, URL, desk.form).status_code == 302
    (first,) = _recorded(db)
    again = post_form(client, URL, desk.form)
    assert again.status_code == 200
    assert _recorded(db) == [first]
    page = again.get_data(as_text=True)
    assert WARNING in page and "崇川区巡查医院" in page and "日常巡查" in page
    # The one already recorded, with its number, notice, dates, status and a link to it.
    assert f'href="/bureau/inspections/{first.id}"' in page
    assert f"检查记录 #{first.id}" in page
    assert (
        f"检查通知书编号 通医保检〔2026〕31号；检查期间 {first.start_date.isoformat()} — 进行中"
        in page
    )
    assert "状态：进行中" in page and "测试检查员" in page
    assert "如确是另一次检查，请勾选确认后再保存" in page
    assert TICK in page and "checked" not in _tick(page)
    assert _shown(page) == str(first.id)
    # Nothing typed is lost.
    assert f'value="{desk.facility.site_code}"' in page
    assert 'value="通医保检〔2026〕31号"' in page and "按年度计划巡查门诊收费</textarea>" in page
    assert '<option selected value="routine">' in page
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


def test_ticked_it_is_recorded_and_the_audit_says_it_was_confirmed(db, client, desk):
    assert post_form(client, URL, desk.form).status_code == 302
    (first,) = _recorded(db)
    page = post_form(client, URL, desk.form).get_data(as_text=True)
    response = _send_again(client, page, desk.form, confirm_distinct="y")
    assert response.status_code == 302
    first_, second = _recorded(db)
    assert first_ is first and response.headers["Location"].endswith(f"/inspections/{second.id}")
    row = last_audit_row(db, "inspection.create")
    assert row.object_id == str(second.id)
    assert row.summary["after"]["confirmed_distinct_from"] == [first.id]
    assert row.summary["after"]["reference"] == "通医保检〔2026〕31号"


def test_the_confirmed_form_sent_twice_is_recorded_once(db, client, desk):
    """The tick covers the inspections the page named: sent twice (a double click), the
    second finds the first, recorded since, and asks again."""
    assert post_form(client, URL, desk.form).status_code == 302
    page = post_form(client, URL, desk.form).get_data(as_text=True)
    confirmed = {"csrf_token": csrf_token(page), "shown": _shown(page)} | desk.form
    confirmed["confirm_distinct"] = "y"
    assert client.post(URL, data=confirmed).status_code == 302
    first, second = _recorded(db)
    again = client.post(URL, data=confirmed)
    assert again.status_code == 200
    assert len(_recorded(db)) == 2
    page = again.get_data(as_text=True)
    assert f"打开本页后又登记了相同的检查（检查记录 #{second.id}），请核对后再确认" in page
    assert f"检查记录 #{first.id}" in page and f"检查记录 #{second.id}" in page
    assert "checked" not in _tick(page)  # to be ticked again, the new one looked at
    assert _shown(page) == f"{first.id},{second.id}"
    # Ticked again on that page, a third is recorded: distinct from both.
    assert _send_again(client, page, desk.form, confirm_distinct="y").status_code == 302
    row = last_audit_row(db, "inspection.create")
    assert row.summary["after"]["confirmed_distinct_from"] == [first.id, second.id]


def test_a_tick_given_for_another_facility_does_not_say_one_was_recorded_since(
    db, client, desk, make_facility
):
    """Named one of facility A's inspections, the recorder ticks and corrects the site code
    to facility B, which has one of its own from before: B's is named as possibly the same,
    not as "recorded since the page was opened", and the tick is asked for again."""
    one, two = desk.people
    other = make_facility(name="通州区另一医院")
    earlier = inspection(one, other, [one, two], start=china_today(), kind=InspectionKind.ROUTINE)
    db.session.commit()
    assert post_form(client, URL, desk.form).status_code == 302
    page = post_form(client, URL, desk.form).get_data(as_text=True)
    assert WARNING in page
    moved = desk.form | {"site_code": other.site_code}
    response = _send_again(client, page, moved, confirm_distinct="y")
    assert response.status_code == 200 and len(_recorded(db)) == 2
    page = response.get_data(as_text=True)
    assert "打开本页后又登记" not in page
    assert (
        f"该机构已有同一天开始的同类检查（检查记录 #{earlier.id}），可能重复登记；"
        "如确是另一次检查，请勾选确认后再保存" in page
    )
    assert "checked" not in _tick(page) and _shown(page) == str(earlier.id)
    # Ticked on that page, it is recorded.
    assert _send_again(client, page, moved, confirm_distinct="y").status_code == 302
    assert len(_recorded(db)) == 3


def test_a_tick_sent_without_the_page_that_named_the_inspection_is_not_enough(db, client, desk):
    assert post_form(client, URL, desk.form).status_code == 302
    response = post_form(client, URL, desk.form | {"confirm_distinct": "y"})
    assert response.status_code == 200 and len(_recorded(db)) == 1
    assert WARNING in response.get_data(as_text=True)


#: ``shown`` values no page of ours sends: digits ``int`` refuses (a superscript two, more
#: digits than it converts), and digits of other scripts.
ALTERED_SHOWN = ["\u00b2", "999999,\u00b2", "9" * 5000, "\u0661", "\uff11", "-1", "999999,,x"]


@pytest.mark.parametrize("shown", ALTERED_SHOWN)
def test_an_altered_shown_field_names_nothing_and_is_no_error(db, client, desk, shown):
    first = post_form(client, URL, desk.form)
    assert first.status_code == 302
    response = post_form(client, URL, desk.form | {"confirm_distinct": "y", "shown": shown})
    assert response.status_code == 200 and len(_recorded(db)) == 1
    page = response.get_data(as_text=True)
    assert WARNING in page and "打开本页后又登记" not in page
    assert _shown(page) == str(_recorded(db)[0].id)


def test_a_closed_inspection_counts_too(db, client, desk):
    one, two = desk.people
    earlier = inspection(
        one, desk.facility, [one, two], start=china_today(), kind=InspectionKind.ROUTINE,
        reference="",
    )  # fmt: skip
    close_inspection(one, earlier, china_today(), china_today())
    db.session.commit()
    page = post_form(client, URL, desk.form).get_data(as_text=True)
    assert WARNING in page and f"检查记录 #{earlier.id}" in page and "状态：已结束" in page
    assert "检查通知书编号 —" in page
    assert len(_recorded(db)) == 1


def test_a_cancelled_inspection_does_not_count(db, client, desk):
    one, two = desk.people
    mistaken = inspection(
        one, desk.facility, [one, two], start=china_today(), kind=InspectionKind.ROUTINE
    )
    cancel_inspection(one, mistaken, "误登记")
    db.session.commit()
    response = post_form(client, URL, desk.form)
    assert response.status_code == 302
    assert len(_recorded(db)) == 2
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


@pytest.mark.parametrize("change", ["kind", "start_date", "site_code"])
def test_another_kind_day_or_facility_is_recorded_without_asking(
    db, client, desk, make_facility, change
):
    assert post_form(client, URL, desk.form).status_code == 302
    other = {
        "kind": "flight",
        "start_date": (china_today() - timedelta(days=1)).isoformat(),
        "site_code": make_facility().site_code,
    }[change]
    db.session.commit()
    response = post_form(client, URL, desk.form | {change: other})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(_recorded(db)) == 2


def test_the_warning_comes_with_the_forms_other_problems(db, client, desk):
    assert post_form(client, URL, desk.form).status_code == 302
    (first,) = _recorded(db)
    one, _two = desk.people
    page = post_form(client, URL, desk.form | {"inspectors": [str(one.id)]}).get_data(as_text=True)
    assert "2名以上" in page and WARNING in page and f"检查记录 #{first.id}" in page
    # Ticked then, with the problem put right, it is recorded.
    response = _send_again(client, page, desk.form, confirm_distinct="y")
    assert response.status_code == 302 and len(_recorded(db)) == 2


def test_a_tick_with_nothing_like_it_recorded_is_a_plain_record(db, client, desk):
    response = post_form(client, URL, desk.form | {"confirm_distinct": "y"})
    assert response.status_code == 302
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


def test_the_new_form_offers_no_tick_until_an_inspection_is_named(db, client, desk):
    page = client.get(URL).get_data(as_text=True)
    assert TICK not in page and WARNING not in page
