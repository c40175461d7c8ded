"""Logging in and out, lock-out, redirects after log-in, rate limits (password changes:
test_passwords.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from werkzeug.security import check_password_hash

from portal.database import utcnow
from portal.models.enums import Role
from tests.conftest import TEST_PASSWORD, csrf_token


def _login(client, username: str, password: str = TEST_PASSWORD, query: str = ""):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    return client.post(
        "/auth/login" + query,
        data={"username": username, "password": password, "csrf_token": token},
    )


def _page_token(client, url: str = "/") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def _is_logged_in(client) -> bool:
    response = client.get("/auth/account")
    return response.status_code == 200


def test_login_success_goes_to_the_users_area(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    response = _login(client, "insp")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/bureau/"
    assert _is_logged_in(client)


def test_facility_user_lands_in_the_facility_area(client, make_user):
    make_user(Role.FACILITY, "clinic_user")
    response = _login(client, "clinic_user")
    assert urlsplit(response.headers["Location"]).path == "/facility/"


def test_username_is_case_insensitive(client, make_user):
    make_user(Role.AUDITOR, "Auditor_Li")
    assert _login(client, "auditor_li").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"),
    [("insp", "wrong-password-1"), ("nobody", TEST_PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_login_failure_has_one_chinese_message(client, make_user, username, password):
    make_user(Role.INSPECTOR, "insp")
    response = _login(client, username, password)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # The same message either way, so user names cannot be probed.
    assert "用户名或密码错误" in body
    assert not _is_logged_in(client)


def test_empty_form_shows_chinese_field_errors(client):
    token = _page_token(client, "/auth/login")
    response = client.post("/auth/login", data={"csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入用户名" in body and "请输入密码" in body


def test_lock_out_after_repeated_failures_and_admin_unlock(app, db, client, make_user):
    victim = make_user(Role.CREDIT_OFFICER, "victim")
    make_user(Role.ADMIN, "boss")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _attempt in range(limit):
        body = _login(client, "victim", "not-the-password").get_data(as_text=True)
        assert "用户名或密码错误" in body
    assert victim.locked_until is not None and victim.locked_until > utcnow()
    # A wrong password is not told of the lock: the answer is the one an unknown user name
    # gets, so guessing does not tell which accounts exist.
    for name in ("victim", "nobody_here"):
        body = _login(client, name, "not-the-password").get_data(as_text=True)
        assert "用户名或密码错误" in body and "账号已临时锁定" not in body

    # While locked even the right password is refused.
    response = _login(client, "victim")
    assert response.status_code == 200
    assert "账号已临时锁定" in response.get_data(as_text=True)
    assert not _is_logged_in(client)

    # The lock-out is in the audit trail.
    from sqlalchemy import select

    from portal.models.audit import AuditLog

    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.object_id == str(victim.id))
    )
    assert "user.locked" in list(actions)

    # An administrator unlocks the account.
    assert _login(client, "boss").status_code == 302
    page = client.get(f"/bureau/users/{victim.id}").get_data(as_text=True)
    assert "解锁" in page
    response = client.post(
        f"/bureau/users/{victim.id}/unlock", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert victim.locked_until is None
    client.post("/auth/logout", data={"csrf_token": _page_token(client)})

    assert _login(client, "victim").status_code == 302
    assert _is_logged_in(client)


def test_lock_expires_by_itself(db, client, make_user):
    user = make_user(Role.APPROVER, "waits")
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _login(client, "waits").status_code == 302


def test_unlock_without_csrf_token_changes_nothing(db, client, make_user):
    victim = make_user(Role.INSPECTOR, "still_locked")
    victim.locked_until = utcnow() + timedelta(minutes=10)
    make_user(Role.ADMIN, "boss2")
    db.session.commit()
    _login(client, "boss2")
    response = client.post(f"/bureau/users/{victim.id}/unlock")
    assert response.status_code == 400
    assert victim.locked_until is not None


def test_success_resets_the_failure_count(app, client, make_user):
    user = make_user(Role.INSPECTOR, "forgetful")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _login(client, "forgetful", "nope-nope-nope")
    assert user.failed_logins == app.config["LOGIN_MAX_FAILURES"] - 1
    assert _login(client, "forgetful").status_code == 302
    assert user.failed_logins == 0
    assert user.last_login_at is not None


def test_inactive_account_cannot_log_in(db, client, make_user):
    user = make_user(Role.INSPECTOR, "retired")
    user.active = False
    db.session.commit()
    response = _login(client, "retired")
    assert response.status_code == 200
    assert "该账号已停用" in response.get_data(as_text=True)
    assert not _is_logged_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "//evil.com/bureau/",
        "https://evil.com",
        "http://evil.com/",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        " //evil.com",
        "bureau/staff",
    ],
)
def test_next_ignores_anything_but_local_paths(client, make_user, target):
    make_user(Role.INSPECTOR, "insp")
    from urllib.parse import quote

    response = _login(client, "insp", query="?next=" + quote(target, safe=""))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert urlsplit(location).path == "/bureau/"
    assert urlsplit(location).netloc in ("", "localhost")


def test_next_accepts_a_local_path(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    response = _login(client, "insp", query="?next=%2Fbureau%2Fstaff%3Fq%3D%E7%8E%8B")
    location = urlsplit(response.headers["Location"])
    assert location.path == "/bureau/staff"
    assert unquote(location.query) == "q=王"


def test_protected_page_round_trip_through_login(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    response = client.get("/bureau/staff")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert urlsplit(login_url).path == "/auth/login"
    token = csrf_token(client.get(login_url).get_data(as_text=True))
    response = client.post(
        login_url, data={"username": "insp", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert urlsplit(response.headers["Location"]).path == "/bureau/staff"


def test_logout_requires_post_with_csrf(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    _login(client, "insp")

    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "不支持该请求方式" in response.get_data(as_text=True)
    assert _is_logged_in(client)

    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert "页面已过期或表单校验失败" in response.get_data(as_text=True)
    assert _is_logged_in(client)

    response = client.post("/auth/logout", data={"csrf_token": _page_token(client)})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    assert not _is_logged_in(client)
    assert client.get("/bureau/").status_code == 302


def test_login_post_without_csrf_token_is_a_chinese_400(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    client.get("/auth/login")
    response = client.post("/auth/login", data={"username": "insp", "password": TEST_PASSWORD})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "请求无效" in body and "页面已过期或表单校验失败" in body
    assert not _is_logged_in(client)


def test_login_post_with_a_forged_csrf_token_is_refused(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"username": "insp", "password": TEST_PASSWORD, "csrf_token": "forged.token"},
    )
    assert response.status_code == 400
    assert not _is_logged_in(client)


def test_account_page_needs_login(client):
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"


def test_login_is_rate_limited_with_a_chinese_page(app, client):
    allowed = int(re.match(r"\s*(\d+)", app.config["RATELIMIT_LOGIN"]).group(1))
    token = _page_token(client, "/auth/login")
    data = {"username": "nobody_here", "password": "whatever-1", "csrf_token": token}
    for _ in range(allowed):
        assert client.post("/auth/login", data=data).status_code == 200
    response = client.post("/auth/login", data=data)
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "请求过于频繁" in body
    assert "操作过于频繁，请稍后再试" in body
    # Only the Chinese text is shown, not the limiter's English description.
    assert " per " not in body
    assert response.headers.get("Retry-After")
    # Reading the login page is not limited.
    assert client.get("/auth/login").status_code == 200


def test_passwords_are_stored_hashed(app, db, make_user):
    from sqlalchemy import text

    user = make_user(Role.INSPECTOR, "hashed")
    stored = db.session.execute(
        text("SELECT password_hash FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert TEST_PASSWORD not in stored
    method, salt, digest = stored.split("$")
    assert method == app.config["PASSWORD_HASH_METHOD"]
    assert len(salt) >= 16 and len(digest) >= 64
    assert check_password_hash(stored, TEST_PASSWORD)
    assert not check_password_hash(stored, TEST_PASSWORD + "x")
    # Two accounts with the same password get different hashes (salted).
    other = make_user(Role.INSPECTOR, "hashed_too")
    assert other.password_hash != stored


def test_production_hashes_with_a_memory_hard_kdf():
    from portal.config import BaseConfig, ProductionConfig

    assert BaseConfig.PASSWORD_HASH_METHOD.startswith("scrypt")
    assert ProductionConfig.PASSWORD_HASH_METHOD.startswith("scrypt")


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user(Role.INSPECTOR, "insp")
    response = _login(client, "insp")
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
