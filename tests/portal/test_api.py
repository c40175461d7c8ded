"""JSON API v1: public facility reads, token-protected staff reads, health."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.enums import FacilityKind, HospitalLevel, Role
from portal.models.user import ApiToken
from portal.operations.users import UserError, create_api_token, revoke_api_token
from tests.factories import id_number


@pytest.fixture
def facilities(db, make_facility):
    made = [make_facility(name=f"接口医院{n:02d}") for n in range(1, 8)]
    made.append(
        make_facility(
            name="接口大药房", kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED,
            county="海安市",
        )
    )  # fmt: skip
    db.session.commit()
    return made


@pytest.fixture
def staff(db, make_staff, facilities):
    member = make_staff(facilities[:2], name="接口医生", id_number=id_number(612, "19820304"))
    db.session.commit()
    return member


@pytest.fixture
def token(db, make_user):
    user = make_user(Role.INSPECTOR, "api_inspector")
    value = create_api_token(None, user)
    db.session.commit()
    return value


def _bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


# --- Facilities -------------------------------------------------------------------------


def test_facility_list_pagination(client, facilities):
    response = client.get("/api/v1/facilities?per_page=3")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(facilities)
    assert (body["page"], body["per_page"]) == (1, 3)
    assert len(body["items"]) == 3

    seen = []
    for page in (1, 2, 3):
        items = client.get(f"/api/v1/facilities?per_page=3&page={page}").get_json()["items"]
        seen += [item["site_code"] for item in items]
    assert sorted(seen) == sorted(f.site_code for f in facilities)
    assert client.get("/api/v1/facilities?per_page=3&page=4").get_json()["items"] == []


def test_facility_list_items(client, facilities):
    items = client.get("/api/v1/facilities?per_page=100").get_json()["items"]
    pharmacy = next(i for i in items if i["name"] == "接口大药房")
    assert pharmacy["kind"] == "pharmacy"
    assert pharmacy["level"] == "unrated"
    assert pharmacy["county"] == "海安市"
    assert pharmacy["status"] == "active"
    assert pharmacy["agreement_start"] == "2020-01-01"
    assert pharmacy["url"].endswith(f"/api/v1/facilities/{pharmacy['site_code']}")
    assert set(pharmacy) >= {"site_code", "credit_code", "name", "ownership", "address"}


def test_per_page_above_the_maximum_is_clamped(client, facilities):
    assert client.get("/api/v1/facilities").get_json()["per_page"] == 20
    assert client.get("/api/v1/facilities?per_page=100").get_json()["per_page"] == 100
    for value in ("101", "1000", "100000"):
        body = client.get(f"/api/v1/facilities?per_page={value}").get_json()
        assert body["per_page"] == 100 and body["total"] == len(facilities)
    doc = client.get("/api/v1/openapi.json").get_json()
    params = doc["paths"]["/facilities"]["get"]["parameters"]
    per_page = next(p for p in params if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100 and per_page["schema"]["minimum"] == 1
    assert "100" in per_page["description"]


def test_facility_list_q_and_filters(client, facilities):
    body = client.get("/api/v1/facilities", query_string={"q": "药房"}).get_json()
    assert [i["name"] for i in body["items"]] == ["接口大药房"]
    assert body["total"] == 1
    code = facilities[3].site_code
    body = client.get("/api/v1/facilities", query_string={"q": code.lower()}).get_json()
    assert [i["site_code"] for i in body["items"]] == [code]
    body = client.get("/api/v1/facilities", query_string={"kind": "pharmacy"}).get_json()
    assert body["total"] == 1
    body = client.get("/api/v1/facilities", query_string={"county": "海安市"}).get_json()
    assert body["total"] == 1
    assert client.get("/api/v1/facilities?q=没有这家").get_json()["total"] == 0


def test_facility_list_trims_county_and_q(client, facilities):
    query = {"county": "  海安市 ", "q": " 药房\t"}
    body = client.get("/api/v1/facilities", query_string=query).get_json()
    assert [i["name"] for i in body["items"]] == ["接口大药房"]
    body = client.get("/api/v1/facilities", query_string={"kind": " pharmacy "}).get_json()
    assert body["total"] == 1


def test_a_search_longer_than_any_name_finds_nothing_rather_than_failing(db, client, make_facility):
    """SQLite refuses a LIKE pattern over 50,000 bytes (a 500 error); text longer than the
    longest name cannot be part of one anyway."""
    longest = make_facility(name="长" * 200)
    db.session.commit()
    for q in ("长" * 100_000, "x" * 100_000, "长" * 201):
        response = client.get("/api/v1/facilities", query_string={"q": q})
        assert response.status_code == 200
        assert response.get_json()["total"] == 0
    body = client.get("/api/v1/facilities", query_string={"q": "长" * 200}).get_json()
    assert [i["site_code"] for i in body["items"]] == [longest.site_code]


@pytest.mark.parametrize("kind", ["Clinic", "HOSPITAL", "零售药店", "医院", "nope"])
def test_unknown_kind_is_a_422_naming_the_field(client, facilities, kind):
    response = client.get("/api/v1/facilities", query_string={"kind": kind})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == 422
    assert list(error["fields"]) == ["kind"]
    assert all(k.value in error["fields"]["kind"] for k in FacilityKind)


def test_unknown_kind_and_grade_are_reported_together(client, facilities):
    response = client.get("/api/v1/facilities?kind=x&grade=Z")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"kind", "grade"}


def test_empty_kind_is_no_filter(client, facilities):
    body = client.get("/api/v1/facilities?kind=%20&per_page=100").get_json()
    assert body["total"] == len(facilities)


@pytest.mark.parametrize(
    "query",
    ["page=abc", "per_page=x", "page=1.5", "page=", "page=0", "page=-1", "per_page=0",
     "per_page=-5", "page=%2B2", "page=1_0", "per_page=%EF%BC%95"],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/api/v1/facilities", "/api/v1/facilities/{}/credit/history"])
def test_bad_paging_is_a_400_json_error(client, facilities, query, path):
    response = client.get(path.format(facilities[0].site_code) + "?" + query)
    assert response.status_code == 400
    assert response.is_json
    assert response.get_json()["error"] == {"code": 400, "message": "page 和 per_page 必须为正整数"}


def test_paging_with_spaces_around_the_number_is_accepted(client, facilities):
    body = client.get("/api/v1/facilities?page=%202&per_page=3%20").get_json()
    assert (body["page"], body["per_page"]) == (2, 3)


@pytest.mark.parametrize("page", ["99999999999999999999999", "9" * 5000])
def test_huge_page_is_empty_not_an_error(client, facilities, page):
    # 5,000 digits: more than Python converts to an integer.
    response = client.get(f"/api/v1/facilities?page={page}")
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_leading_zeros_do_not_change_the_page(client, facilities):
    body = client.get("/api/v1/facilities?page=" + "0" * 20 + "2&per_page=03").get_json()
    assert (body["page"], body["per_page"]) == (2, 3)
    assert client.get("/api/v1/facilities?page=000").status_code == 400


def test_one_facility(client, facilities):
    facility = facilities[0]
    response = client.get(f"/api/v1/facilities/{facility.site_code}")
    assert response.status_code == 200
    assert response.get_json()["name"] == facility.name
    # Site codes are case-insensitive.
    assert client.get(f"/api/v1/facilities/{facility.site_code.lower()}").status_code == 200


@pytest.mark.parametrize("suffix", ["", "/credit", "/credit/history", "/pledge"])
def test_unknown_facility_is_404_json(client, facilities, suffix):
    response = client.get(f"/api/v1/facilities/H00000000000{suffix}")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"] == {"code": 404, "message": "未找到该医保定点编码的机构"}


@pytest.mark.parametrize("path", ["/api/v1/staff/NOPE", "/api/v1/staff/NOPE/points"])
def test_an_unknown_staff_code_is_a_404_saying_so(client, token, path):
    response = client.get(path, headers=_bearer(token))
    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": 404, "message": "未找到该人员编码的人员"}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/facilities//credit"),
        ("get", "/api/v1/facilities/%2F/pledge"),
        ("get", "/api/v1/staff//points"),
        ("post", "/api/v1/staff//points"),
        ("get", "/api/v1//health"),
    ],
)
def test_an_empty_path_parameter_is_404_json_not_a_redirect(client, staff, token, method, url):
    """Not a 308 redirect (an HTML body) to the URL with the slashes merged, which names
    another resource: /facilities/credit is the facility "credit". A POST too, though
    Werkzeug matches it against the merged path, which only GET /staff/<staff_code> takes
    (a 405 before)."""
    response = getattr(client, method)(url, headers=_bearer(token), json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == response.status_code


def test_public_api_needs_no_token_and_no_csrf(client, facilities):
    assert client.get("/api/v1/facilities").status_code == 200


# --- Staff (token) ---------------------------------------------------------------------------


def test_staff_without_token_is_401_json(client, staff):
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"},
                    _bearer("mc_not-a-real-token")):  # fmt: skip
        response = client.get(f"/api/v1/staff/{staff.staff_code}", headers=headers)
        assert response.status_code == 401, headers
        assert response.is_json
        assert response.get_json()["error"]["code"] == 401
        assert "接口令牌" in response.get_json()["error"]["message"]
        assert "接口医生" not in response.get_data(as_text=True)


def test_staff_with_token(db, client, staff, token, facilities):
    response = client.get(f"/api/v1/staff/{staff.staff_code}", headers=_bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    full = id_number(612, "19820304")
    assert body["staff_code"] == staff.staff_code
    assert body["name"] == "接口医生"
    assert body["profession"] == "doctor"
    assert body["id_number"] == full[:4] + "*" * 10 + full[-4:]
    assert full not in response.get_data(as_text=True)
    assert [f["site_code"] for f in body["facilities"]] == [
        facilities[0].site_code,
        facilities[1].site_code,
    ]
    assert [f["primary"] for f in body["facilities"]] == [True, False]
    # Use of the token is recorded.
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    assert row.last_used_at is not None
    # Staff codes are case-insensitive.
    lower = client.get(f"/api/v1/staff/{staff.staff_code.lower()}", headers=_bearer(token))
    assert lower.status_code == 200


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_case_insensitive(client, staff, token, scheme):
    headers = {"Authorization": f"{scheme} {token}"}
    response = client.get(f"/api/v1/staff/{staff.staff_code}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["staff_code"] == staff.staff_code


def test_unknown_staff_with_token_is_404_json(client, staff, token):
    response = client.get("/api/v1/staff/D000000001", headers=_bearer(token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_token_from_the_cli_works(client, runner, staff, make_user):
    make_user(Role.AUDITOR, "cli_auditor")
    result = runner.invoke(args=["tokens", "create", "cli_auditor"])
    assert result.exit_code == 0, result.output
    value = result.stdout.strip().splitlines()[0]
    response = client.get(f"/api/v1/staff/{staff.staff_code}", headers=_bearer(value))
    assert response.status_code == 200


def test_revoked_token_is_refused(db, client, staff, token):
    url = f"/api/v1/staff/{staff.staff_code}"
    assert client.get(url, headers=_bearer(token)).status_code == 200
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    revoke_api_token(None, row)
    db.session.commit()
    response = client.get(url, headers=_bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == 401


def test_token_of_a_deactivated_account_is_refused(db, client, staff, token):
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    row.user.active = False
    db.session.commit()
    assert (
        client.get(f"/api/v1/staff/{staff.staff_code}", headers=_bearer(token)).status_code == 401
    )


def test_a_token_stays_revoked_when_its_account_is_reactivated(db, client, staff, token):
    """Deactivating an account through the accounts page revokes its tokens (audited):
    the account made active again does not bring them back."""
    from portal.operations.users import update_user

    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    user = row.user

    def save(active: bool):
        update_user(None, user, display_name=user.display_name, role=user.role,
                    facility=None, active=active)  # fmt: skip
        db.session.commit()

    save(False)
    assert row.revoked_at is not None
    assert db.session.scalar(
        select(AuditLog).where(AuditLog.action == "token.revoke", AuditLog.object_id == str(row.id))
    )
    save(True)
    url = f"/api/v1/staff/{staff.staff_code}"
    assert client.get(url, headers=_bearer(token)).status_code == 401


def test_a_tokens_last_use_is_written_once_a_minute_at_most(db, client, staff, token):
    """Each write takes SQLite's write lock: a client's burst of reads writes once."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    url = f"/api/v1/staff/{staff.staff_code}"
    assert client.get(url, headers=_bearer(token)).status_code == 200
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None
    assert client.get(url, headers=_bearer(token)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at == first


def test_session_cookie_alone_is_not_accepted(client, auth, make_user, staff):
    make_user(Role.ADMIN, "cookie_admin")
    assert auth.login("cookie_admin").status_code == 302
    assert client.get("/bureau/").status_code == 200  # the cookie works on the web pages
    response = client.get(f"/api/v1/staff/{staff.staff_code}")
    assert response.status_code == 401
    assert response.is_json


def test_facility_accounts_get_no_tokens(db, make_user):
    user = make_user(Role.FACILITY, "clinic_api")
    with pytest.raises(UserError):
        create_api_token(None, user)


def test_only_the_hash_of_a_token_is_stored(db, token):
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    assert row is not None
    assert row.token_hash != token and token not in row.token_hash
    assert token.startswith(row.prefix) and len(row.prefix) < len(token) // 3


# --- Health ----------------------------------------------------------------------------------


def test_health(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"]


def test_api_responses_are_json_with_security_headers(client):
    response = client.get("/api/v1/health")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
