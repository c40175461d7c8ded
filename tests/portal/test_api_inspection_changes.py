"""Reading, correcting, closing and cancelling a recorded inspection through the API: the
bureau pages' operations and rules, answered in JSON, audited under the token's account,
and nothing changed by a refused request."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models.enums import Role
from portal.models.inspections import Inspection, InspectionKind, InspectionStatus
from portal.operations.findings import add_finding
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import confirmed_finding, finding_data, inspection, two_inspectors
from tests.portal.web_helpers import audit_rows

START = date(2026, 6, 1)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(db, client, make_facility, make_user):
    """An open inspection recorded by an inspector, and calls with that inspector's token."""
    one, two = two_inspectors(make_user)
    facility = make_facility(name="更正医院")
    insp = inspection(one, facility, [one, two], start=START)
    token = create_api_token(None, one)
    db.session.commit()

    class Api:
        def __init__(self):
            self.inspection, self.facility, self.people = insp, facility, (one, two)
            self.url = f"/api/v1/inspections/{insp.id}"
            self.headers = _bearer(token)

        def get(self, url=None, **kwargs):
            return client.get(url or self.url, headers=_bearer(token), **kwargs)

        def patch(self, body, url=None):
            return client.patch(url or self.url, json=body, headers=_bearer(token))

        def post(self, action: str, body=None, **kwargs):
            if body is not None:
                kwargs["json"] = body
            return client.post(f"{self.url}/{action}", headers=_bearer(token), **kwargs)

        def fresh(self) -> Inspection:
            db.session.expire_all()
            return db.session.get(Inspection, insp.id)

    return Api()


def test_get_shows_the_inspection_with_its_findings(db, api):
    one = api.people[0]
    draft = add_finding(one, api.inspection, finding_data(decision_date=None), date(2026, 6, 15))
    db.session.commit()
    body = api.get().get_json()
    assert body["id"] == api.inspection.id
    assert body["facility"] == {"site_code": api.facility.site_code, "name": "更正医院"}
    assert (body["kind"], body["status"], body["start_date"]) == ("special", "open", "2026-06-01")
    assert body["inspectors"] == sorted(u.username for u in api.people)
    assert body["findings"] == [{"id": draft.id, "status": "draft", "category": draft.category}]
    assert body["page_url"].endswith(f"/bureau/inspections/{api.inspection.id}")


def test_get_needs_a_token_and_an_existing_inspection(client, api):
    assert client.get(api.url).status_code == 401
    missing = api.get("/api/v1/inspections/987654321")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["message"] == "未找到该检查记录"


