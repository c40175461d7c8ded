"""Text the API stores in columns of a fixed length is refused with 422 when longer, at the
length the OpenAPI document states: PostgreSQL would fail the statement (a 500 error) and
SQLite would store what the web forms refuse. Text no column can hold (half a character,
escaped in the JSON) is refused with 400 before the operation runs."""

from __future__ import annotations

import json

import pytest

from portal.models.enums import Role
from portal.models.inspections import Inspection
from portal.models.points import PointRecord
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import two_inspectors
from tests.portal.test_credit_api import _bearer, _inspection_body
from tests.portal.web_helpers import count_rows


@pytest.fixture
def world(db, make_facility, make_staff, make_user):
    facility = make_facility()
    people = two_inspectors(make_user)
    staff = make_staff([facility])
    token = create_api_token(None, make_user(Role.INSPECTOR, "api_limits"))
    db.session.commit()
    return facility, people, staff, _bearer(token)


@pytest.fixture
def schemas(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]


def _limit(schemas: dict, schema: str, field: str) -> int:
    limit = schemas[schema]["properties"][field]["maxLength"]
    assert limit == 80  # the columns' length, as the web forms hold them
    return limit


def _points_body(facility, reference: str) -> dict:
    return {
        "facility": facility.site_code, "violation": "串换药品", "severity": "minor",
        "responsibility": "general", "decided_on": china_today().isoformat(),
        "source": "manual", "reference": reference,
    }  # fmt: skip


def test_an_inspection_reference_too_long_is_refused(db, client, world, schemas):
    facility, people, _staff, token = world
    limit = _limit(schemas, "InspectionCreate", "reference")
    body = _inspection_body(facility, people, findings=[], reference="检" * (limit + 1))
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"reference": "不能超过80个字符"}
    assert count_rows(db, Inspection) == 0

    body["reference"] = " " + "检" * limit + " "  # stored trimmed: it fits
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Inspection, response.get_json()["id"]).reference == "检" * limit


def test_a_decision_number_too_long_is_refused_naming_the_finding(db, client, world, schemas):
    facility, people, _staff, token = world
    limit = _limit(schemas, "FindingCreate", "decision_number")
    body = _inspection_body(facility, people)
    body["findings"][0]["decision_number"] = "罚" * (limit + 1)
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields == {"findings[0].decision_number": "不能超过80个字符"}
    assert count_rows(db, Inspection) == 0

    body["findings"][0]["decision_number"] = "罚" * limit
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 201, response.get_json()


def test_a_points_reference_too_long_is_refused(db, client, world, schemas):
    facility, _people, staff, token = world
    limit = _limit(schemas, "PointsCreate", "reference")
    url = f"/api/v1/staff/{staff.staff_code}/points"
    response = client.post(url, json=_points_body(facility, "号" * (limit + 1)), headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"reference": "不能超过80个字符"}
    assert count_rows(db, PointRecord) == 0

    response = client.post(url, json=_points_body(facility, "号" * limit), headers=token)
    assert response.status_code == 201, response.get_json()


# A JSON escape of half a character ("\ud800" without its pair) decodes to text that cannot
# be encoded as UTF-8: saving or searching for it was a 500 error.
HALF = "\ud800"


def _json(body: dict) -> dict:
    """Keyword arguments posting ``body`` as JSON text (non-ASCII as \\u escapes)."""
    return {"data": json.dumps(body), "content_type": "application/json"}


@pytest.mark.parametrize("field", ["violation", "reference"])
def test_points_text_with_a_lone_surrogate_is_refused(db, client, world, field):
    facility, _people, staff, token = world
    url = f"/api/v1/staff/{staff.staff_code}/points"
    body = _points_body(facility, "通医保罚〔2026〕9号") | {field: "串换" + HALF}
    response = client.post(url, **_json(body), headers=token)
    assert response.status_code == 400
    assert "\\uD800" in response.get_json()["error"]["message"]
    assert count_rows(db, PointRecord) == 0

    body[field] = "串换\U0001f48a"  # a pair of escapes is one character, and is stored
    response = client.post(url, **_json(body), headers=token)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "change",
    [
        {"notes": "a" + HALF},
        {"reference": "\udfff"},
        {"inspectors": [HALF]},
        {"findings": [{"category": "beyond_coverage", "description": "超范围" + HALF}]},
        {"findings": [{"category": "beyond_coverage", "description": "x", "staff": [HALF]}]},
    ],
)
def test_an_inspection_with_a_lone_surrogate_is_refused(db, client, world, change):
    facility, people, _staff, token = world
    body = _inspection_body(facility, people, findings=[]) | change
    response = client.post("/api/v1/inspections", **_json(body), headers=token)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"code": 400, "message": response.get_json()["error"]["message"]}
    }
    assert count_rows(db, Inspection) == 0


