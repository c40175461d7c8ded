"""A date before the earliest the portal records (a year typed short: 0202 for 2022), or
after the latest (a year typed wrong: 9999), is refused wherever dates come in: the forms,
the API and registry imports; nothing is stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.models.facility import Facility
from portal.models.inspections import Finding, Inspection
from portal.validators import EARLIEST_DATE, LATEST_DATE, check_date
from tests.factories import facility_data
from tests.portal.import_helpers import csv_bytes, facility_row, run
from tests.portal.test_registry_facilities import form_data
from tests.portal.web_helpers import count_rows, post_form

SHORT_YEAR = "0202-05-01"
FLOOR_MESSAGE = f"日期不能早于{EARLIEST_DATE.isoformat()}，请核对年份"
CEILING_MESSAGE = f"日期不能晚于{LATEST_DATE.isoformat()}，请核对年份"


def test_the_floor_itself_is_accepted_and_the_day_before_is_not(app):
    with app.test_request_context():
        assert check_date(EARLIEST_DATE) is None
        assert check_date(EARLIEST_DATE - timedelta(days=1)) == FLOOR_MESSAGE
        assert check_date(date(1, 1, 1)) == FLOOR_MESSAGE


def test_the_ceiling_itself_is_accepted_and_the_day_after_is_not(app):
    with app.test_request_context():
        assert check_date(LATEST_DATE) is None
        assert check_date(LATEST_DATE + timedelta(days=1)) == CEILING_MESSAGE
        assert check_date(date(9999, 12, 31)) == CEILING_MESSAGE


def test_a_facility_edited_to_an_agreement_starting_in_9999_is_refused(db, editor, make_facility):
    """The last day the date input offers: the credit grade recomputed for the changed
    agreement start counted months past it, out of the calendar (a 500)."""
    facility = make_facility()
    db.session.commit()
    data = form_data(facility_data(1)) | {
        "site_code": facility.site_code,
        "credit_code": facility.credit_code,
        "agreement_start": "9999-12-31",
    }
    response = post_form(editor, f"/bureau/facilities/{facility.id}/edit", data)
    assert response.status_code == 200
    assert CEILING_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Facility, facility.id).agreement_start.year < 2100


def test_a_facility_form_with_a_year_typed_short_is_refused(db, editor):
    data = form_data(facility_data(311)) | {"agreement_start": SHORT_YEAR}
    response = post_form(editor, "/bureau/facilities/new", data)
    assert response.status_code == 200
    assert FLOOR_MESSAGE in response.get_data(as_text=True)
    assert count_rows(db, Facility) == 0


def test_a_finding_decided_in_a_year_typed_short_is_refused(
    db, client, auth, make_facility, make_user
):
    from tests.credit_helpers import finding_form, inspection_begun_today

    insp = inspection_begun_today(db, auth, make_user, make_facility())
    url = f"/bureau/inspections/{insp.id}/findings/new"
    data = finding_form(decision_date=SHORT_YEAR)
    response = post_form(client, url, data)
    assert response.status_code == 200
    assert FLOOR_MESSAGE in response.get_data(as_text=True)
    assert count_rows(db, Finding) == 0


def test_an_api_inspection_starting_in_a_year_typed_short_is_refused(
    db, client, make_facility, make_user
):
    from tests.credit_helpers import api_recorder, post_api_inspection

    facility, people, token = api_recorder(db, make_facility, make_user)
    response = post_api_inspection(client, token, facility, people, start_date=SHORT_YEAR)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["start_date"] == FLOOR_MESSAGE
    assert count_rows(db, Inspection) == 0


@pytest.mark.parametrize("written", [SHORT_YEAR, "0202/05/01"])
def test_an_imported_row_dated_before_the_floor_is_an_error_and_nothing_is_imported(db, written):
    rows = [facility_row(21), facility_row(22, **{"协议开始日期": written})]
    report = run("facilities", csv_bytes(rows))
    assert not report.ok
    assert [r.status for r in report.rows] == ["create", "error"]
    assert report.rows[1].errors == [f"协议开始日期：{FLOOR_MESSAGE}"]
    assert count_rows(db, Facility) == 0