def test_a_correction_changes_the_fields_sent_and_is_audited(db, api):
    response = api.patch({"notes": "补记：现场调阅病历30份", "end_date": "2026-06-03"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] is True
    assert (body["notes"], body["end_date"]) == ("补记：现场调阅病历30份", "2026-06-03")
    stored = api.fresh()
    assert stored.notes == "补记：现场调阅病历30份" and stored.end_date == date(2026, 6, 3)
    assert stored.kind is InspectionKind.SPECIAL  # not sent, kept
    (row,) = audit_rows(db, "inspection.update")
    assert row.actor_id == api.people[0].id
    notes = (row.summary["before"]["notes"], row.summary["after"]["notes"])
    assert notes == ("", "补记：现场调阅病历30份")


def test_a_correction_that_changes_nothing_is_not_audited(db, api):
    response = api.patch({"reference": api.inspection.reference})
    assert response.status_code == 200
    assert response.get_json()["changed"] is False
    assert audit_rows(db, "inspection.update") == []


def test_a_refused_correction_names_every_problem_and_changes_nothing(db, api):
    response = api.patch(
        {"notes": "改", "kind": "nope", "inspectors": [api.people[0].username], "status": "x"}
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    # One inspector for an on-site inspection: the operation's own check, named together
    # with the fields refused on reading.
    assert set(fields) == {"kind", "status", "inspectors"}
    assert fields["status"] == "不能通过本接口修改"
    assert "2名以上" in fields["inspectors"]
    assert api.fresh().notes == ""
    # Valid types: the operation refuses it.
    response = api.patch({"notes": "改", "inspectors": [api.people[0].username]})
    assert response.status_code == 422
    assert "2名以上" in response.get_json()["error"]["fields"]["inspectors"]
    assert api.fresh().notes == "" and len(api.fresh().inspectors) == 2
    assert audit_rows(db, "inspection.update") == []


@pytest.mark.parametrize("value", [123, ["H32060200001"], {"site_code": "x"}, True])
def test_a_facility_that_is_not_a_string_is_refused_as_such(api, value):
    response = api.patch({"facility": value})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["facility"] == "应为字符串（医保定点编码）"
    assert api.fresh().facility_id == api.facility.id


@pytest.mark.parametrize("body", [{}, {"confirm_distinct": True}, [], "notes"])
def test_a_correction_must_send_a_field_to_change(api, body):
    response = api.patch(body)
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_a_closed_inspection_takes_its_reference_and_notes_only(db, api):
    assert api.post("close", {"end_date": "2026-06-02"}).status_code == 200
    refused = api.patch({"kind": "flight", "notes": "改"})
    assert refused.status_code == 422
    message = refused.get_json()["error"]["fields"]["kind"]
    assert message == "检查已结束，只能修改检查通知书编号和备注"
    assert api.fresh().notes == ""
    assert api.patch({"notes": "改"}).get_json()["notes"] == "改"


def test_a_correction_into_another_inspection_needs_confirmation(db, api):
    one, two = api.people
    other = inspection(one, api.facility, [one, two], start=date(2026, 7, 1))
    db.session.commit()
    response = api.patch({"start_date": "2026-07-01"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert [i["id"] for i in error["existing"]] == [other.id]
    assert api.fresh().start_date == START
    confirmed = api.patch({"start_date": "2026-07-01", "distinct_from": [other.id]})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert api.fresh().start_date == date(2026, 7, 1)
    (row,) = audit_rows(db, "inspection.update")
    assert row.summary["after"]["confirmed_distinct_from"] == [other.id]


def test_an_auditor_token_may_read_but_not_change(db, client, api, make_user):
    token = create_api_token(None, make_user(Role.AUDITOR, "api_auditor"))
    db.session.commit()
    headers = _bearer(token)
    assert client.get(api.url, headers=headers).status_code == 200
    assert client.patch(api.url, json={"notes": "改"}, headers=headers).status_code == 403
    for action in ("close", "cancel"):
        answer = client.post(f"{api.url}/{action}", json={"reason": "误录"}, headers=headers)
        assert answer.status_code == 403
    assert api.fresh().status is InspectionStatus.OPEN and api.fresh().notes == ""


def test_close_without_a_body_ends_it_today_and_only_once(db, api):
    response = api.post("close")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "closed" and body["closed_at"].endswith("+08:00")
    assert api.fresh().end_date == china_today()
    again = api.post("close", {})
    assert again.status_code == 422
    assert again.get_json()["error"]["fields"]["end_date"] == "该检查已结束"
    assert len(audit_rows(db, "inspection.close")) == 1


@pytest.mark.parametrize(
    ("action", "body"),
    [("close", {"endDate": "2026-11-03"}), ("cancel", {"reason": "误登记", "reson": "x"})],
)
def test_close_and_cancel_refuse_a_field_they_do_not_take(db, api, action, body):
    """A misspelt end date ignored would close on today, which a closed inspection can
    no longer correct."""
    response = api.post(action, body)
    assert response.status_code == 422
    unknown = next(field for field in body if field not in ("reason",))
    assert response.get_json()["error"]["fields"] == {unknown: "本接口不接受此字段"}
    assert api.fresh().status.value == "open"


def test_close_is_refused_while_a_draft_finding_waits(db, api):
    add_finding(api.people[0], api.inspection, finding_data(decision_date=None), START)
    db.session.commit()
    response = api.post("close", {"end_date": "2026-06-02"})
    assert response.status_code == 422
    assert "草稿" in response.get_json()["error"]["fields"]["end_date"]
    assert api.fresh().status is InspectionStatus.OPEN


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "[", "content_type": "application/json"},
        {"data": "[]", "content_type": "application/json"},
        # A form is not read as no body (which would close it today, not on the date sent).
        {"data": {"end_date": "2026-06-02"}},
    ],
)
def test_close_refuses_a_body_that_is_not_a_json_object(api, kwargs):
    response = api.post("close", **kwargs)
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]
    assert api.fresh().status is InspectionStatus.OPEN


