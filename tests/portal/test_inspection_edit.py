"""Correcting a recorded inspection: the rules of its creation still hold, what was recorded
under it stays consistent (facility, findings' decision dates), a closed one takes its
reference and notes only, a cancelled one nothing; every change is audited field by field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models.enums import FacilityKind, HospitalLevel, Role
from portal.models.inspections import (
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.operations.findings import add_finding, revoke_finding
from portal.operations.inspection_changes import (
    cancel_inspection,
    close_inspection,
    update_inspection,
)
from portal.operations.inspections import DuplicateInspection, InspectionError, same_inspections
from portal.web import china_today
from tests.credit_helpers import (
    TODAY,
    finding_data,
    inspection,
    two_inspectors,
)
from tests.portal.web_helpers import audit_rows, last_audit_row


def test_an_open_inspection_is_corrected_and_each_change_audited(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    three = make_user(Role.CREDIT_OFFICER, "officer")
    insp = inspection(one, facility, [one, two], today=TODAY)
    update_inspection(
        two,
        insp,
        {
            "kind": InspectionKind.FLIGHT,
            "trigger": InspectionTrigger.TIPOFF,
            "start_date": date(2026, 6, 2),
            "end_date": date(2026, 6, 9),
            "reference": " 通医保检〔2026〕12号 ",
            "notes": "现场核查住院病历",
            "inspectors": [one, three],
        },
        TODAY,
    )
    assert insp.kind is InspectionKind.FLIGHT and insp.trigger is InspectionTrigger.TIPOFF
    assert (insp.start_date, insp.end_date) == (date(2026, 6, 2), date(2026, 6, 9))
    assert insp.reference == "通医保检〔2026〕12号" and insp.notes == "现场核查住院病历"
    assert {u.id for u in insp.inspectors} == {one.id, three.id}
    assert insp.status is InspectionStatus.OPEN
    row = last_audit_row(db, "inspection.update")
    assert row.actor_id == two.id and row.object_id == str(insp.id)
    # Only what changed, old and new; the facility and on-site flag did not change.
    assert row.summary["before"] == {
        "kind": "special",
        "trigger": "plan",
        "start_date": "2026-06-01",
        "end_date": None,
        "reference": "通医保检〔2026〕1号",
        "notes": "",
        "inspectors": sorted([one.username, two.username]),
    }
    assert row.summary["after"] == {
        "kind": "flight",
        "trigger": "tipoff",
        "start_date": "2026-06-02",
        "end_date": "2026-06-09",
        "reference": "通医保检〔2026〕12号",
        "notes": "现场核查住院病历",
        "inspectors": sorted([one.username, three.username]),
    }


def test_a_correction_that_changes_nothing_records_nothing(db, make_facility, make_user):
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    changed = update_inspection(
        one, insp, {"reference": "通医保检〔2026〕1号 ", "inspectors": [two, one]}
    )
    assert changed is False and audit_rows(db, "inspection.update") == []
    assert update_inspection(one, insp, {"notes": "补记"}) is True


def test_a_correction_is_checked_as_a_new_inspection_is(db, make_facility, make_user):
    one, two = two_inspectors(make_user)
    auditor = make_user(Role.AUDITOR, "aud")
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    before = insp.audit_summary()
    cases = [
        ({"inspectors": [one]}, "inspectors", "2名以上"),
        ({"inspectors": [one, auditor]}, "inspectors", "审计员除外"),
        ({"kind": InspectionKind.ROUTINE, "on_site": False}, "on_site", "现场检查"),
        ({"start_date": TODAY + timedelta(days=1)}, "start_date", "不能晚于今天"),
        ({"end_date": date(2026, 5, 31)}, "end_date", "不能早于开始日期"),
        ({"end_date": TODAY + timedelta(days=1)}, "end_date", "不能晚于今天"),
        ({"facility": None}, "facility", "请选择"),
    ]
    for data, field, message in cases:
        with pytest.raises(InspectionError) as exc:
            update_inspection(one, insp, data, TODAY)
        assert message in exc.value.errors[field], data
    db.session.refresh(insp)
    assert insp.audit_summary() == before
    assert audit_rows(db, "inspection.update") == []


def test_inspectors_already_named_stay_though_they_have_left(db, make_facility, make_user):
    """An inspector who has left since is still one of those who inspected: the record is
    corrected around them. Someone who has left may not be added."""
    one, two = two_inspectors(make_user)
    gone = make_user(Role.INSPECTOR, "gone")
    insp = inspection(one, make_facility(), [one, gone], today=TODAY)
    gone.active = False
    update_inspection(one, insp, {"notes": "补记检查地点"}, TODAY)
    assert insp.notes == "补记检查地点"
    update_inspection(one, insp, {"inspectors": [one, gone, two]}, TODAY)
    other = make_user(Role.INSPECTOR, "other")
    other.active = False
    with pytest.raises(InspectionError) as exc:
        update_inspection(one, insp, {"inspectors": [one, other]}, TODAY)
    assert "在职" in exc.value.errors["inspectors"]


def test_the_facility_changes_only_while_nothing_is_recorded_under_it(db, make_facility, make_user):
    right, wrong = make_facility(name="正确医院"), make_facility(name="误登记医院")
    one, two = two_inspectors(make_user)
    insp = inspection(one, wrong, [one, two], today=TODAY)
    update_inspection(one, insp, {"facility": right}, TODAY)
    assert insp.facility_id == right.id
    row = last_audit_row(db, "inspection.update")
    assert row.summary == {
        "before": {"facility": wrong.site_code},
        "after": {"facility": right.site_code},
    }
    draft = add_finding(one, insp, finding_data(), TODAY)
    with pytest.raises(InspectionError) as exc:
        update_inspection(one, insp, {"facility": wrong}, TODAY)
    assert "已录入违规发现" in exc.value.errors["facility"]
    # Even once the finding is discarded: it keeps the facility it was recorded at.
    revoke_finding(one, draft, "录入有误", TODAY)
    with pytest.raises(InspectionError):
        update_inspection(one, insp, {"facility": wrong}, TODAY)
    assert insp.facility_id == right.id


def test_the_facility_stays_once_a_posting_check_was_made_at_the_inspection(
    db, make_facility, make_user
):
    from portal.operations.pledge_posting import record_posting_check
    from portal.storage import FileBatch, get_storage
    from tests.portal.pledge_helpers import make_campaign

    right, wrong = make_facility(), make_facility()
    campaign = make_campaign()
    one, two = two_inspectors(make_user)
    insp = inspection(one, wrong, [one, two], start=china_today())
    record_posting_check(
        one, wrong, campaign, posted=True, checked_on=china_today(), note="", photo=None,
        inspection_id=insp.id, photo_name=None, files=FileBatch(get_storage()),
        max_bytes=1024, today=china_today(),
    )  # fmt: skip
    with pytest.raises(InspectionError) as exc:
        update_inspection(one, insp, {"facility": right})
    assert "承诺书张贴检查" in exc.value.errors["facility"]


def test_the_start_may_not_pass_a_findings_decision(db, make_facility, make_user):
    """Findings are decided on or after their inspection's start; a revoked one no longer
    holds the start back."""
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    early = add_finding(one, insp, finding_data(decision_date=date(2026, 6, 5)), TODAY)
    add_finding(one, insp, finding_data(decision_date=None), TODAY)
    update_inspection(one, insp, {"start_date": date(2026, 6, 5)}, TODAY)
    with pytest.raises(InspectionError) as exc:
        update_inspection(one, insp, {"start_date": date(2026, 6, 6)}, TODAY)
    assert exc.value.errors == {
        "start_date": "该检查下违规发现的决定日期最早为2026-06-05，开始日期不能晚于该日"
    }
    revoke_finding(one, early, "决定日期有误", TODAY)
    update_inspection(one, insp, {"start_date": date(2026, 6, 6)}, TODAY)
    assert insp.start_date == date(2026, 6, 6)


def test_a_closed_inspection_takes_reference_and_notes_only(db, make_facility, make_user):
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    close_inspection(one, insp, date(2026, 6, 10), TODAY)
    update_inspection(one, insp, {"reference": "通医保检〔2026〕2号", "notes": "补正文号"}, TODAY)
    assert insp.reference == "通医保检〔2026〕2号" and insp.status is InspectionStatus.CLOSED
    with pytest.raises(InspectionError) as exc:
        update_inspection(
            one, insp, {"end_date": date(2026, 6, 12), "kind": InspectionKind.FLIGHT}, TODAY
        )
    assert set(exc.value.errors) == {"end_date", "kind"}
    assert "只能修改检查通知书编号和备注" in exc.value.errors["kind"]
    # Sending the unchanged values along is no change.
    update_inspection(one, insp, {"end_date": date(2026, 6, 10), "notes": "补正"}, TODAY)
    assert insp.end_date == date(2026, 6, 10) and insp.notes == "补正"


def test_pharmacy_inspection_moves_to_another_pharmacy(db, make_facility, make_user):
    """The facility may change kind too while nothing is recorded: findings are checked
    against the kind of the facility they are recorded at, once there."""
    pharmacy = make_facility(kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED)
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    update_inspection(one, insp, {"facility": pharmacy}, TODAY)
    add_finding(one, insp, finding_data(category="stock_mismatch"), TODAY)
    assert db.session.scalar(select(Inspection.facility_id).where(Inspection.id == insp.id)) == (
        pharmacy.id
    )


def test_a_cancelled_inspection_takes_no_correction(db, make_facility, make_user):
    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], today=TODAY)
    cancel_inspection(one, insp, "误登记")
    with pytest.raises(InspectionError) as exc:
        update_inspection(one, insp, {"notes": "补记"}, TODAY)
    assert exc.value.errors == {"status": "该检查已撤销，不能修改"}
    assert insp.notes == "" and audit_rows(db, "inspection.update") == []


# --- Corrected into an inspection already recorded -------------------------------------------


@pytest.fixture
def pair(db, make_facility, make_user):
    """Two facilities, two inspectors, and at the first facility a special inspection begun
    on 1 June (``kept``) and a routine one begun on 2 June (``edited``)."""
    here, there = make_facility(name="崇川区测试医院"), make_facility(name="港闸区测试医院")
    one, two = two_inspectors(make_user)
    kept = inspection(one, here, [one, two], today=TODAY)
    edited = inspection(
        one, here, [one, two], start=date(2026, 6, 2), kind=InspectionKind.ROUTINE, today=TODAY
    )
    return kept, edited, there, one


@pytest.mark.parametrize("change", ["kind", "start_date", "facility"])
def test_a_correction_into_an_inspection_already_recorded_is_refused_unless_confirmed(
    db, pair, change
):
    kept, edited, there, one = pair
    # Made to differ from an inspection already recorded in ``change`` alone.
    if change == "kind":
        update_inspection(one, edited, {"start_date": kept.start_date}, TODAY)
        changes = {"kind": kept.kind}
    elif change == "start_date":
        update_inspection(one, edited, {"kind": kept.kind}, TODAY)
        changes = {"start_date": kept.start_date}
    else:
        kept = inspection(one, there, kept.inspectors, start=edited.start_date, today=TODAY,
                          kind=edited.kind)  # fmt: skip
        changes = {"facility": there}
    before, audited = edited.audit_summary(), len(audit_rows(db, "inspection.update"))
    with pytest.raises(DuplicateInspection) as exc:
        update_inspection(one, edited, changes | {"notes": "更正"}, TODAY)
    assert exc.value.existing == [kept] and exc.value.recorded_since == []
    assert f"检查记录 #{kept.id}" in exc.value.errors["confirm_distinct"]
    db.session.refresh(edited)
    assert edited.audit_summary() == before
    assert len(audit_rows(db, "inspection.update")) == audited
    assert update_inspection(one, edited, changes, TODAY, confirm_distinct=True, shown={kept.id})
    row = last_audit_row(db, "inspection.update")
    assert row.object_id == str(edited.id)
    assert row.summary["before"]["confirmed_distinct_from"] is None
    assert row.summary["after"]["confirmed_distinct_from"] == [kept.id]
    alike = same_inspections(kept.facility, kept.kind, kept.start_date)
    assert sorted(i.id for i in alike) == sorted([kept.id, edited.id])


def test_a_confirmation_of_a_correction_covers_the_inspections_shown_only(db, pair):
    kept, edited, _there, one = pair
    special = {"kind": InspectionKind.SPECIAL, "start_date": date(2026, 6, 1)}
    # Shown none of them (the form named other inspections, or none): the tick covers
    # nothing, and the inspection is named as one already there, not one recorded since.
    with pytest.raises(DuplicateInspection) as exc:
        update_inspection(one, edited, special, TODAY, confirm_distinct=True, shown=set())
    assert exc.value.existing == [kept] and exc.value.recorded_since == []
    assert "可能重复登记" in exc.value.errors["confirm_distinct"]
    # One recorded since the page named the first: asked again, naming it.
    since = inspection(one, kept.facility, kept.inspectors, today=TODAY, confirm_distinct=True)
    with pytest.raises(DuplicateInspection) as exc:
        update_inspection(one, edited, special, TODAY, confirm_distinct=True, shown={kept.id})
    assert exc.value.existing == [kept, since] and exc.value.recorded_since == [since]
    assert "打开本页后又登记了相同的检查" in exc.value.errors["confirm_distinct"]
    update_inspection(one, edited, special, TODAY, confirm_distinct=True, shown={kept.id, since.id})
    row = last_audit_row(db, "inspection.update")
    assert row.summary["after"]["confirmed_distinct_from"] == [kept.id, since.id]


def test_a_pair_confirmed_distinct_is_corrected_without_asking_again(db, pair):
    """Two inspections alike, confirmed distinct when recorded: correcting the second in
    anything but its facility, kind and start date is not refused for the first."""
    kept, _edited, _there, one = pair
    second = inspection(one, kept.facility, kept.inspectors, today=TODAY, confirm_distinct=True)
    three = inspection(one, kept.facility, kept.inspectors, today=TODAY, confirm_distinct=True)
    changes = {"notes": "补记检查地点", "reference": "通医保检〔2026〕7号", "on_site": False,
               "trigger": InspectionTrigger.TIPOFF, "end_date": date(2026, 6, 3),
               "inspectors": [one]}  # fmt: skip
    assert update_inspection(one, second, changes, TODAY) is True
    assert second.notes == "补记检查地点" and second.end_date == date(2026, 6, 3)
    row = last_audit_row(db, "inspection.update")
    assert "confirmed_distinct_from" not in row.summary["after"]
    # The same three sent along unchanged (as the edit page does) are no change to them.
    same = {"facility": kept.facility, "kind": kept.kind, "start_date": kept.start_date}
    assert update_inspection(one, three, same | {"notes": "补记"}, TODAY) is True
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]
    # Moved off and back, it is asked about again: the confirmation was for where it was.
    update_inspection(one, three, {"start_date": date(2026, 6, 3)}, TODAY)
    with pytest.raises(DuplicateInspection) as exc:
        update_inspection(one, three, {"start_date": kept.start_date}, TODAY)
    assert exc.value.existing == [kept, second]


def test_a_cancelled_inspection_is_no_reason_to_ask(db, pair):
    kept, edited, _there, one = pair
    special = {"kind": InspectionKind.SPECIAL, "start_date": kept.start_date}
    mistaken = inspection(one, kept.facility, kept.inspectors, today=TODAY, confirm_distinct=True)
    cancel_inspection(one, mistaken, "误登记")
    with pytest.raises(DuplicateInspection) as exc:  # named: the one not cancelled only
        update_inspection(one, edited, special, TODAY)
    assert exc.value.existing == [kept]
    cancel_inspection(one, kept, "重复登记")
    update_inspection(one, edited, special, TODAY)
    assert edited.kind is InspectionKind.SPECIAL and edited.start_date == kept.start_date
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]
    # Nor does the inspection count itself: moved off and back, it repeats nothing.
    update_inspection(one, edited, {"start_date": date(2026, 6, 2)}, TODAY)
    update_inspection(one, edited, {"start_date": kept.start_date}, TODAY)
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]


def test_a_tick_with_nothing_alike_is_a_plain_correction(db, pair):
    _kept, edited, _there, one = pair
    update_inspection(
        one, edited, {"kind": InspectionKind.FLIGHT}, TODAY, confirm_distinct=True, shown=set()
    )
    assert edited.kind is InspectionKind.FLIGHT
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.update").summary["after"]
