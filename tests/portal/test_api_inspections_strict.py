"""POST /api/v1/inspections reads its body strictly and answers every problem at once:
a value of the wrong JSON type is refused, never coerced (the string "false" is not
false), and nothing is recorded unless everything is valid."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models.enums import Role
from portal.models.inspections import Finding, FindingStatus, Inspection
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import two_inspectors
from tests.portal.test_credit_api import _bearer, _inspection_body
from tests.portal.web_helpers import count_rows

URL = "/api/v1/inspections"


@pytest.fixture
def api(db, client, make_facility, make_user):
    """Post a body (overrides of the findings' and inspection's fields) with a staff token."""
    facility = make_facility()
    people = two_inspectors(make_user)
    token = create_api_token(None, make_user(Role.INSPECTOR, "api_strict"))
    db.session.commit()

    def post(body=None, **overrides):
        body = body if body is not None else _inspection_body(facility, people, **overrides)
        return client.post(URL, json=body, headers=_bearer(token))

    post.body = lambda **o: _inspection_body(facility, people, **o)
    return post


@pytest.mark.parametrize("value", ["false", "no", 0, 1, "true", None])
@pytest.mark.parametrize("field", ["confirm", "self_corrected"])
def test_a_finding_flag_that_is_not_a_json_boolean_is_refused(db, api, field, value):
    body = api.body()
    body["findings"][1][field] = value
    response = api(body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][f"findings[1].{field}"] == "应为 true 或 false"
    assert count_rows(db, Finding) == 0 and count_rows(db, Inspection) == 0


def test_on_site_must_be_a_json_boolean(db, api):
    response = api(on_site="false")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["on_site"] == "应为 true 或 false"
    assert count_rows(db, Inspection) == 0


def test_json_false_is_false(db, api):
    body = api.body()
    body["findings"][0]["confirm"] = False
    response = api(body)
    assert response.status_code == 201, response.get_json()
    assert {f.status for f in db.session.query(Finding)} == {FindingStatus.DRAFT}


@pytest.mark.parametrize("value", [20261120, "20261120", "2026-1-2", ["2026-11-20"]])
def test_a_date_not_written_as_yyyy_mm_dd_is_refused(db, api, value):
    response = api(start_date=value)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["start_date"] == "日期格式应为 YYYY-MM-DD"
    assert count_rows(db, Inspection) == 0


@pytest.mark.parametrize("field", ["reference", "notes"])
def test_a_text_field_that_is_not_a_string_is_refused(db, api, field):
    response = api(**{field: {"x": 1}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == "应为字符串"


def test_every_problem_is_named_in_one_answer(db, api):
    body = api.body()
    body["findings"][0] |= {"category": "nonsense", "handling_results": ["x"]}
    body["findings"][1] |= {"amount_involved_fen": 1.5, "self_corrected": "yes"}
    fields = api(body).get_json()["error"]["fields"]
    assert set(fields) == {
        "findings[0].category",
        "findings[0].handling_results",
        "findings[1].amount_involved_fen",
        "findings[1].self_corrected",
    }
    assert count_rows(db, Finding) == 0


def test_a_finding_to_confirm_names_what_confirmation_needs_with_the_other_problems(db, api):
    body = api.body()
    body["findings"][0] |= {"decision_number": "", "amount_refunded_fen": 999_999_999}
    fields = api(body).get_json()["error"]["fields"]
    assert fields["findings[0].decision_number"] == "认定前须填写决定书文号"
    assert fields["findings[0].amount_refunded_fen"] == "不能超过涉及金额"
    assert count_rows(db, Finding) == 0


def test_an_auditor_cannot_be_named_as_an_inspector(db, api, make_user):
    auditor = make_user(Role.AUDITOR, "api_aud")
    db.session.commit()
    body = api.body(inspectors=["insp_a", auditor.username])
    response = api(body)
    assert response.status_code == 422
    assert "审计员除外" in response.get_json()["error"]["fields"]["inspectors"]
    assert count_rows(db, Inspection) == 0


def test_an_inspection_cannot_start_after_today(db, api):
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    response = api(start_date=tomorrow)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["start_date"] == "开始日期不能晚于今天"
    assert count_rows(db, Inspection) == 0


def test_leniency_needs_the_money_refunded_in_full(db, api):
    body = api.body()
    body["findings"][0] |= {"self_corrected": True, "amount_refunded_fen": 119_999}
    fields = api(body).get_json()["error"]["fields"]
    assert "全额退回" in fields["findings[0].self_corrected"]
    body["findings"][0]["amount_refunded_fen"] = 120_000
    response = api(body)
    assert response.status_code == 201, response.get_json()
    assert db.session.query(Finding).filter_by(self_corrected=True).count() == 1


def test_the_answer_links_the_credit_with_an_absolute_url(db, api):
    response = api()
    assert response.status_code == 201
    assert response.get_json()["credit_url"].startswith("http://localhost/api/v1/facilities/")


@pytest.mark.parametrize("confirm", [True, False])
def test_an_article_for_individuals_is_refused_for_a_facility_finding(db, api, confirm):
    # Art 41 of the regulation punishes insured persons, never a facility.
    body = api.body()
    body["findings"][0] |= {"legal_article": "41", "confirm": confirm}
    response = api(body)
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["findings[0].legal_article"]
    assert "第41条" in message and "定点医药机构" in message
    assert count_rows(db, Finding) == 0 and count_rows(db, Inspection) == 0
    body["findings"][0]["legal_article"] = "38"
    assert api(body).status_code == 201


def test_fields_the_request_does_not_take_are_refused_naming_them(db, api):
    """ "finding" for "findings" recorded an inspection without its findings, "onsite" an
    on-site one: a field not in the OpenAPI document is refused, not ignored."""
    body = api.body()
    body["finding"] = body.pop("findings")
    body["onsite"] = False
    body["status"] = "closed"
    response = api(body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "finding": "本接口不接受此字段",
        "onsite": "本接口不接受此字段",
        "status": "本接口不接受此字段",
    }
    body = api.body()
    body["findings"][0]["amount_fen"] = 100
    response = api(body)
    assert response.get_json()["error"]["fields"] == {
        "findings[0].amount_fen": "本接口不接受此字段"
    }
    assert count_rows(db, Inspection) == 0


def test_the_documented_request_schemas_refuse_other_fields(client):
    """What the API does is what the document says."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("InspectionCreate", "FindingCreate", "PointsCreate", "InspectionClose",
                 "InspectionCancel", "InspectionUpdate"):  # fmt: skip
        assert schemas[name]["additionalProperties"] is False, name


def test_a_violation_period_beginning_after_today_is_refused(db, api):
    """Refused for its end already; a start alone in the future passed."""
    body = api.body()
    body["findings"][0] |= {"period_start": (china_today() + timedelta(days=1)).isoformat()}
    body["findings"][0].pop("period_end", None)
    response = api(body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "findings[0].period_start": "违规期间不能晚于今天"
    }
    assert count_rows(db, Inspection) == 0
