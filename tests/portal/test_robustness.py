"""Bad input gets a clear refusal and changes nothing: no 500 page, nothing half-written.

Cases found by sending odd ids, amounts and numbers to every route."""

from __future__ import annotations

import io

import pytest

from portal.models.enums import Role
from portal.models.pledges import PledgeUpload
from portal.models.user import User
from portal.web import china_today
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h
from tests.portal.web_helpers import count_rows

#: Past the largest 64-bit integer: the database driver cannot even look it up.
HUGE = "9" * 25
#: Past the largest id column (32-bit on PostgreSQL), which a lookup there refuses.
PAST_INTEGER = str(2**31)


@pytest.mark.parametrize(
    "url",
    [
        f"/bureau/facilities/{HUGE}",
        f"/bureau/facilities/{HUGE}/credit",
        f"/bureau/staff/{HUGE}",
        f"/bureau/inspections/{HUGE}",
        f"/bureau/findings/{HUGE}",
        f"/bureau/pledges/{HUGE}/scan",
        f"/bureau/pledges/campaigns/{HUGE}",
        f"/bureau/users/{HUGE}",
        f"/bureau/pledges/templates/new?from={HUGE}",
        f"/bureau/facilities/{PAST_INTEGER}",
        f"/bureau/inspections/{PAST_INTEGER}",
        f"/bureau/pledges/templates/new?from={PAST_INTEGER}",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, auth, make_user, url):
    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    assert client.get(url).status_code == 404


def test_an_inspection_form_for_a_facility_id_too_large_is_a_blank_form(client, auth, make_user):
    make_user(Role.INSPECTOR, "insp")
    auth.login("insp")
    assert client.get(f"/bureau/inspections/new?facility={HUGE}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/facility/staff/{HUGE}/points",
        f"/facility/pledge?campaign={HUGE}",
        f"/facility/pledge/pdf?campaign={HUGE}",
        f"/facility/pledge/scan?upload={HUGE}",
    ],
)
def test_a_facility_user_asking_for_an_id_too_large_gets_no_error_page(
    client, auth, make_user, url
):
    make_user(Role.FACILITY, "fac")
    auth.login("fac")
    # No such object: the page without it, or a 404 where the object is the page.
    assert client.get(url).status_code in (200, 404)


