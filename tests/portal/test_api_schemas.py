"""Real API responses validated against the schemas of /api/v1/openapi.json.

Every documented response (path, method, status) is fetched from an app with data, and its
body is validated with jsonschema after ``$ref``s are resolved. Object schemas are made
strict here (``additionalProperties: false``), so a field the API sends but the document
does not name fails, as does a documented required field the API leaves out; formats
(dates, absolute URLs) are checked too. A last test removes each documented property in
turn and checks that some real response then fails: no property is documented without a
response that shows it.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from urllib.parse import urlsplit

import jsonschema
import pytest
from flask import current_app

from portal.models.enums import Responsibility, Role, Severity
from portal.operations.credit import recompute_grade
from portal.operations.users import create_api_token
from portal.web import china_today
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors
from tests.portal import pledge_helpers as h
from tests.portal.points_helpers import record_for

pytestmark = pytest.mark.usefixtures("storage_root", "fake_pdf_render")

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(date.fromisoformat(value)))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    return not isinstance(value, str) or ("T" in value and bool(datetime.fromisoformat(value)))


@FORMATS.checks("uri")
def _is_absolute_url(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@FORMATS.checks("uri-reference")
def _is_url_reference(value) -> bool:
    return not isinstance(value, str) or (bool(value) and " " not in value)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db, make_facility, make_staff, make_user):
    """A graded facility with a verified pledge and a staff member under a sanction, an
    ungraded one, a facility outside the pledge campaign, tokens with and without the
    right to record."""
    today = china_today()
    one, two = two_inspectors(make_user)
    graded = make_facility(name="评级医院")
    ungraded = make_facility(name="未评医院")
    found = inspection(one, graded, [one, two], start=today)
    confirmed_finding(
        one, found, today=today, decision_date=today,
        period_start=None, period_end=None, category="inflated_charges",
        amount_involved_fen=2_500_000,
    )  # fmt: skip
    recompute_grade(graded, "manual", today=today)
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, graded)
    h.upload(None, pledge)
    h.verify(None, pledge)
    outside = make_facility(name="新定点医院")  # opened after the campaign: no pledge
    staff = make_staff([graded, ungraded])
    record_for(one, staff, graded, Severity.GRAVEST, Responsibility.MAIN, day=today, today=today)
    # Two more inspections to correct, close and cancel (a day apart, of the same kind).
    to_change = inspection(one, graded, [one, two], start=date(2026, 6, 1))
    to_close = inspection(one, graded, [one, two], start=date(2026, 6, 2))
    token = create_api_token(None, one)
    auditor = create_api_token(None, make_user(Role.AUDITOR, "schema_auditor"))
    db.session.commit()
    return {
        "found": found.id,
        "to_change": to_change.id,
        "to_close": to_close.id,
        "graded": graded.site_code,
        "ungraded": ungraded.site_code,
        "outside": outside.site_code,
        "staff": staff.staff_code,
        "inspectors": [one.username, two.username],
        "token": token,
        "auditor": auditor,
    }


def _requests(w: dict) -> list[tuple]:
    """(documented path, method, expected status, URL, keyword arguments for the client)."""
    sc, staff = w["graded"], w["staff"]
    token, auditor = _bearer(w["token"]), _bearer(w["auditor"])
    points = {
        "facility": sc, "violation": "串换药品", "severity": "minor",
        "responsibility": "general", "decided_on": china_today().isoformat(),
        "source": "manual", "reference": "通医保罚〔2026〕9号",
    }  # fmt: skip
    visit = {
        "facility": sc, "kind": "double_random", "trigger": "plan",
        "start_date": china_today().isoformat(), "inspectors": w["inspectors"],
        "findings": [{"category": "beyond_coverage", "description": "超范围用药"}],
    }  # fmt: skip
    facility = "/facilities/{site_code}"
    return [
        ("/health", "get", 200, "/health", {}),
        ("/openapi.json", "get", 200, "/openapi.json", {}),
        ("/facilities", "get", 200, "/facilities?per_page=100", {}),
        ("/facilities", "get", 400, "/facilities?page=0", {}),
        ("/facilities", "get", 422, "/facilities?kind=Clinic&grade=Z", {}),
        (facility, "get", 200, f"/facilities/{sc}", {}),
        (facility, "get", 200, f"/facilities/{w['outside']}", {}),
        (facility, "get", 404, "/facilities/H00000000000", {}),
        (facility + "/credit", "get", 200, f"/facilities/{sc}/credit", {}),
        (facility + "/credit", "get", 200, f"/facilities/{sc}/credit", {"headers": token}),
        (facility + "/credit", "get", 200, f"/facilities/{w['ungraded']}/credit", {}),
        (facility + "/credit", "get", 404, "/facilities/H00000000000/credit", {}),
        (facility + "/credit/history", "get", 200, f"/facilities/{sc}/credit/history", {}),
        (facility + "/credit/history", "get", 400, f"/facilities/{sc}/credit/history?per_page=x",
         {}),
        (facility + "/credit/history", "get", 404, "/facilities/H00000000000/credit/history",
         {}),
        (facility + "/pledge", "get", 200, f"/facilities/{sc}/pledge", {}),
        (facility + "/pledge", "get", 200, f"/facilities/{w['outside']}/pledge", {}),
        (facility + "/pledge", "get", 404, "/facilities/H00000000000/pledge", {}),
        ("/staff/{staff_code}", "get", 200, f"/staff/{staff}", {"headers": token}),
        ("/staff/{staff_code}", "get", 401, f"/staff/{staff}", {}),
        ("/staff/{staff_code}", "get", 404, "/staff/D000000001", {"headers": token}),
        ("/staff/{staff_code}/points", "get", 200, f"/staff/{staff}/points", {"headers": token}),
        ("/staff/{staff_code}/points", "get", 401, f"/staff/{staff}/points", {}),
        ("/staff/{staff_code}/points", "get", 404, "/staff/D000000001/points",
         {"headers": token}),
        ("/staff/{staff_code}/points", "post", 201, f"/staff/{staff}/points",
         {"headers": token, "json": points}),
        # The same again: the record just made, named.
        ("/staff/{staff_code}/points", "post", 409, f"/staff/{staff}/points",
         {"headers": token, "json": points}),
        ("/staff/{staff_code}/points", "post", 401, f"/staff/{staff}/points", {"json": points}),
        ("/staff/{staff_code}/points", "post", 403, f"/staff/{staff}/points",
         {"headers": auditor, "json": points}),
        ("/staff/{staff_code}/points", "post", 404, "/staff/D000000001/points",
         {"headers": token, "json": points}),
        ("/staff/{staff_code}/points", "post", 422, f"/staff/{staff}/points",
         {"headers": token, "json": points | {"severity": "huge"}}),
        ("/inspections", "post", 201, "/inspections", {"headers": token, "json": visit}),
        # The same again: the inspection just recorded, named.
        ("/inspections", "post", 409, "/inspections", {"headers": token, "json": visit}),
        ("/inspections", "post", 401, "/inspections", {"json": visit}),
        ("/inspections", "post", 403, "/inspections", {"headers": auditor, "json": visit}),
        ("/inspections", "post", 422, "/inspections",
         {"headers": token, "json": visit | {"kind": "nope"}}),
        *_inspection_requests(w),
        *_refused_requests(w),
    ]  # fmt: skip


def _inspection_requests(w: dict) -> list[tuple]:
    """Reading, correcting, closing and cancelling an inspection, in that order."""
    token, auditor = _bearer(w["token"]), _bearer(w["auditor"])
    one = "/inspections/{inspection_id}"
    found, change, close = (f"/inspections/{w[k]}" for k in ("found", "to_change", "to_close"))
    missing = "/inspections/987654321"
    notes, reason = {"notes": "补记"}, {"reason": "误录"}
    listed = f"/inspections?facility={w['graded']}&status=open&start_from=2026-01-01"
    return [
        ("/inspections", "get", 200, listed, {"headers": token}),
        ("/inspections", "get", 400, "/inspections?per_page=0", {"headers": token}),
        ("/inspections", "get", 401, "/inspections", {}),
        ("/inspections", "get", 422, "/inspections?status=done&kind=x", {"headers": token}),
        (one, "get", 200, found, {"headers": token}),
        (one, "get", 401, found, {}),
        (one, "get", 404, missing, {"headers": token}),
        (one, "patch", 200, found, {"headers": token, "json": notes}),  # with its finding
        # Moved to the start date of the other one, of the same kind: confirmation wanted.
        (one, "patch", 409, change, {"headers": token, "json": {"start_date": "2026-06-02"}}),
        (one, "patch", 401, change, {"json": notes}),
        (one, "patch", 403, change, {"headers": auditor, "json": notes}),
        (one, "patch", 404, missing, {"headers": token, "json": notes}),
        (one, "patch", 422, change, {"headers": token, "json": {"kind": "nope"}}),
        (one + "/close", "post", 200, close + "/close", {"headers": token, "json": {}}),
        (one + "/close", "post", 401, close + "/close", {}),
        (one + "/close", "post", 403, close + "/close", {"headers": auditor}),
        (one + "/close", "post", 404, missing + "/close", {"headers": token}),
        (one + "/close", "post", 422, close + "/close", {"headers": token}),  # closed already
        (one + "/cancel", "post", 200, change + "/cancel", {"headers": token, "json": reason}),
        (one + "/cancel", "post", 401, change + "/cancel", {"json": reason}),
        (one + "/cancel", "post", 403, change + "/cancel", {"headers": auditor, "json": reason}),
        (one + "/cancel", "post", 404, missing + "/cancel", {"headers": token, "json": reason}),
        (one + "/cancel", "post", 422, change + "/cancel", {"headers": token, "json": reason}),
    ]  # fmt: skip


def _refused_requests(w: dict) -> list[tuple]:
    """Each operation's 400 for a NUL in the query (or, for a POST, in the JSON body), and
    each POST's 413 for a body over the request limit."""
    sc, staff, token = w["graded"], w["staff"], _bearer(w["token"])
    urls = {
        "/health": "/health", "/openapi.json": "/openapi.json", "/facilities": "/facilities",
        "/facilities/{site_code}": f"/facilities/{sc}",
        "/facilities/{site_code}/credit": f"/facilities/{sc}/credit",
        "/facilities/{site_code}/credit/history": f"/facilities/{sc}/credit/history",
        "/facilities/{site_code}/pledge": f"/facilities/{sc}/pledge",
        "/staff/{staff_code}": f"/staff/{staff}",
        "/staff/{staff_code}/points": f"/staff/{staff}/points",
        "/inspections": "/inspections",
        "/inspections/{inspection_id}": f"/inspections/{w['found']}",
    }  # fmt: skip
    out = [(path, "get", 400, url + "?q=%00", {"headers": token}) for path, url in urls.items()]
    too_large = b"[" + b" " * current_app.config["MAX_CONTENT_LENGTH"] + b"]"
    points, one = "/staff/{staff_code}/points", "/inspections/{inspection_id}"
    found = urls[one]
    for method, path, url in (("post", points, urls[points]),
                              ("post", "/inspections", "/inspections"),
                              ("patch", one, found),
                              ("post", one + "/close", found + "/close"),
                              ("post", one + "/cancel", found + "/cancel")):  # fmt: skip
        out += [
            (path, method, 400, url, {"headers": token, "json": {"facility": "\x00"}}),
            (path, method, 413, url, {"headers": token, "data": too_large,
                                      "content_type": "application/json"}),
        ]  # fmt: skip
    return out


