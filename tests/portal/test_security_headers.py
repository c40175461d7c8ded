"""Security headers, and pages a strict CSP allows: no inline script or style, input escaped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.portal.page_checks import assert_security_headers as _assert_security_headers
from tests.portal.page_checks import scan


@pytest.fixture
def as_admin(client, auth, make_user):
    make_user(Role.ADMIN, "sec_admin")
    assert auth.login("sec_admin").status_code == 302
    return client


def _pages(facility, staff, admin_id) -> list[str]:
    return [
        "/",
        "/facilities",
        f"/facilities/{facility.site_code}",
        "/auth/account",
        "/bureau/",
        "/bureau/facilities",
        f"/bureau/facilities/{facility.id}",
        "/bureau/facilities/new",
        f"/bureau/facilities/{facility.id}/edit",
        "/bureau/staff",
        f"/bureau/staff/{staff.id}",
        "/bureau/staff/new",
        f"/bureau/staff/{staff.id}/edit",
        "/bureau/users",
        "/bureau/users/new",
        f"/bureau/users/{admin_id}",
        "/bureau/audit",
        "/bureau/import",
        "/no-such-page",
    ]


# --- Headers ---------------------------------------------------------------------------


def test_security_headers_on_pages(sample, as_admin, client, db):
    facility, staff = sample
    from portal.models.user import User

    admin = db.session.scalar(select(User).where(User.username == "sec_admin"))
    for url in _pages(facility, staff, admin.id):
        _assert_security_headers(client.get(url), url)


def test_security_headers_on_api_static_and_anonymous_pages(client, sample):
    for url in ("/", "/auth/login", "/api/v1/health", "/api/v1/facilities", "/static/css/app.css"):
        response = client.get(url)
        response.close()  # static files are streamed from disk
        assert response.status_code == 200, url
        _assert_security_headers(response, url)
    _assert_security_headers(client.get("/api/v1/nope"), "/api/v1/nope")


def test_private_areas_are_not_cached(client, sample, as_admin):
    assert client.get("/bureau/staff").headers.get("Cache-Control") == "no-store"
    assert client.get("/auth/login").headers.get("Cache-Control") == "no-store"


# --- No inline script --------------------------------------------------------------------


def test_pages_have_no_inline_script_or_style(sample, as_admin, client, db):
    facility, staff = sample
    from portal.models.user import User

    admin = db.session.scalar(select(User).where(User.username == "sec_admin"))
    for url in _pages(facility, staff, admin.id):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        page = scan(response.get_data(as_text=True))
        assert page.scripts, f"{url}: expected the site script"
        for attributes in page.scripts:
            assert attributes.get("src"), f"{url}: <script> without src"
            assert attributes["src"].startswith("/static/"), f"{url}: script not served locally"
        assert not page.inline_script_text, url
        assert not page.handler_attributes, (url, page.handler_attributes)
        assert not page.javascript_urls, url
        # style-src 'self' blocks these as well.
        assert page.style_blocks == 0, url
        assert not page.style_attributes, (url, page.style_attributes)


def test_facility_area_pages_have_no_inline_script(client, auth, make_user, sample):
    facility, _staff = sample
    make_user(Role.FACILITY, "sec_facility", facility=facility)
    auth.login("sec_facility")
    for url in ("/facility/", "/facility/staff", "/auth/login"):
        page = scan(client.get(url, follow_redirects=True).get_data(as_text=True))
        assert page.scripts and all(s.get("src") for s in page.scripts), url
        assert not page.inline_script_text and not page.handler_attributes, url


def test_scanner_finds_inline_script():
    """The scanner itself must notice what it is there to find."""
    page = scan(
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<a href="javascript:go()" onclick="x()" style="color:red">x</a><style>p{}</style>'
    )
    assert page.inline_script_text == ["alert(1)"]
    assert page.handler_attributes == ["<a onclick>"]
    assert page.javascript_urls == ["javascript:go()"]
    assert page.style_attributes == ["<a style>"] and page.style_blocks == 1


# --- Escaping --------------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_user_supplied_strings_are_escaped(client, as_admin, make_facility, make_staff):
    facility = make_facility(name=XSS, address='"><img src=x onerror=alert(2)>')
    make_staff([facility], name="<b>粗体</b>")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (
        "/bureau/facilities",
        f"/bureau/facilities/{facility.id}",
        "/facilities",
        f"/facilities/{facility.site_code}",
    ):
        body = client.get(url).get_data(as_text=True)
        assert escaped in body, url
        assert XSS not in body, url
        assert "<img src=x" not in body, url
        assert not scan(body).inline_script_text, url
    body = client.get("/bureau/staff").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;" in body and "<b>粗体</b>" not in body


def test_search_terms_are_escaped_when_echoed(client):
    body = client.get("/facilities", query_string={"q": '"><script>x()</script>'}).get_data(
        as_text=True
    )
    assert "<script>x()</script>" not in body
    assert not scan(body).inline_script_text


def test_flash_message_with_user_input_is_escaped(client, as_admin):
    from tests.factories import facility_data

    data = facility_data(88, name=XSS)
    form = {k: getattr(v, "value", v) for k, v in data.items()}
    form["agreement_start"] = data["agreement_start"].isoformat()
    form["csrf_token"] = csrf_token(client.get("/bureau/facilities/new").get_data(as_text=True))
    response = client.post("/bureau/facilities/new", data=form, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "已登记定点机构" in body
    assert XSS not in body