def test_an_upload_naming_a_campaign_id_too_large_stores_nothing(
    db, client, auth, make_facility, make_user, storage_root
):
    facility = make_facility()
    make_user(Role.FACILITY, "fac", facility=facility)
    h.make_campaign()
    db.session.commit()
    auth.login("fac")
    token = csrf_token(client.get("/facility/pledge").get_data(as_text=True))
    response = client.post(
        "/facility/pledge/upload",
        data={
            "csrf_token": token,
            "campaign_id": HUGE,
            "file": (io.BytesIO(samples.good_pdf()), "scan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert db.session.query(PledgeUpload).count() == 0
    assert not storage_root.exists() or not any(p.is_file() for p in storage_root.rglob("*"))


# --- Amounts too large for a money column -----------------------------------------------

#: One fen more than a BIGINT holds, written in yuan.
TOO_MUCH_YUAN = "92233720368547758.08"


@pytest.mark.parametrize("field", ["amount_involved", "fine"])
def test_a_finding_amount_too_large_to_store_is_refused_on_the_form(
    db, client, auth, make_facility, make_user, field
):
    from portal.models.inspections import Finding
    from tests.credit_helpers import finding_form, inspection_begun_today

    insp = inspection_begun_today(db, auth, make_user, make_facility())
    url = f"/bureau/inspections/{insp.id}/findings/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(url, data=finding_form(token, **{field: TOO_MUCH_YUAN}))
    assert response.status_code == 200
    assert "金额过大" in response.get_data(as_text=True)
    assert db.session.query(Finding).count() == 0


def test_a_handling_result_not_offered_is_refused_in_chinese(
    db, client, auth, make_facility, make_user
):
    """Checkbox lists refuse a value that is not one of their choices (only a tampered
    request sends one) with a Chinese message; WTForms' catalogue has none for it."""
    from portal.models.inspections import Finding
    from tests.credit_helpers import finding_form, inspection_begun_today

    insp = inspection_begun_today(db, auth, make_user, make_facility())
    url = f"/bureau/inspections/{insp.id}/findings/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(url, data=finding_form(token, results=["talk_rectify", "ZZ", "YY"]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Each value quoted on its own (WTForms joins them inside one pair of quotes).
    assert "“YY”、“ZZ”不是有效选项" in page and "valid choice" not in page
    assert db.session.query(Finding).count() == 0


def test_a_finding_amount_too_large_to_store_is_refused_by_the_api(
    db, client, make_facility, make_user
):
    from portal.models.inspections import Inspection
    from tests.credit_helpers import api_recorder, post_api_inspection

    facility, people, token = api_recorder(db, make_facility, make_user)
    finding = {
        "category": "improper_charging",
        "description": "重复收费",
        "amount_involved_fen": 2**63,
        "handling_results": ["talk_rectify"],
    }
    response = post_api_inspection(client, token, facility, people, findings=[finding])
    assert response.status_code == 422
    assert "findings[0].amount_involved_fen" in response.get_json()["error"]["fields"]
    assert db.session.query(Inspection).count() == 0


def test_a_refund_too_large_to_store_is_refused_on_the_self_inspection_form(
    db, client, auth, make_user
):
    from portal.models.inspections import SelfInspectionReport

    make_user(Role.FACILITY, "fac")
    db.session.commit()
    auth.login("fac")
    url = "/facility/self-inspections"
    today = china_today().isoformat()
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
            "period_start": today,
            "period_end": today,
            "problems": "重复收费，已退回",
            "amount_refunded": TOO_MUCH_YUAN,
        },
    )
    assert response.status_code == 200
    assert "金额过大" in response.get_data(as_text=True)
    assert db.session.query(SelfInspectionReport).count() == 0


# --- Adjustment points that are not a number ---------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        # Not written as points are: Decimal would read "1_0" as 10 and "1e1" as 1E+1.
        *(
            (p, "调整分值须为数字")
            for p in ("inf", "-inf", "nan", "sNaN", "1_0", "1e1", "1e27", "0x10", "3分", "1²", "①⓪")
        ),
        *((p, "调整分值须在 ±100 分之间且不为0") for p in ("100.05", "-101", "0", "-0.0")),
    ],
)
def test_adjustment_points_not_a_number_or_out_of_range_are_refused_on_the_form(
    db, client, auth, make_facility, make_user, points, message
):
    from portal.models.credit import CreditAdjustment

    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    db.session.commit()
    auth.login("officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={"csrf_token": token, "mode": "points", "points": points, "reason": "未整改"}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.query(CreditAdjustment).count() == 0


@pytest.mark.parametrize(
    ("typed", "points"),
    [
        ("－３", "-3"),
        ("+2", "2"),
        (".5", "0.5"),
        (" -4.5 ", "-4.5"),
        ("２．５", "2.5"),
        ("\u22123", "-3"),  # the minus sign a word processor writes
    ],
)
def test_adjustment_points_as_people_type_them(typed, points):
    """Full-width digits and signs (a Chinese input method's) read as the digits."""
    from decimal import Decimal

    from portal.operations.credit_workflow import _points

    assert _points(typed, 100) == Decimal(points)


# --- NUL characters, which PostgreSQL text cannot hold -----------------------------------

NUL_MESSAGE = "空字符"


@pytest.mark.parametrize(
    "url",
    ["/facilities?q=%00", "/facilities?county=a%00", "/facilities/H%00", "/v/H%00"],
)
def test_a_public_search_or_code_with_a_nul_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_an_api_search_with_a_nul_is_refused_as_json(client):
    response = client.get("/api/v1/facilities?q=%00")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_json()["error"]["message"]


def test_a_bureau_search_with_a_nul_is_refused(client, auth, make_user):
    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    for url in ("/bureau/facilities?q=%00", "/bureau/staff?q=a%00", "/bureau/audit?actor=%00"):
        assert client.get(url).status_code == 400


def test_a_form_value_with_a_nul_is_refused_and_changes_nothing(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    make_user(Role.ADMIN, "admin")
    db.session.commit()
    auth.login("admin")
    url = f"/bureau/facilities/{facility.id}/edit"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "name": "改名\x00医院",
        "credit_code": facility.credit_code,
        "site_code": facility.site_code,
        "kind": facility.kind.value,
        "level": facility.level.value,
        "ownership": facility.ownership.value,
        "county": facility.county,
        "address": facility.address,
        "legal_representative": facility.legal_representative,
        "agreement_start": facility.agreement_start.isoformat(),
        "status": facility.status.value,
    }
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert "改名" not in facility.name


def test_an_api_body_with_a_nul_is_refused_and_stores_nothing(db, client, make_facility, make_user):
    from portal.models.inspections import Inspection
    from tests.credit_helpers import api_recorder, post_api_inspection

    facility, people, token = api_recorder(db, make_facility, make_user)
    finding = {"category": "improper_charging", "description": "重复\x00收费"}
    response = post_api_inspection(client, token, facility, people, findings=[finding])
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_json()["error"]["message"]
    assert db.session.query(Inspection).count() == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("new clerk", "用户名不能包含空格或控制字符"),
        ("clerk\u3000x", "用户名不能包含空格或控制字符"),
        # Control characters are refused in every single-line field of a form, before the
        # account rules are checked.
        ("new\tclerk", "不能包含换行、制表符等控制字符"),
        ("clerk\x01", "不能包含换行、制表符等控制字符"),
        # Look-alikes of another account's name, or markup.
        ("\u0430dmin", "用户名只能使用英文字母、数字和 _ . - @"),
        ("\uff58b_user", "用户名只能使用英文字母、数字和 _ . - @"),
        ("<script>", "用户名只能使用英文字母、数字和 _ . - @"),
        ("检查员", "用户名只能使用英文字母、数字和 _ . - @"),
    ],
)
def test_a_username_with_spaces_or_control_characters_is_refused(
    db, client, auth, make_user, username, message
):
    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    token = csrf_token(client.get("/bureau/users/new").get_data(as_text=True))
    before = count_rows(db, User)
    response = client.post("/bureau/users/new", data={
        "csrf_token": token, "username": username, "display_name": "新账号", "role": "inspector",
        "password": "Clerk-password-9",
    })  # fmt: skip
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_rows(db, User) == before


def test_deeply_nested_json_is_answered_not_a_server_error(client):
    """JSON nested deeper than a recursive walk could follow is checked for NUL all the
    same, and JSON too deep for the parser itself is refused."""

    def post(body: str):
        return client.post("/api/v1/inspections", data=body, content_type="application/json")

    assert post("[" * 600 + "]" * 600).status_code < 500
    response = post("[" * 600 + '"a\\u0000b"' + "]" * 600)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_json()["error"]["message"]
    response = post("[" * 5000 + "]" * 5000)
    assert response.status_code == 400
    assert "嵌套层次过深" in response.get_json()["error"]["message"]


def test_an_upload_whose_file_name_has_a_nul_is_refused(db, client, auth, make_user):
    from portal.models.facility import Facility

    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    token = csrf_token(client.get("/bureau/import").get_data(as_text=True))
    response = client.post(
        "/bureau/import",
        data={
            "csrf_token": token,
            "kind": "facilities",
            "file": (io.BytesIO("名称\n".encode()), "机构\x00.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.query(Facility).count() == 0