def test_an_id_past_the_database_integer_is_not_found(client, api):
    """Ids are 32-bit on PostgreSQL: a larger one must not reach the database."""
    url = f"/api/v1/inspections/{2**31}"
    assert api.get(url).status_code == 404
    assert api.patch({"notes": "改"}, url=url).status_code == 404
    for action in ("close", "cancel"):
        response = client.post(f"{url}/{action}", json={}, headers=api.headers)
        assert response.status_code == 404 and response.is_json


def test_cancel_needs_a_reason_and_then_keeps_it(db, api):
    refused = api.post("cancel", {})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["reason"] == "请填写撤销理由"
    assert api.fresh().status is InspectionStatus.OPEN
    response = api.post("cancel", {"reason": "重复录入"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "重复录入")
    (row,) = audit_rows(db, "inspection.cancel")
    assert row.actor_id == api.people[0].id and row.note == "重复录入"
    # Cancelled: no more changes.
    changed = api.patch({"notes": "改"})
    assert changed.status_code == 422
    assert changed.get_json()["error"]["fields"]["status"] == "该检查已撤销，不能修改"


def test_cancel_is_refused_while_a_confirmed_finding_counts(db, api):
    confirmed_finding(api.people[0], api.inspection)
    db.session.commit()
    response = api.post("cancel", {"reason": "误录"})
    assert response.status_code == 422
    assert "已认定的违规发现" in response.get_json()["error"]["fields"]["status"]
    assert api.fresh().status is InspectionStatus.OPEN
    assert audit_rows(db, "inspection.cancel") == []


def test_the_list_finds_inspections_by_facility_status_kind_and_start(
    db, client, api, make_facility
):
    one, two = api.people
    later = inspection(one, api.facility, [one, two], start=date(2026, 7, 1))
    flight = inspection(
        one, api.facility, [one, two], start=date(2026, 8, 1), kind=InspectionKind.FLIGHT
    )
    elsewhere = inspection(one, make_facility(name="别处医院"), [one, two], start=START)
    db.session.commit()
    assert api.post("cancel", {"reason": "重复录入"}).status_code == 200

    def ids(query: str = "") -> list[int]:
        response = api.get(f"/api/v1/inspections{query}")
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    # The latest begun first.
    assert ids() == [flight.id, later.id, elsewhere.id, api.inspection.id]
    site = api.facility.site_code
    assert ids(f"?facility={site.lower()}") == [flight.id, later.id, api.inspection.id]
    assert ids(f"?facility={site}&status=cancelled") == [api.inspection.id]
    assert ids("?kind=flight") == [flight.id]
    assert ids("?start_from=2026-07-01&start_to=2026-07-31") == [later.id]
    assert ids("?start_from=2026-07-01%20&start_to=2026-07-01") == [later.id]  # both inclusive
    page = api.get("/api/v1/inspections?per_page=2&page=2").get_json()
    assert ([i["id"] for i in page["items"]], page["total"]) == (
        [elsewhere.id, api.inspection.id],
        4,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("facility=H99999999999", "facility"),
        ("status=done", "status"),
        ("kind=Flight", "kind"),
        ("start_from=2026-7-1", "start_from"),
        ("start_to=yesterday", "start_to"),
        ("start_from=2026-08-01&start_to=2026-07-01", "start_to"),
    ],
)
def test_the_list_refuses_a_filter_it_cannot_apply(api, query, field):
    response = api.get(f"/api/v1/inspections?{query}")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_the_list_needs_a_staff_token(client, api):
    assert client.get("/api/v1/inspections").status_code == 401
    assert api.get("/api/v1/inspections?page=0").status_code == 400
