"""Ending log-in sessions: logging out or a password change ends every session of the
account, including a copy of a session's cookie; the session that changed the password
goes on."""

from __future__ import annotations

from flask import g

from portal.auth.session import load_user
from portal.models.enums import Role
from portal.models.pledge_extras import PledgeContact
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.portal.web_helpers import count_rows

NEW_PASSWORD = "New-password-42"


def _forget_loaded_user() -> None:
    """The tests' app context outlives requests, and ``g`` with it: Flask-Login keeps the
    loaded user there and Flask-WTF the CSRF token. Start each request of these several
    browsers afresh, as a server does, so it loads both from its own session cookie."""
    for name in list(g):
        g.pop(name)


def _login(client, username: str, password: str = TEST_PASSWORD):
    _forget_loaded_user()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    return response


def _logged_in(client) -> bool:
    _forget_loaded_user()
    return client.get("/auth/account").status_code == 200


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value)
    assert _logged_in(other)
    return other


def _token(client, url: str) -> str:
    _forget_loaded_user()
    return csrf_token(client.get(url).get_data(as_text=True))


def _change_own_password(client):
    """Send the account page's password change, from ``TEST_PASSWORD`` to ``NEW_PASSWORD``."""
    return client.post(
        "/auth/account",
        data={"current": TEST_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
              "csrf_token": _token(client, "/auth/account")},
    )  # fmt: skip


def test_logging_out_ends_a_copied_session_cookie(app, client, make_user):
    make_user(Role.INSPECTOR, "leaver")
    _login(client, "leaver")
    copy = _copy(app, client)
    response = client.post("/auth/logout", data={"csrf_token": _token(client, "/")})
    assert "其他设备上的登录也已结束" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert not _logged_in(client)
    assert not _logged_in(copy)
    # Logging in again opens a new session.
    _login(client, "leaver")
    assert _logged_in(client)
    assert not _logged_in(copy)


def test_changing_the_password_ends_the_other_sessions_only(app, client, make_user):
    make_user(Role.CREDIT_OFFICER, "changer")
    _login(client, "changer")
    copy = _copy(app, client)
    response = _change_own_password(client)
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(copy)


def test_the_other_device_is_told_why_it_must_log_in_again(app, client, make_user):
    """The browser whose session another ended (a log-out there) is sent to the log-in page
    with a message saying why, not the bare "请先登录" of a visitor never logged in, and
    comes back to the page it asked for once logged in again."""
    make_user(Role.FACILITY, "two_desks")
    _login(client, "two_desks")
    other = _copy(app, client)
    client.post("/auth/logout", data={"csrf_token": _token(client, "/")})
    _forget_loaded_user()
    response = other.get("/facility/self-inspections")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login?next=%2Ffacility%2Fself-inspections")
    _forget_loaded_user()
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert "该账号已在别处退出登录，或其密码、角色、所属机构已被修改，本设备上的登录已结束" in page
    assert "请先登录" not in page
    # A visitor who never logged in is asked to log in as before.
    _forget_loaded_user()
    stranger = app.test_client()
    response = stranger.get("/facility/self-inspections")
    assert response.status_code == 302
    _forget_loaded_user()
    page = stranger.get(response.headers["Location"]).get_data(as_text=True)
    assert "请先登录。" in page and "本设备上的登录已结束" not in page


def test_a_password_reset_by_an_administrator_ends_the_users_sessions(app, client, make_user):
    user = make_user(Role.INSPECTOR, "forgetful")
    boss = make_user(Role.ADMIN, "boss")
    users_browser = app.test_client()
    _login(users_browser, "forgetful")
    _login(client, "boss")
    bosses_other_browser = _copy(app, client)

    def reset(account) -> str:
        url = f"/bureau/users/{account.id}"
        response = client.post(
            f"{url}/password", data={"password": NEW_PASSWORD, "csrf_token": _token(client, url)}
        )
        assert response.status_code == 302
        return client.get(response.headers["Location"]).get_data(as_text=True)

    assert "会话均已结束" in reset(user)
    assert not _logged_in(users_browser)
    assert _logged_in(bosses_other_browser)
    # An administrator resetting their own password stays logged in here, not elsewhere.
    assert "会话均已结束" in reset(boss)
    assert _logged_in(client)
    assert not _logged_in(bosses_other_browser)


def test_a_session_must_carry_the_accounts_current_epoch(db, make_user):
    user = make_user(Role.AUDITOR, "reader")
    assert load_user(user.get_id()) is user
    assert load_user(str(user.id)) is None  # a session from before epochs
    user.end_sessions()
    db.session.flush()
    assert load_user(f"{user.id}.0") is None
    assert load_user(user.get_id()) is user
    assert load_user("x.1") is None


def test_a_form_sent_after_the_session_ended_is_not_saved_and_the_page_says_so(
    app, db, client, make_user, make_facility
):
    """A form sent by the browser whose session was ended elsewhere meanwhile is not
    saved. The log-in page says so and how to get the text back, and leads afterwards to
    the page the form was on (the form's own address takes POST only)."""
    facility = make_facility()
    make_user(Role.FACILITY, "two_desks", facility=facility)
    _login(client, "two_desks")
    other = _copy(app, client)
    token = _token(other, "/facility/pledge")
    client.post("/auth/logout", data={"csrf_token": _token(client, "/")})

    def send(referrer: str | None):
        _forget_loaded_user()
        headers = {"Referer": referrer} if referrer else {}
        return other.post(
            "/facility/pledge/contact",
            data={"email": "office@example.cn", "csrf_token": token},
            headers=headers,
        )

    response = send("http://localhost/facility/pledge?tab=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login?next=%2Ffacility%2Fpledge%3Ftab%3D1")
    _forget_loaded_user()
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert "本设备上的登录已结束" in page
    assert "刚才提交的内容未能保存" in page and "“返回”按钮" in page
    assert count_rows(db, PledgeContact) == 0
    # Logged in again, the browser is taken back to the form's page.
    _forget_loaded_user()
    token = csrf_token(page)
    _forget_loaded_user()
    back = other.post(
        response.headers["Location"],
        data={"username": "two_desks", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert back.headers["Location"] == "/facility/pledge?tab=1"
    # A referrer of another site, or none, is not followed: the log-in page has no next.
    _forget_loaded_user()
    client.post("/auth/logout", data={"csrf_token": _token(other, "/")})
    for referrer in ("http://elsewhere.example/facility/pledge", "https://localhost/x", None):
        response = send(referrer)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/auth/login"), referrer