@pytest.fixture
def exchanges(client, world):
    """(documented path, method, status, URL, JSON body) of every request, as answered."""
    done = []
    for path, method, status, url, kwargs in _requests(world):
        response = getattr(client, method)("/api/v1" + url, **kwargs)
        assert response.status_code == status, (method, url, response.get_json())
        assert response.is_json, (method, url)
        done.append((path, method, status, url, response.get_json()))
    return done


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def strict(schema: dict, components: dict) -> dict:
    """JSON Schema from an OpenAPI 3.0 schema: ``$ref``s inlined, ``nullable`` as a null
    type, and objects that list properties closed to any other property."""
    if "$ref" in schema:
        return strict(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    out = {k: v for k, v in schema.items() if k not in ("nullable", "description", "default")}
    if "properties" in schema:
        out["properties"] = {k: strict(v, components) for k, v in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
    if isinstance(schema.get("additionalProperties"), dict):
        out["additionalProperties"] = strict(schema["additionalProperties"], components)
    if "items" in schema:
        out["items"] = strict(schema["items"], components)
    if schema.get("nullable"):
        out["type"] = [schema["type"], "null"]
    return out


def _response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    response = doc["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def problems(doc: dict, exchanges: list) -> list[str]:
    """What does not match the document, one line per response."""
    components = doc["components"]["schemas"]
    found = []
    for path, method, status, url, body in exchanges:
        schema = strict(_response_schema(doc, path, method, status), components)
        validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
        for error in validator.iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path)
            found.append(f"{method.upper()} {url} {status} at /{where}: {error.message}")
    return found


def test_responses_match_the_documented_schemas(doc, exchanges):
    assert problems(doc, exchanges) == []


def test_every_documented_response_is_checked(doc, exchanges):
    documented = {
        (path, method, int(status))
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        for status in op["responses"]
    }
    checked = {(path, method, status) for path, method, status, _url, _body in exchanges}
    assert documented == checked


def _object_schemas(doc: dict):
    """Locations (key paths in ``doc``) of the object schemas a response can reach."""
    seen, stack = set(), []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status in op["responses"]:
                stack.append(("paths", path, method, "responses", status, "content",
                              "application/json", "schema"))  # fmt: skip
    while stack:
        location = stack.pop()
        if location in seen:
            continue
        seen.add(location)
        node = _at(doc, location)
        if "$ref" in node:
            stack.append(("components", "schemas", node["$ref"].rsplit("/", 1)[-1]))
            continue
        if "properties" in node:
            yield location
            stack += [(*location, "properties", name) for name in node["properties"]]
        if "items" in node:
            stack.append((*location, "items"))


def _at(doc: dict, location: tuple) -> dict:
    for key in location:
        doc = doc[key]
    return doc


def test_removing_any_documented_property_fails_a_response(doc, exchanges):
    assert problems(doc, exchanges) == []
    unchecked = []
    for location in sorted(set(_object_schemas(doc))):
        for name in _at(doc, location)["properties"]:
            mutated = copy.deepcopy(doc)
            node = _at(mutated, location)
            del node["properties"][name]
            node["required"] = [r for r in node.get("required", []) if r != name]
            if not problems(mutated, exchanges):
                unchecked.append("/".join(location[-3:]) + "." + name)
    assert unchecked == []


def test_a_changed_property_type_fails(doc, exchanges):
    pledge = doc["components"]["schemas"]["Pledge"]["properties"]
    pledge["template_version"]["properties"]["version"] = {"type": "string"}
    assert any("/template_version/version" in p for p in problems(doc, exchanges))


def test_relative_urls_fail_where_absolute_ones_are_documented(doc, exchanges):
    credit = next(e for e in exchanges if e[0].endswith("/credit") and e[2] == 200)
    body = credit[4] | {"history_url": "/api/v1/facilities/H1/credit/history"}
    found = problems(doc, [(*credit[:4], body)])
    assert len(found) == 1 and "/history_url" in found[0]
