"""Log-in sessions end after ``SESSION_IDLE_MINUTES`` without a request, and log-ins and
log-outs are in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g

import portal.auth.session as session_module
from portal.database import utcnow
from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.portal.web_helpers import audit_rows


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved forward by hand."""

    class Clock:
        now = utcnow()

        def forward(self, minutes: float) -> None:
            self.now += timedelta(minutes=minutes)

    clock = Clock()
    monkeypatch.setattr(session_module, "utcnow", lambda: clock.now)
    return clock


def _get(client, url: str):
    """A request as a server gets it: Flask-Login's loaded user lives in ``g``, which the
    tests' app context keeps between requests."""
    for name in list(g):
        g.pop(name)
    return client.get(url)


def test_a_session_idle_too_long_ends_and_says_why(app, client, auth, make_user, clock):
    make_user(Role.INSPECTOR, "idler")
    assert auth.login("idler").status_code == 302
    minutes = app.config["SESSION_IDLE_MINUTES"]
    clock.forward(minutes - 1)
    assert _get(client, "/bureau/").status_code == 200
    # Each request keeps it open: idle time counts from the last one.
    clock.forward(minutes - 1)
    assert _get(client, "/bureau/").status_code == 200
    clock.forward(minutes + 1)
    response = _get(client, "/bureau/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    page = _get(client, response.headers["Location"]).get_data(as_text=True)
    assert f"由于长时间（{minutes}分钟）未操作，已自动退出登录" in page
    assert "请先登录" not in page  # one message, not two
    # The session stays ended.
    assert _get(client, "/bureau/").status_code == 302


def test_requests_within_a_minute_do_not_rewrite_the_session(client, auth, make_user, clock):
    make_user(Role.INSPECTOR, "busy")
    auth.login("busy")
    clock.forward(2)
    assert "Set-Cookie" in _get(client, "/bureau/").headers  # last seen two minutes ago
    clock.forward(0.5)
    assert "Set-Cookie" not in _get(client, "/bureau/").headers


def test_an_idle_session_on_a_public_page_ends_quietly_for_the_page(
    app, client, auth, make_user, clock
):
    make_user(Role.CREDIT_OFFICER, "reader")
    auth.login("reader")
    clock.forward(app.config["SESSION_IDLE_MINUTES"] + 5)
    page = _get(client, "/facilities")
    assert page.status_code == 200
    assert "已自动退出登录" in page.get_data(as_text=True)
    assert _get(client, "/auth/account").status_code == 302


def test_logging_in_again_after_an_idle_end_starts_afresh(app, client, auth, make_user, clock):
    make_user(Role.INSPECTOR, "returner")
    auth.login("returner")
    clock.forward(app.config["SESSION_IDLE_MINUTES"] + 1)
    assert _get(client, "/bureau/").status_code == 302
    for name in list(g):
        g.pop(name)
    assert auth.login("returner").status_code == 302
    assert _get(client, "/bureau/").status_code == 200


def test_logging_out_and_in_later_is_not_an_idle_session(app, client, auth, make_user, clock):
    make_user(Role.INSPECTOR, "daily")
    auth.login("daily")
    auth.logout()
    clock.forward(app.config["SESSION_IDLE_MINUTES"] * 3)
    for name in list(g):
        g.pop(name)
    assert auth.login("daily").status_code == 302
    assert _get(client, "/bureau/").status_code == 200


def test_log_ins_and_log_outs_are_audited(db, client, auth, make_user):
    user = make_user(Role.APPROVER, "signer")
    assert auth.login("signer", "wrong-password").status_code == 200
    assert audit_rows(db, "user.login") == []
    auth.login("signer")
    (login,) = audit_rows(db, "user.login")
    assert (login.actor_id, login.object_type, login.object_id) == (user.id, "user", str(user.id))
    assert login.ip == "127.0.0.1"
    page = client.get("/auth/account")
    client.post("/auth/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    (logout,) = audit_rows(db, "user.logout")
    assert logout.actor_id == user.id
    assert logout.seq > login.seq
