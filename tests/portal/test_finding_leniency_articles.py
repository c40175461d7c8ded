"""Findings: the legal articles a facility finding may cite, and the leniency a
self-correction earns (reported on time, the money refunded in full)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models.audit import AuditLog
from portal.models.enums import FacilityKind, HospitalLevel, Role
from portal.operations.findings import (
    add_finding,
    confirm_finding,
    update_finding,
)
from portal.operations.inspections import InspectionError
from portal.operations.self_inspections import file_self_inspection
from tests.credit_helpers import (
    REPORT_DATA,
    TODAY,
    confirmed_finding,
    finding_data,
    finding_form,
    inspection,
    inspection_begun_today,
    on_time_and_late_reports,
    two_inspectors,
)


def test_a_finding_cannot_cite_an_article_for_individuals(db, make_facility, make_user):
    # Art 41 of the regulation punishes insured persons: not offered, nor accepted, for a
    # facility (hospital or pharmacy), whether chosen or left to an odd category default.
    hospital = make_facility()
    pharmacy = make_facility(kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED)
    one, two = two_inspectors(make_user)
    for facility, category in ((hospital, "improper_charging"), (pharmacy, "stock_mismatch")):
        insp = inspection(one, facility, [one, two])
        with pytest.raises(InspectionError) as exc:
            add_finding(one, insp, finding_data(category=category, legal_article="41"), TODAY)
        assert set(exc.value.errors) == {"legal_article"}
        assert "第41条" in exc.value.errors["legal_article"]
        draft = add_finding(one, insp, finding_data(category=category), TODAY)
        with pytest.raises(InspectionError):
            update_finding(one, draft, finding_data(category=category, legal_article="41"), TODAY)
    # A draft saved before the rule (or a data fix) cannot be confirmed with Art 41.
    draft.legal_article = "41"
    with pytest.raises(InspectionError) as exc:
        confirm_finding(one, draft, TODAY)
    assert "legal_article" in exc.value.errors


def test_the_finding_form_offers_only_articles_for_facilities(
    db, client, auth, make_facility, make_user
):
    from portal.models.inspections import Finding
    from tests.portal.web_helpers import post_form

    insp = inspection_begun_today(db, auth, make_user, make_facility())
    url = f"/bureau/inspections/{insp.id}/findings/new"
    page = client.get(url).get_data(as_text=True)
    for article in ("38", "39", "40"):
        assert f'<option value="{article}">' in page
    assert '<option value="41">' not in page and "第四十一条" not in page
    data = finding_form(legal_article="41")
    response = post_form(client, url, data)
    assert response.status_code == 200
    assert "第41条的处罚对象不是定点医药机构" in response.get_data(as_text=True)
    assert db.session.query(Finding).count() == 0
    assert post_form(client, url, data | {"legal_article": "38"}).status_code == 302


def test_the_finding_forms_calculator_refuses_an_article_for_individuals(
    db, client, auth, make_facility, make_user
):
    # The calculator button of the finding form (new and edit) and the range its script
    # fetches say what saving says of Art 41, and show no Art 41 range; the standalone
    # calculator page, for individuals too, keeps it.
    from portal.models.inspections import Finding
    from portal.web import china_today
    from tests.portal.web_helpers import post_form

    one, two = two_inspectors(make_user)
    insp = inspection(one, make_facility(), [one, two], start=china_today())
    draft = add_finding(
        one, insp, finding_data(category="improper_charging", decision_date=None,
                                period_start=None, period_end=None), china_today(),
    )  # fmt: skip
    db.session.commit()
    auth.login(one.username)
    refused = "第41条的处罚对象不是定点医药机构"
    data = finding_form(legal_article="41", action="calculate")
    for url in (f"/bureau/inspections/{insp.id}/findings/new", f"/bureau/findings/{draft.id}/edit"):
        page = post_form(client, url, data).get_data(as_text=True)
        assert refused in page and "第四十一条" not in page, url
        # Another article is calculated as before.
        page = post_form(client, url, data | {"legal_article": "38"}).get_data(as_text=True)
        assert "第三十八条" in page and refused not in page, url
    assert db.session.query(Finding).count() == 1 and draft.legal_article != "41"

    script = client.get("/bureau/penalty-range?article=41&amount=1000")
    assert script.status_code == 422 and refused in script.get_json()["error"]
    assert client.get("/bureau/penalty-range?article=38&amount=1000").get_json()["article"] == "38"
    page = client.get("/bureau/penalty-calculator?legal_article=41&amount_involved=1000")
    assert "第四十一条" in page.get_data(as_text=True)


def test_self_inspection_on_time_earns_leniency(db, make_facility, make_user):
    facility = make_facility()
    user = make_user(Role.FACILITY, "fac", facility=facility)
    one, two = two_inspectors(make_user)
    on_time, late = on_time_and_late_reports(user, facility, 1_234_500)
    assert on_time.on_time and on_time.deadline == date(2026, 10, 31)
    assert not late.on_time
    insp = inspection(one, facility, [one, two], start=date(2026, 11, 3))
    finding, row = confirmed_finding(
        one,
        insp,
        today=date(2026, 11, 10),
        category="inflated_charges",
        decision_date=date(2026, 11, 10),
        self_inspection=on_time,
    )
    assert finding.self_corrected
    assert row.score == Decimal("95.0")  # serious 10, halved
    other, row = confirmed_finding(
        one,
        insp,
        today=date(2026, 11, 10),
        category="inflated_charges",
        decision_date=date(2026, 11, 10),
        self_inspection=late,
    )
    assert not other.self_corrected and row.score == Decimal("85.0")
    # The box ticked with a late report is refused, not dropped without a word.
    with pytest.raises(InspectionError) as exc:
        add_finding(
            one, insp, finding_data(self_inspection=late, self_corrected=True), date(2026, 11, 10)
        )
    assert "逾期报送" in exc.value.errors["self_corrected"]
    with pytest.raises(InspectionError) as exc:
        file_self_inspection(user, facility, REPORT_DATA | {"problems": ""}, date(2026, 11, 2))
    assert "problems" in exc.value.errors
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "self_inspection.file")
        )
        == 2
    )


def test_leniency_needs_the_money_involved_refunded_in_full(db, make_facility, make_user):
    facility = make_facility()
    user = make_user(Role.FACILITY, "fac", facility=facility)
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    partly = {"amount_involved_fen": 100_000, "amount_refunded_fen": 99_999}
    with pytest.raises(InspectionError) as exc:
        add_finding(one, insp, finding_data(self_corrected=True, **partly), TODAY)
    assert "全额退回" in exc.value.errors["self_corrected"]
    in_full = add_finding(
        one, insp, finding_data(self_corrected=True, **partly | {"amount_refunded_fen": 100_000}),
        TODAY,
    )  # fmt: skip
    assert in_full.self_corrected
    # Disclosed in an on-time report but not paid back in full: no leniency.
    report = file_self_inspection(
        user, facility,
        {"period_start": date(2026, 1, 1), "period_end": date(2026, 3, 31),
         "problems": "重复收费", "amount_refunded_fen": 99_999},
        date(2026, 10, 31),
    )  # fmt: skip
    assert report.on_time
    disclosed = add_finding(one, insp, finding_data(self_inspection=report, **partly), TODAY)
    assert not disclosed.self_corrected


def test_the_finding_form_shows_why_leniency_is_refused(db, client, auth, make_facility, make_user):
    from portal.models.inspections import Finding
    from tests.portal.web_helpers import post_form

    insp = inspection_begun_today(db, auth, make_user, make_facility())
    url = f"/bureau/inspections/{insp.id}/findings/new"
    data = finding_form(self_corrected="y", amount_involved="100", amount_refunded="60")
    response = post_form(client, url, data)
    assert response.status_code == 200
    assert "自查自纠从轻计分须已全额退回涉及金额" in response.get_data(as_text=True)
    assert db.session.query(Finding).count() == 0
    response = post_form(client, url, data | {"amount_refunded": "100"})
    assert response.status_code == 302
    assert db.session.query(Finding).one().self_corrected


def _reports(db, make_user, facility):
    """An on-time and a late self-inspection report of ``facility``, each 100 yuan refunded."""
    user = make_user(Role.FACILITY, "fac_reports", facility=facility)
    on_time, late = on_time_and_late_reports(user, facility, 10_000)
    db.session.commit()
    return on_time, late


LENIENT = "按期自查自纠并足额退回：可从轻"


def test_the_finding_form_refuses_the_box_with_a_late_report(
    db, client, auth, make_facility, make_user
):
    from portal.models.inspections import Finding
    from tests.portal.web_helpers import post_form

    facility = make_facility()
    on_time, late = _reports(db, make_user, facility)
    insp = inspection_begun_today(db, auth, make_user, facility)
    url = f"/bureau/inspections/{insp.id}/findings/new"
    data = finding_form(
        self_corrected="y", amount_refunded="100", self_inspection_id=str(late.id),
        results=["administrative_penalty"], legal_article="38",
    )  # fmt: skip
    response = post_form(client, url, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "所选自查自纠报告为逾期报送" in page
    assert LENIENT not in page  # nor does the range shown pretend leniency
    assert db.session.query(Finding).count() == 0
    # The on-time report earns it, and the range the form shows says so.
    response = post_form(
        client, url, data | {"self_corrected": "", "self_inspection_id": str(on_time.id),
                             "action": "calculate"},
    )  # fmt: skip
    assert LENIENT in response.get_data(as_text=True)
    assert db.session.query(Finding).count() == 0
    response = post_form(client, url, data | {"self_inspection_id": str(on_time.id)})
    assert response.status_code == 302
    assert db.session.query(Finding).one().self_corrected


def test_the_forms_live_range_reads_the_linked_report(db, client, auth, make_facility, make_user):
    facility = make_facility()
    on_time, late = _reports(db, make_user, facility)
    inspection_begun_today(db, auth, make_user, facility)
    base = "/bureau/penalty-range?article=38&amount=100&results=administrative_penalty"

    def lenient(query: str) -> bool:
        response = client.get(base + query)
        assert response.status_code == 200
        return any(LENIENT in line for line in response.get_json()["lines"])

    assert lenient("&self_corrected=1")  # ticked, no report
    assert not lenient(f"&self_corrected=1&report={late.id}&refunded=100")
    assert lenient(f"&report={on_time.id}&refunded=100")
    assert not lenient(f"&report={on_time.id}&refunded=99")
    assert lenient("&self_corrected=1&report=99999999999999")  # no such report: the box
