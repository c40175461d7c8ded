"""API tokens and passwords: an administrator's reset of another account's password (which
usually follows a suspected compromise) revokes its API tokens and says so; a user changing
their own password keeps them (an integration would otherwise stop unnoticed), and the
account page says so and who revokes them."""

from __future__ import annotations

from portal.models.enums import Role
from portal.models.user import ApiToken
from portal.operations.users import create_api_token
from tests.portal.test_sessions_end import (
    NEW_PASSWORD,
    _change_own_password,
    _forget_loaded_user,
    _login,
    _token,
)
from tests.portal.web_helpers import audit_rows, count_rows, page_text


def _api_status(app, token: str) -> int:
    _forget_loaded_user()
    headers = {"Authorization": f"Bearer {token}"}
    return app.test_client().get("/api/v1/inspections", headers=headers).status_code


def _reset(client, user, password: str = NEW_PASSWORD) -> str:
    url = f"/bureau/users/{user.id}"
    response = client.post(
        f"{url}/password", data={"password": password, "csrf_token": _token(client, url)}
    )
    assert response.status_code == 302
    _forget_loaded_user()
    return page_text(client.get(response.headers["Location"]).get_data(as_text=True))


def _logged_in_with_a_token(db, client, make_user, role: Role, username: str) -> tuple:
    """A new account of ``role`` with one API token, logged in on ``client``: (user, token)."""
    user = make_user(role, username)
    token = create_api_token(None, user)
    db.session.commit()
    _login(client, username)
    _forget_loaded_user()
    return user, token


def test_an_administrators_reset_revokes_the_accounts_api_tokens(app, db, client, make_user):
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    tokens = [create_api_token(None, officer), create_api_token(None, officer)]
    make_user(Role.ADMIN, "boss")
    db.session.commit()
    assert [_api_status(app, t) for t in tokens] == [200, 200]
    _login(client, "boss")

    page = _reset(client, officer)
    assert "会话均已结束" in page and "2 个有效的接口令牌已全部吊销" in page
    assert [_api_status(app, t) for t in tokens] == [401, 401]
    assert count_rows(db, ApiToken, ApiToken.revoked_at.is_(None)) == 0
    assert len(audit_rows(db, "token.revoke")) == 2
    # Reset again: nothing left to revoke, and the page says so.
    assert "该账号没有有效的接口令牌" in _reset(client, officer, "Other-password-43")
    # The same reset sent twice (a double click) is made twice, no error: an administrator
    # is never told that a password typed is the account's current one.
    page = _reset(client, officer, "Other-password-43")
    assert "密码已重置" in page and "新密码不能与当前密码相同" not in page


def test_changing_ones_own_password_keeps_ones_tokens_and_the_page_says_so(
    app, db, client, make_user
):
    _officer, token = _logged_in_with_a_token(db, client, make_user, Role.INSPECTOR, "officer")
    page = page_text(client.get("/auth/account").get_data(as_text=True))
    assert "不影响本账号的接口令牌（现有 1 个有效）" in page
    assert "请联系系统管理员" in page

    response = _change_own_password(client)
    assert response.status_code == 302
    _forget_loaded_user()
    page = page_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "密码已修改" in page and "接口令牌不受影响" in page
    assert _api_status(app, token) == 200
    assert audit_rows(db, "token.revoke") == []


def test_an_administrator_resetting_their_own_password_keeps_their_tokens(
    app, db, client, make_user
):
    boss, token = _logged_in_with_a_token(db, client, make_user, Role.ADMIN, "boss")
    account = client.get("/auth/account").get_data(as_text=True)
    # An administrator is shown where to revoke them: the account's own page.
    assert f'href="/bureau/users/{boss.id}">如需吊销令牌' in account

    page = _reset(client, boss)
    assert "接口令牌不受影响" in page
    assert _api_status(app, token) == 200
