"""An inspection recorded again through the API: one the facility already has of the same
kind, begun the same day and not cancelled, is refused with 409 naming it unless the body
says it is another (``distinct_from`` or ``confirm_distinct``); the audit row says so. The
bureau's page: ``test_inspection_duplicates``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models.inspections import Finding, Inspection
from portal.operations.inspection_changes import cancel_inspection
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import two_inspectors
from tests.portal.test_credit_api import _bearer, _inspection_body
from tests.portal.web_helpers import count_rows, last_audit_row


@pytest.fixture
def api(db, client, make_facility, make_user):
    """Post an inspection with a confirmed and a draft finding (``overrides`` change the
    body) with a staff token."""
    facility = make_facility()
    people = two_inspectors(make_user)
    token = create_api_token(None, people[0])
    db.session.commit()

    def post(**overrides):
        body = _inspection_body(facility, people, **overrides)
        return client.post("/api/v1/inspections", json=body, headers=_bearer(token))

    post.facility, post.people = facility, people
    return post


def test_api_the_same_inspection_again_is_a_409_naming_it(db, api):
    first = api(reference="通医保检〔2026〕40号")
    assert first.status_code == 201, first.get_json()
    first_id = first.get_json()["id"]
    score = api.facility.credit_score
    again = api(reference="通医保检〔2026〕40号")
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == 409
    assert (
        f"检查记录 #{first_id}" in error["message"]
        and '"confirm_distinct": true' in error["message"]
    )
    assert error["fields"] == {"confirm_distinct": error["message"]}
    (existing,) = error["existing"]
    assert existing == {
        "id": first_id,
        "reference": "通医保检〔2026〕40号",
        "kind": "double_random",
        "start_date": china_today().isoformat(),
        "end_date": None,
        "status": "open",
        "url": f"http://localhost/bureau/inspections/{first_id}",
    }
    # Nothing of the second is stored: the grade is docked once.
    assert count_rows(db, Inspection) == 1 and count_rows(db, Finding) == 2
    db.session.expire_all()
    assert api.facility.credit_score == score


def test_api_confirm_distinct_records_it_and_the_audit_says_so(db, api):
    first_id = api().get_json()["id"]
    response = api(confirm_distinct=True, findings=[])
    assert response.status_code == 201, response.get_json()
    second_id = response.get_json()["id"]
    assert count_rows(db, Inspection) == 2
    row = last_audit_row(db, "inspection.create")
    assert row.object_id == str(second_id)
    assert row.summary["after"]["confirmed_distinct_from"] == [first_id]


def test_api_distinct_from_records_it_once_when_the_request_is_sent_twice(db, api):
    """``distinct_from`` names the inspections the caller was shown: the same confirmed
    request sent again (a retry after a timeout) finds the first and is refused."""
    first_id = api().get_json()["id"]
    refused = api().get_json()["error"]
    assert f'"distinct_from": [{first_id}]' in refused["message"]
    assert refused["recorded_since"] == []
    body = {"distinct_from": [first_id], "findings": []}
    response = api(**body)
    assert response.status_code == 201, response.get_json()
    second_id = response.get_json()["id"]
    row = last_audit_row(db, "inspection.create")
    assert row.summary["after"]["confirmed_distinct_from"] == [first_id]

    again = api(**body)
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert [i["id"] for i in error["existing"]] == [first_id, second_id]
    assert error["recorded_since"] == [second_id]
    assert f"检查记录 #{second_id}" in error["message"] and "发送了两次" in error["message"]
    assert error["fields"] == {"distinct_from": error["message"]}
    assert count_rows(db, Inspection) == 2
    # Both named: a third is recorded.
    third = api(distinct_from=[first_id, second_id], findings=[])
    assert third.status_code == 201, third.get_json()
    assert count_rows(db, Inspection) == 3


def test_api_distinct_from_naming_none_of_them_confirms_nothing(db, api):
    first_id = api(findings=[]).get_json()["id"]
    for listed in ([], [first_id + 100]):
        response = api(distinct_from=listed, findings=[])
        assert response.status_code == 409
        error = response.get_json()["error"]
        assert error["fields"].keys() == {"confirm_distinct"} and error["recorded_since"] == []
    assert count_rows(db, Inspection) == 1


def test_api_distinct_from_without_anything_alike_records_it(db, api):
    response = api(distinct_from=[5], findings=[])
    assert response.status_code == 201, response.get_json()
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


@pytest.mark.parametrize("value", [5, "5", [0], [True], ["5"], [1.5], {"id": 5}])
def test_api_distinct_from_must_be_an_array_of_ids(db, api, value):
    response = api(distinct_from=value)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["distinct_from"] == "应为检查记录编号（正整数）数组"
    assert count_rows(db, Inspection) == 0


@pytest.mark.parametrize("value", ["true", 1, None])
def test_api_confirm_distinct_must_be_a_json_boolean(db, api, value):
    response = api(confirm_distinct=value)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["confirm_distinct"] == "应为 true 或 false"
    assert count_rows(db, Inspection) == 0


def test_api_an_invalid_request_is_a_422_before_any_409(db, api):
    assert api().status_code == 201
    response = api(inspectors=["nobody"])
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"inspectors"}


def test_api_a_cancelled_inspection_does_not_count(db, api):
    first_id = api(findings=[]).get_json()["id"]
    cancel_inspection(api.people[0], db.session.get(Inspection, first_id), "误登记")
    db.session.commit()
    response = api(findings=[])
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("change", ["kind", "start_date"])
def test_api_another_kind_or_day_is_recorded(db, api, change):
    assert api(findings=[]).status_code == 201
    other = {"kind": "flight", "start_date": (china_today() - timedelta(days=1)).isoformat()}
    response = api(findings=[], **{change: other[change]})
    assert response.status_code == 201, response.get_json()
