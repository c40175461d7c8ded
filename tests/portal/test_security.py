"""Security headers, no inline script, Chinese error pages, escaping, personal data."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select, text

from portal.models.audit import AuditLog
from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.factories import id_number


class PageScan(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.inline_script_text: list[str] = []
        self.style_blocks = 0
        self.handler_attributes: list[str] = []
        self.style_attributes: list[str] = []
        self.javascript_urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "style":
            self.style_blocks += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handler_attributes.append(f"<{tag} {name}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.javascript_urls.append(value)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_script_text.append(data.strip())


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def sample(db, make_facility, make_staff):
    facility = make_facility(name="南通市安全测试医院")
    staff = make_staff([facility], name="冯安全", id_number=id_number(555, "19880808"))
    return facility, staff


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


def _assert_security_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, where
    directives = _csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, where
    assert "'unsafe-inline'" not in script_src, where
    assert "'unsafe-eval'" not in script_src, where
    assert "*" not in script_src, where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


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


# --- Error pages -----------------------------------------------------------------------------


def _assert_chinese_error(response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert f"{status} · {title}" in body
    assert "返回首页" in body


def test_403_page_is_chinese(client, auth, make_user):
    make_user(Role.APPROVER, "sec_approver")
    auth.login("sec_approver")
    response = client.get("/bureau/users")
    _assert_chinese_error(response, 403, "无权访问")
    assert "您的角色无权执行此操作" in response.get_data(as_text=True)


def test_404_page_is_chinese(client):
    response = client.get("/no/such/page")
    _assert_chinese_error(response, 404, "页面不存在")
    assert "您访问的页面不存在" in response.get_data(as_text=True)


def test_405_page_is_chinese(client):
    response = client.post("/facilities")
    _assert_chinese_error(response, 405, "请求方式不允许")
    assert "不支持该请求方式" in response.get_data(as_text=True)


def test_413_page_is_chinese(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"username": "x" * 4096, "password": "y", "csrf_token": token},
    )
    _assert_chinese_error(response, 413, "文件过大")
    assert "上传的文件过大" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/no-such-thing", 404),
        ("get", "/api/v1/facilities/H00000000000", 404),
        ("post", "/api/v1/health", 405),
        ("get", "/api/v1/facilities?page=abc", 400),
        ("get", "/api/v1/staff/D123456789", 401),
    ],
)
def test_api_errors_are_json(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == status
    assert error["message"]
    assert "<html" not in response.get_data(as_text=True)


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


# --- Personal data -----------------------------------------------------------------------


def test_lists_and_pages_show_masked_id_numbers_only(client, auth, make_user, sample, db, app):
    facility, staff = sample
    full = id_number(555, "19880808")
    masked = full[:4] + "*" * 10 + full[-4:]
    assert staff.id_number_masked == masked

    make_user(Role.ADMIN, "sec_admin2")
    auth.login("sec_admin2")
    for url in (
        "/bureau/staff",
        f"/bureau/staff/{staff.id}",
        f"/bureau/staff/{staff.id}/edit",
        f"/bureau/facilities/{facility.id}",
    ):
        body = client.get(url).get_data(as_text=True)
        assert full not in body, url
        assert full[6:14] not in body, url  # the birth date is part of the secret
    assert masked in client.get("/bureau/staff").get_data(as_text=True)
    assert masked in client.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)

    client.post("/auth/logout", data={"csrf_token": csrf_token(client.get("/").get_data(True))})
    make_user(Role.FACILITY, "sec_fac", facility=facility)
    auth.login("sec_fac")
    body = client.get("/facility/staff").get_data(as_text=True)
    assert masked in body and full not in body


def test_id_numbers_are_encrypted_at_rest(db, sample):
    _facility, staff = sample
    full = id_number(555, "19880808")
    row = db.session.execute(
        text(
            "SELECT id_number_encrypted, id_number_hash, id_number_masked FROM staff_member "
            "WHERE id = :id"
        ),
        {"id": staff.id},
    ).one()
    encrypted, digest, masked = bytes(row[0]), row[1], row[2]
    assert full.encode() not in encrypted
    assert full[6:14].encode() not in encrypted
    assert full not in digest
    import hashlib

    # Not a plain, unkeyed hash that anyone could recompute from a guessed number.
    assert digest != hashlib.sha256(full.encode()).hexdigest()
    assert full not in masked


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.INSPECTOR, True),
        (Role.CREDIT_OFFICER, False),
        (Role.APPROVER, False),
        (Role.TIPOFF_HANDLER, False),
        (Role.AUDITOR, False),
        (Role.FACILITY, False),
    ],
)
def test_reveal_is_for_admin_and_inspector_and_is_audited(
    db, client, auth, make_user, sample, role, allowed
):
    facility, staff = sample
    full = id_number(555, "19880808")
    user = make_user(role, "revealer", facility=facility if role is Role.FACILITY else None)
    auth.login("revealer")
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"

    detail = client.get(f"/bureau/staff/{staff.id}")
    detail_html = detail.get_data(as_text=True)
    # Only those who may reveal are offered the button.
    assert ("查看完整身份证号" in detail_html) is allowed

    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/bureau/staff/{staff.id}/reveal", data={"reason": "核查举报线索", "csrf_token": token}
    )
    reveals = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.reveal_id")))
    body = response.get_data(as_text=True)
    if allowed:
        assert response.status_code == 200
        assert full in body
        assert len(reveals) == 1
        row = reveals[0]
        assert row.actor_id == user.id
        assert row.object_type == "staff" and row.object_id == str(staff.id)
        assert row.note == "核查举报线索"
        assert row.ip == "10.9.8.7"
        assert full not in row.note
    else:
        assert response.status_code == 403
        assert full not in body
        assert reveals == []


def test_reveal_needs_a_reason(db, client, auth, make_user, sample):
    _facility, staff = sample
    full = id_number(555, "19880808")
    make_user(Role.INSPECTOR, "no_reason")
    auth.login("no_reason")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/bureau/staff/{staff.id}/reveal",
        data={"reason": "", "csrf_token": token},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "请填写查看事由" in body
    assert full not in body
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.reveal_id")) is None


def test_reveal_by_get_is_not_allowed(client, auth, make_user, sample):
    _facility, staff = sample
    make_user(Role.INSPECTOR, "getter")
    auth.login("getter")
    assert client.get(f"/bureau/staff/{staff.id}/reveal").status_code == 405
