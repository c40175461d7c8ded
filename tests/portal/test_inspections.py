"""Inspections and findings: rules, audit, grade in step (the articles a finding may cite
and self-correction leniency: ``test_finding_leniency_articles``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.credit import CreditGrade
from portal.models.enums import FacilityKind, HospitalLevel, Role
from portal.models.inspections import FindingStatus, InspectionKind
from portal.operations.findings import (
    add_finding,
    confirm_finding,
    revoke_finding,
    update_finding,
)
from portal.operations.inspection_changes import close_inspection
from portal.operations.inspections import InspectionError
from tests.credit_helpers import (
    TODAY,
    confirmed_finding,
    finding_data,
    finding_form,
    inspection,
    two_inspectors,
)


def _grades(db, facility):
    return db.session.scalars(
        select(CreditGrade).where(CreditGrade.facility_id == facility.id).order_by(CreditGrade.id)
    ).all()


def test_on_site_inspection_needs_two_inspectors(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    with pytest.raises(InspectionError) as exc:
        inspection(one, facility, [one])
    assert "2名以上" in exc.value.errors["inspectors"]
    # The same person twice is still one inspector.
    with pytest.raises(InspectionError):
        inspection(one, facility, [one, one])
    # A flight inspection is on-site by nature, even if the form says otherwise.
    with pytest.raises(InspectionError) as exc:
        inspection(one, facility, [one], kind=InspectionKind.FLIGHT, on_site=False)
    assert "on_site" in exc.value.errors
    # A special inspection may be a desk review with one inspector.
    desk = inspection(one, facility, [one], on_site=False)
    assert desk.inspectors == [one]
    # Another, on site, begun the same day: recorded as another inspection once confirmed.
    ok = inspection(one, facility, [one, two], confirm_distinct=True)
    assert {u.id for u in ok.inspectors} == {one.id, two.id}
    row = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "inspection.create").order_by(AuditLog.seq)
    ).all()[-1]
    assert row.summary["after"]["inspectors"] == sorted([one.username, two.username])


def test_inspectors_must_be_active_bureau_staff(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    clinic_user = make_user(Role.FACILITY, "fac_user")
    with pytest.raises(InspectionError) as exc:
        inspection(one, facility, [one, clinic_user])
    assert "医保局工作人员" in exc.value.errors["inspectors"]
    two.active = False
    with pytest.raises(InspectionError):
        inspection(one, facility, [one, two])


def test_finding_category_must_match_the_facility_kind(db, make_facility, make_user):
    hospital = make_facility()
    pharmacy = make_facility(kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED)
    one, two = two_inspectors(make_user)
    at_pharmacy = inspection(one, pharmacy, [one, two])
    with pytest.raises(InspectionError) as exc:
        add_finding(one, at_pharmacy, finding_data(category="improper_charging"), TODAY)
    assert "定点零售药店" in exc.value.errors["category"]
    add_finding(one, at_pharmacy, finding_data(category="stock_mismatch"), TODAY)
    at_hospital = inspection(one, hospital, [one, two])
    for wrong in ("stock_mismatch", "using_others_card", "nonsense"):
        with pytest.raises(InspectionError):
            add_finding(one, at_hospital, finding_data(category=wrong), TODAY)


def test_finding_validation_names_fields(db, make_facility, make_staff, make_user):
    facility, elsewhere = make_facility(), make_facility()
    outsider = make_staff([elsewhere])
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    with pytest.raises(InspectionError) as exc:
        add_finding(
            one,
            insp,
            finding_data(
                description=" ",
                amount_involved_fen=100,
                amount_refunded_fen=200,
                fine_fen=-1,
                legal_article="99",
                decision_date=date(2026, 5, 1),
                staff=[outsider],
                results=["talk_rectify", "made_up"],
                period_start=date(2026, 5, 1),
                period_end=date(2026, 4, 1),
            ),
            TODAY,
        )
    assert set(exc.value.errors) == {
        "description",
        "amount_refunded_fen",
        "fine_fen",
        "legal_article",
        "decision_date",
        "staff",
        "results",
        "period_end",
    }


def test_confirm_drops_the_grade_in_the_same_transaction_and_revoke_restores(
    db, make_facility, make_user
):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    approver = make_user(Role.APPROVER, "appr")
    insp = inspection(one, facility, [one, two])
    draft = add_finding(
        one, insp, finding_data(category="inflated_charges", amount_involved_fen=2_500_000), TODAY
    )
    assert _grades(db, facility) == []  # a draft does not count
    row = confirm_finding(one, draft, TODAY)
    # serious 10 + 2 for 25,000 yuan involved.
    assert row.score == Decimal("88.0") and row.grade == "B"
    assert facility.credit_grade == "B" and facility.credit_score == Decimal("88.0")
    assert (
        row.breakdown[0]["source_type"] == "finding" and row.breakdown[0]["source_id"] == draft.id
    )
    assert row.trigger == "finding.confirm" and row.actor_id == one.id
    # The confirmer may not revoke their own confirmation.
    with pytest.raises(InspectionError):
        revoke_finding(one, draft, "复核", TODAY)
    restored = revoke_finding(approver, draft, "复核后事实不清", TODAY)
    assert restored.score == Decimal("100.0") and restored.grade == "A"
    assert restored.previous_grade == "B"
    assert [g.grade for g in _grades(db, facility)] == ["B", "A"]  # history only grows
    assert draft.status is FindingStatus.REVOKED and draft.revoked_by_id == approver.id
    actions = [
        r.action
        for r in db.session.scalars(select(AuditLog).order_by(AuditLog.seq))
        if r.object_type == "finding"
    ]
    assert actions == ["finding.create", "finding.confirm", "finding.revoke"]


def test_confirmation_needs_decision_article_and_a_result(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    draft = add_finding(
        one, insp, finding_data(decision_number="", decision_date=None, results=[]), TODAY
    )
    with pytest.raises(InspectionError) as exc:
        confirm_finding(one, draft, TODAY)
    assert set(exc.value.errors) == {"decision_number", "decision_date", "results"}
    update_finding(one, draft, finding_data(), TODAY)
    confirm_finding(one, draft, TODAY)
    with pytest.raises(InspectionError):
        update_finding(one, draft, finding_data(description="改"), TODAY)


def test_blacklisting_result_caps_the_grade_until_revoked(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    approver = make_user(Role.APPROVER, "appr")
    insp = inspection(one, facility, [one, two])
    finding, row = confirmed_finding(one, insp, results=["blacklist", "administrative_penalty"])
    assert facility.blacklisted
    assert row.grade == "D" and "blacklisted" in row.caps and row.score == Decimal("95.0")
    row = revoke_finding(approver, finding, "行政复议撤销", TODAY)
    assert not facility.blacklisted and row.grade == "A"
    actions = db.session.scalars(
        select(AuditLog.action)
        .where(AuditLog.action.startswith("facility.", autoescape=True))
        .order_by(AuditLog.seq)
    ).all()
    assert actions[-2:] == ["facility.blacklist", "facility.unblacklist"]


def test_fraud_finding_caps_to_d(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    _finding, row = confirmed_finding(one, insp, category="fictitious_service", legal_article="40")
    assert row.score == Decimal("80.0") and row.grade == "D" and row.caps == ["fraud"]


def test_close_inspection(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    draft = add_finding(one, insp, finding_data(), TODAY)
    with pytest.raises(InspectionError):
        close_inspection(one, insp, date(2026, 6, 10), TODAY)
    confirm_finding(one, draft, TODAY)
    with pytest.raises(InspectionError):
        close_inspection(one, insp, date(2026, 5, 1), TODAY)  # before the start
    close_inspection(one, insp, date(2026, 6, 10), TODAY)
    with pytest.raises(InspectionError):
        add_finding(one, insp, finding_data(), TODAY)


def test_no_finding_form_on_a_closed_inspection(db, client, auth, make_facility, make_user):
    from portal.models.inspections import Finding
    from portal.web import china_today
    from tests.conftest import csrf_token

    one, two = two_inspectors(make_user)
    today = china_today()
    insp = inspection(one, make_facility(), [one, two], start=today, today=today)
    close_inspection(one, insp, today, today)
    db.session.commit()
    auth.login(one.username)
    detail = f"/bureau/inspections/{insp.id}"
    url = f"{detail}/findings/new"
    page = client.get(detail).get_data(as_text=True)
    assert url not in page and "录入违规发现" not in page
    # Opening the form (a bookmark, an old tab) leads back to the inspection, saying why.
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    page = client.get(detail).get_data(as_text=True)
    assert "该检查已结束，不能再录入违规发现" in page
    # Posting (a form opened before the inspection was closed) is refused the same way.
    response = client.post(url, data=finding_form(csrf_token(page)), follow_redirects=True)
    assert "该检查已结束，不能再录入违规发现" in response.get_data(as_text=True)
    assert response.request.path == detail
    assert db.session.query(Finding).count() == 0


def test_an_inspection_cannot_be_dated_after_today(db, make_facility, make_user):
    """It could never be closed nor take findings (both must fall by today)."""
    from portal.web import china_today

    one, two = two_inspectors(make_user)
    tomorrow = china_today() + timedelta(days=1)
    with pytest.raises(InspectionError) as exc:
        inspection(one, make_facility(), [one, two], start=tomorrow)
    assert exc.value.errors == {"start_date": "开始日期不能晚于今天"}
    with pytest.raises(InspectionError) as exc:
        inspection(one, make_facility(), [one, two], start=china_today(), end_date=tomorrow)
    assert exc.value.errors == {"end_date": "结束日期不能晚于今天"}


def test_an_auditor_takes_no_part_in_inspections(db, make_facility, make_user):
    one, _two = two_inspectors(make_user)
    auditor = make_user(Role.AUDITOR, "aud")
    with pytest.raises(InspectionError) as exc:
        inspection(one, make_facility(), [one, auditor])
    assert "审计员除外" in exc.value.errors["inspectors"]
