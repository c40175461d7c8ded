"""API: facility grades and credit breakdowns, history, recording inspections, OpenAPI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.models.enums import (
    FacilityKind,
    HospitalLevel,
    PointSource,
    Responsibility,
    Role,
    Severity,
)
from portal.models.inspections import Finding, Inspection
from portal.operations.credit import recompute_grade
from portal.operations.points import record_points
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def graded(db, make_facility, make_user):
    """Three facilities: one B (a confirmed finding), one A, one not yet graded."""
    one, two = two_inspectors(make_user)
    b = make_facility(name="乙级医院")
    a = make_facility(name="甲级医院")
    make_facility(name="未评医院")
    today = china_today()
    finding, _row = confirmed_finding(
        one, inspection(one, b, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None, category="inflated_charges",
        amount_involved_fen=2_500_000,
    )  # fmt: skip
    recompute_grade(a, "manual", today=today)
    db.session.commit()
    return {"A": a, "B": b, "finding": finding, "inspectors": (one, two)}


def test_facility_list_filters_by_grade_and_shows_it(client, graded):
    body = client.get("/api/v1/facilities?grade=b").get_json()
    assert [f["name"] for f in body["items"]] == ["乙级医院"]
    assert body["items"][0]["grade"] == "B" and body["items"][0]["score"] == 88.0
    assert client.get("/api/v1/facilities?grade=A").get_json()["total"] == 1
    bad = client.get("/api/v1/facilities?grade=Z")
    assert bad.status_code == 422 and "grade" in bad.get_json()["error"]["fields"]
    one = client.get(f"/api/v1/facilities/{graded['A'].site_code}").get_json()
    assert one["grade"] == "A" and one["credit_url"].endswith("/credit")


def test_credit_breakdown_names_its_sources_and_sums_to_the_score(client, graded):
    site = graded["B"].site_code
    body = client.get(f"/api/v1/facilities/{site}/credit").get_json()
    assert body["grade"] == "B" and body["score"] == 88.0 and body["graded"]
    assert body["rulebook_version"] and body["computed_at"]
    assert body["supervision"]["inspections_per_year"] == 2
    assert body["breakdown"][0]["source"] == {"type": "finding", "id": graded["finding"].id}
    assert body["base"] + sum(i["points"] for i in body["breakdown"]) == body["score"]
    history = client.get(f"/api/v1/facilities/{site}/credit/history").get_json()
    assert history["total"] == 1 and history["items"][0]["grade"] == "B"
    assert history["items"][0]["trigger"] == "finding.confirm"
    assert client.get("/api/v1/facilities/H99999999999/credit").status_code == 404
    assert client.get("/api/v1/facilities/H99999999999/credit/history").status_code == 404


def test_not_yet_graded_facility_has_an_empty_credit(client, db, make_facility):
    facility = make_facility()
    db.session.commit()
    body = client.get(f"/api/v1/facilities/{facility.site_code}/credit").get_json()
    assert body["graded"] is False and body["grade"] is None and body["breakdown"] == []


def test_a_terminated_facility_has_no_supervision_measures(client, db, graded, make_user):
    """Its grade is capped at D, but a terminated agreement ends supervision by grade."""
    from portal.models.enums import FacilityStatus
    from portal.operations.registry import update_facility

    facility = graded["A"]
    update_facility(make_user(Role.ADMIN), facility, {"status": FacilityStatus.TERMINATED})
    db.session.commit()
    body = client.get(f"/api/v1/facilities/{facility.site_code}/credit").get_json()
    assert body["grade"] == "D" and body["caps"] == ["terminated"]
    assert body["supervision"] is None


def test_public_breakdown_hides_names_staff_sees_them(db, client, make_facility, make_staff,
                                                      make_user):  # fmt: skip
    facility = make_facility()
    staff = make_staff([facility])
    inspector = make_user(Role.INSPECTOR, "api_insp")
    record_points(
        inspector, staff, facility=facility, violation="串换", severity=Severity.SERIOUS,
        responsibility=Responsibility.MAIN, decided_on=china_today(), source=PointSource.FINDING,
        reference="文号", today=china_today(),
    )  # fmt: skip
    token = create_api_token(None, inspector)
    db.session.commit()
    url = f"/api/v1/facilities/{facility.site_code}/credit"
    public = client.get(url).get_json()["breakdown"][0]
    assert staff.staff_code not in public["label"] and public["source"]["type"] == "point_record"
    staff_view = client.get(url, headers=_bearer(token)).get_json()["breakdown"][0]
    assert staff.staff_code in staff_view["label"]


@pytest.fixture
def token(db, make_user):
    value = create_api_token(None, make_user(Role.INSPECTOR, "api_recorder"))
    db.session.commit()
    return value


def _inspection_body(target, people, **overrides):
    today = china_today().isoformat()
    return {
        "facility": target.site_code,
        "kind": "double_random",
        "trigger": "plan",
        "start_date": today,
        "inspectors": [u.username for u in people],
        "findings": [
            {
                "category": "improper_charging",
                "description": "重复收费",
                "amount_involved_fen": 120_000,
                "handling_results": ["talk_rectify", "fund_recovery"],
                "decision_number": "通医保罚〔2026〕20号",
                "decision_date": today,
                "confirm": True,
            },
            {"category": "beyond_coverage", "description": "超范围用药"},
        ],
    } | overrides


def test_post_inspection_with_findings(db, client, make_facility, make_user, token):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    response = client.post(
        "/api/v1/inspections", json=_inspection_body(facility, [one, two]), headers=_bearer(token)
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [f["status"] for f in body["findings"]] == ["confirmed", "draft"]
    assert body["facility"]["grade"] == "A" and body["facility"]["score"] == 95.0
    assert db.session.get(Inspection, body["id"]).inspectors[0].username in ("insp_a", "insp_b")


def test_post_inspection_validation_is_all_or_nothing(db, client, make_facility, make_user, token):
    facility = make_facility()
    pharmacy = make_facility(kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED)
    one, two = two_inspectors(make_user)
    url, headers = "/api/v1/inspections", _bearer(token)
    assert client.post(url, json=_inspection_body(facility, [one, two])).status_code == 401
    assert client.post(url, data="x", headers=headers).status_code == 422
    fields = client.post(
        url,
        json=_inspection_body(facility, [one], kind="nope", start_date="2026-13-01",
                              facility="H0", inspectors=["ghost"]),
        headers=headers,
    ).get_json()["error"]["fields"]  # fmt: skip
    assert set(fields) >= {"kind", "start_date", "facility", "inspectors"}
    single = client.post(url, json=_inspection_body(facility, [one]), headers=headers)
    assert (
        single.status_code == 422
        and "2名以上" in single.get_json()["error"]["fields"]["inspectors"]
    )
    body = _inspection_body(pharmacy, [one, two])
    body["findings"][1]["amount_involved_fen"] = -5
    wrong = client.post(url, json=body, headers=headers)
    assert wrong.status_code == 422
    assert "findings[1].amount_involved_fen" in wrong.get_json()["error"]["fields"]
    body["findings"][1]["amount_involved_fen"] = 5
    wrong = client.post(url, json=body, headers=headers).get_json()["error"]["fields"]
    # Hospital categories at a pharmacy: every finding named in the one answer.
    assert sorted(wrong) == ["findings[0].category", "findings[1].category"]
    no_result = _inspection_body(facility, [one, two])
    no_result["findings"][0]["handling_results"] = []
    fields = client.post(url, json=no_result, headers=headers).get_json()["error"]["fields"]
    assert list(fields) == ["findings[0].handling_results"]
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_post_inspection_needs_the_permission(db, client, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    auditor_token = create_api_token(None, make_user(Role.AUDITOR, "api_auditor"))
    db.session.commit()
    response = client.post(
        "/api/v1/inspections",
        json=_inspection_body(facility, [one, two]),
        headers=_bearer(auditor_token),
    )
    assert response.status_code == 403


@pytest.fixture
def bind_limit(db):
    """At most 32,766 parameters a statement on SQLite too (its default build's limit; this
    one's may be higher), as PostgreSQL allows at most 65,535."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    import sqlite3

    connection = db.session.connection().connection.driver_connection
    previous = connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    yield
    connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)


def test_more_names_than_a_statement_can_bind_are_each_looked_up(
    db, client, make_facility, make_staff, make_user, token, bind_limit
):
    """Names are looked up in batches: 70,000 in one IN list was a 500 error."""
    facility = make_facility()
    staff = make_staff([facility])
    people = two_inspectors(make_user)
    ghosts = [f"g{n}" for n in range(70_000)]
    body = _inspection_body(facility, people, inspectors=[u.username for u in people] + ghosts)
    body["findings"][1]["staff"] = [staff.staff_code.lower(), *ghosts, staff.staff_code]
    response = client.post("/api/v1/inspections", json=body, headers=_bearer(token))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert sorted(fields) == ["findings[1].staff", "inspectors"]
    assert fields["inspectors"] == "未找到账号：" + "、".join(sorted(ghosts))
    assert fields["findings[1].staff"] == "未找到人员编码：" + "、".join(
        sorted(g.upper() for g in ghosts)
    )
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_openapi_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "/api/v1"}]
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert documented == routes
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert op["summary"] and op["responses"], path
    # Every schema reference resolves.
    text = str(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"]
