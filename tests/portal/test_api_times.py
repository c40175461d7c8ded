"""Times in the API are China time with their offset (+08:00), as the OpenAPI document
says: a moment shortly after midnight in China carries China's date, the date the
calendar fields (``as_of``, deadlines) of the same answer use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.models.credit import CreditGrade
from portal.operations.credit import recompute_grade
from portal.web import china_today
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root")

#: 00:30 on 24 November in China, still 23 November in UTC.
MOMENT = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
IN_CHINA = "2026-11-24T00:30:00+08:00"


@pytest.fixture
def graded(db, make_facility):
    """A facility graded, with its verified pledge, all at MOMENT."""
    facility = make_facility(name="时间医院")
    recompute_grade(facility, "manual", today=china_today())
    pledge = h.pledge_of(db, h.make_campaign(), facility)
    h.upload(None, pledge)
    h.verify(None, pledge)
    db.session.flush()
    for grade in db.session.scalars(
        db.select(CreditGrade).where(CreditGrade.facility_id == facility.id)
    ):
        grade.computed_at = MOMENT
    facility.graded_at = MOMENT
    pledge.verified_at = MOMENT
    db.session.commit()
    return facility.site_code


def test_times_are_given_in_china_time(client, graded):
    base = f"/api/v1/facilities/{graded}"
    assert client.get(base).get_json()["graded_at"] == IN_CHINA
    listed = client.get("/api/v1/facilities", query_string={"q": graded}).get_json()
    assert [f["graded_at"] for f in listed["items"]] == [IN_CHINA]
    assert client.get(base + "/credit").get_json()["computed_at"] == IN_CHINA
    history = client.get(base + "/credit/history").get_json()["items"]
    assert history and {e["computed_at"] for e in history} == {IN_CHINA}
    assert client.get(base + "/pledge").get_json()["verified_at"] == IN_CHINA


def test_the_document_says_so(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "+08:00" in doc["info"]["description"]
    graded_at = doc["components"]["schemas"]["Facility"]["properties"]["graded_at"]
    assert graded_at["format"] == "date-time" and "+08:00" in graded_at["description"]
