"""Pledge failings feed the facility's credit grade, in the same transaction."""

from datetime import datetime, time, timedelta

from portal.models.credit import CreditGrade
from portal.operations.credit import recompute_grade
from portal.web import CHINA, china_today
from tests.portal import pledge_helpers as h

TODAY = china_today()


def _items(facility, db):
    row = db.session.scalars(
        db.select(CreditGrade)
        .where(CreditGrade.facility_id == facility.id)
        .order_by(CreditGrade.id.desc())
    ).first()
    return row, {(i["rule"], i["source_type"]): i for i in row.breakdown}


def test_not_filed_deducts_until_a_timely_scan_is_verified(db, make_facility):
    facility = make_facility()
    deadline = TODAY - timedelta(days=10)
    campaign = h.make_campaign(today=deadline - timedelta(days=30), deadline=deadline)
    pledge = h.pledge_of(db, campaign, facility)
    recompute_grade(facility, "manual", today=TODAY)
    row, items = _items(facility, db)
    item = items[("pledge.not_filed", "pledge")]
    assert item["source_id"] == pledge.id and item["points"] == -5
    assert row.score == 95 and facility.credit_score == 95
    # Uploaded before the deadline, verified today: the deduction goes in the same step.
    upload = h.upload(None, pledge, today=deadline - timedelta(days=1))
    # The scan arrived on the day before the deadline (uploads are stamped with "now").
    upload.uploaded_at = datetime.combine(deadline, time(9), tzinfo=CHINA) - timedelta(days=1)
    db.session.flush()
    h.verify(None, pledge)
    row, items = _items(facility, db)
    assert row.trigger == "pledge.verify"
    assert ("pledge.not_filed", "pledge") not in items and facility.credit_score == 100


def test_posting_check_not_posted_recomputes_with_its_own_source(db, make_facility):
    facility = make_facility()
    campaign = h.make_campaign()
    check = h.posting_check(None, facility, campaign, posted=False)
    row, items = _items(facility, db)
    assert row.trigger == "pledge.posting"
    item = items[("pledge.not_posted", "posting_check")]
    assert item["source_id"] == check.id and item["points"] == -3
    assert facility.credit_score == 97
    # A check that finds it posted changes nothing.
    before = db.session.scalar(db.select(db.func.count()).select_from(CreditGrade))
    h.posting_check(None, facility, campaign, posted=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(CreditGrade)) == before


def test_facility_api_carries_grade_and_pledge_status(db, client, make_facility):
    facility = make_facility()
    bare = client.get(f"/api/v1/facilities/{facility.site_code}").get_json()
    assert bare["pledge"]["status"] is None and bare["pledge"]["url"].endswith("/pledge")
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(None, pledge)
    db.session.commit()
    body = client.get(f"/api/v1/facilities/{facility.site_code}").get_json()
    assert body["pledge"] == {
        "status": pledge.status.value,
        "campaign_year": campaign.year,
        "overdue": False,
        "url": bare["pledge"]["url"],
    }
    assert pledge.status.value == "uploaded"
    assert "grade" in body and "score" in body