def test_a_control_character_in_api_text_is_refused_but_line_breaks_are_kept(db, client, world):
    """As on the pages: no control characters (an XLSX export cannot hold them), but a
    description may run over several lines."""
    facility, people, _staff, token = world
    body = _inspection_body(facility, people)
    body["findings"][0]["description"] = "重复\x1b收费"
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"findings[0].description": "不能包含控制字符"}
    assert count_rows(db, Inspection) == 0

    body["findings"][0]["description"] = "重复收费：\n\t1. 某项目"
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("violation", "message"),
    [("\u200b\ufeff", "此项必填"), ("串换\x07药品", "不能包含控制字符"), (7, "应为字符串")],
)
def test_points_text_no_one_can_read_is_refused(db, client, world, violation, message):
    facility, _people, staff, token = world
    body = _points_body(facility, "通医保记〔2026〕9号") | {"violation": violation}
    url = f"/api/v1/staff/{staff.staff_code}/points"
    response = client.post(url, json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"violation": message}
    assert count_rows(db, PointRecord) == 0


def test_a_line_break_in_a_single_line_api_field_is_refused(db, client, world):
    facility, people, _staff, token = world
    body = _inspection_body(facility, people, findings=[], reference="通医保检\n〔2026〕1号")
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"reference": "不能包含换行、制表符等控制字符"}
    assert count_rows(db, Inspection) == 0


def _form_limit(form_class, field: str) -> int:
    from wtforms.validators import Length

    validators = getattr(form_class, field).kwargs["validators"]
    return next(v.max for v in validators if isinstance(v, Length))


def test_free_text_is_refused_over_the_length_the_pages_allow(db, client, world, schemas):
    """Text the API took longer than the page allows made the page refuse every later edit
    of the record (and filled pages and the audit log with megabytes)."""
    from portal.bureau.forms_inspections import (
        CancelInspectionForm,
        FindingForm,
        InspectionForm,
    )
    from portal.bureau.forms_points import PointRecordForm

    facility, people, staff, token = world
    notes = schemas["InspectionCreate"]["properties"]["notes"]["maxLength"]
    description = schemas["FindingCreate"]["properties"]["description"]["maxLength"]
    violation = schemas["PointsCreate"]["properties"]["violation"]["maxLength"]
    reason = schemas["InspectionCancel"]["properties"]["reason"]["maxLength"]
    assert (notes, description, violation, reason) == (
        _form_limit(InspectionForm, "notes"),
        _form_limit(FindingForm, "description"),
        _form_limit(PointRecordForm, "violation"),
        _form_limit(CancelInspectionForm, "reason"),
    )

    body = _inspection_body(facility, people, notes="注" * (notes + 1))
    body["findings"][0]["description"] = "事" * (description + 1)
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "notes": f"不能超过{notes}个字符",
        "findings[0].description": f"不能超过{description}个字符",
    }
    assert count_rows(db, Inspection) == 0
    body = _inspection_body(facility, people, findings=[], notes="注" * notes)
    response = client.post("/api/v1/inspections", json=body, headers=token)
    assert response.status_code == 201
    url = f"/api/v1/inspections/{response.get_json()['id']}"
    too_long = client.patch(url, json={"notes": "改" * (notes + 1)}, headers=token)
    assert too_long.get_json()["error"]["fields"] == {"notes": f"不能超过{notes}个字符"}
    cancel = client.post(f"{url}/cancel", json={"reason": "误" * (reason + 1)}, headers=token)
    assert cancel.get_json()["error"]["fields"] == {"reason": f"不能超过{reason}个字符"}
    assert db.session.get(Inspection, int(url.rsplit("/", 1)[1])).status.value == "open"

    points = f"/api/v1/staff/{staff.staff_code}/points"
    long_points = _points_body(facility, "号") | {"violation": "违" * (violation + 1)}
    response = client.post(points, json=long_points, headers=token)
    assert response.get_json()["error"]["fields"] == {"violation": f"不能超过{violation}个字符"}
    assert count_rows(db, PointRecord) == 0


def test_points_refuse_a_field_they_do_not_take(db, client, world):
    facility, _people, staff, token = world
    body = _points_body(facility, "号") | {"decided": "2026-01-01"}
    response = client.post(f"/api/v1/staff/{staff.staff_code}/points", json=body, headers=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"decided": "本接口不接受此字段"}
    assert count_rows(db, PointRecord) == 0
