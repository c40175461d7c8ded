"""Passwords: changing one's own on the account page, the rules a new password meets there
and on the administrator's forms, guessing the current password, tampered forms."""

from __future__ import annotations

import io
import re

from werkzeug.security import check_password_hash

from portal.models.enums import Role
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.portal.test_auth import _is_logged_in, _login, _page_token


def _change_password(client, current: str, new: str, confirm: str | None = None):
    token = _page_token(client, "/auth/account")
    return client.post(
        "/auth/account",
        data={
            "current": current,
            "new": new,
            "confirm": new if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def test_password_change(client, make_user):
    user = make_user(Role.TIPOFF_HANDLER, "changer")
    _login(client, "changer")

    body = _change_password(client, "wrong-current-1", "New-password-42").get_data(as_text=True)
    assert "当前密码不正确" in body
    body = _change_password(client, TEST_PASSWORD, "New-password-42", "Other-password-42")
    assert "两次输入的新密码不一致" in body.get_data(as_text=True)
    body = _change_password(client, TEST_PASSWORD, "short1").get_data(as_text=True)
    assert "密码至少需要 10 个字符" in body
    body = _change_password(client, TEST_PASSWORD, "onlyletterspassword").get_data(as_text=True)
    assert "至少包含字母、数字、符号中的两类" in body
    body = _change_password(client, TEST_PASSWORD, "aaaaaaaaa1").get_data(as_text=True)
    assert "密码不能由少数几个字符重复组成，请至少使用 5 个不同的字符" in body
    # Upper and lower case are different characters, as the user counts them.
    body = _change_password(client, TEST_PASSWORD, "AaBbAaBb12").get_data(as_text=True)
    assert "不同的字符" not in body
    body = _change_password(client, "AaBbAaBb12", TEST_PASSWORD).get_data(as_text=True)
    body = _change_password(client, TEST_PASSWORD, "My-CHANGER-2026").get_data(as_text=True)
    assert "密码不能包含用户名" in body
    body = _change_password(client, TEST_PASSWORD, TEST_PASSWORD).get_data(as_text=True)
    assert "新密码不能与当前密码相同" in body
    assert check_password_hash(user.password_hash, TEST_PASSWORD)
    # The form says the rules before anyone has to guess them.
    assert "至少 10 个字符，含字母、数字、符号中的两类，至少 5 个不同的字符，不含用户名" in body

    response = _change_password(client, TEST_PASSWORD, "New-password-42")
    assert response.status_code == 302
    assert "密码已修改" in client.get(response.headers["Location"]).get_data(as_text=True)

    client.post("/auth/logout", data={"csrf_token": _page_token(client)})
    assert "用户名或密码错误" in _login(client, "changer").get_data(as_text=True)
    assert _login(client, "changer", "New-password-42").status_code == 302


def test_a_new_account_password_may_not_contain_its_user_name(db, client, auth, make_user):
    from portal.models.user import User

    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    page = client.get("/bureau/users/new").get_data(as_text=True)
    assert "不含用户名" in page

    def create(password: str):
        return client.post("/bureau/users/new", data={
            "csrf_token": csrf_token(page), "username": "Zhang.Wei", "display_name": "张伟",
            "role": "inspector", "password": password,
        })  # fmt: skip

    body = create("zhang.wei-2026").get_data(as_text=True)
    # Under the password, not the user name.
    password_field = re.search(
        r'<div class="field has-error">\s*<label for="password".*?</div>\s*</div>', body, re.S
    )
    assert password_field and "密码不能包含用户名" in password_field.group(0)
    assert body.count("密码不能包含用户名") == 1
    assert db.session.scalar(db.select(User).filter_by(username="Zhang.Wei")) is None
    assert create("Inspect-2026-nt").status_code == 302
    assert db.session.scalar(db.select(User).filter_by(username="Zhang.Wei")) is not None


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(
    app, db, client, make_user
):
    """A session taken over must not guess the password without limit: wrong current
    passwords count as failed log-ins, a right one starts the count again."""
    user = make_user(Role.TIPOFF_HANDLER, "guessed")
    _login(client, "guessed")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _attempt in range(limit - 1):
        page = _change_password(client, "wrong-guess-1", "New-password-42").get_data(as_text=True)
        assert "当前密码不正确" in page
    assert user.failed_logins == limit - 1
    # The right one (with a new password that is refused) starts the count again.
    page = _change_password(client, TEST_PASSWORD, "onlyletterspassword").get_data(as_text=True)
    assert "至少包含字母、数字、符号中的两类" in page
    db.session.refresh(user)
    assert user.failed_logins == 0
    for _attempt in range(limit - 1):
        _change_password(client, "wrong-guess-2", "New-password-42")
    response = _change_password(client, "wrong-guess-3", "New-password-42")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    db.session.refresh(user)
    assert user.locked_until is not None and not _is_logged_in(client)
    assert "账号已临时锁定" in _login(client, "guessed").get_data(as_text=True)
    assert check_password_hash(user.password_hash, TEST_PASSWORD)


def test_password_fields_sent_as_files_read_as_left_empty(client, make_user):
    """Only a tampered request sends a file under a text field's name: the field reads as
    empty and says so, instead of the password checks failing on the file (a 500)."""
    user = make_user(Role.TIPOFF_HANDLER, "changer")
    _login(client, "changer")
    token = _page_token(client, "/auth/account")
    response = client.post(
        "/auth/account",
        data={
            "current": TEST_PASSWORD,
            "new": (io.BytesIO(b"New-password-42"), "new.txt"),
            "confirm": (io.BytesIO(b"New-password-42"), "confirm.txt"),
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert "请输入新密码" in response.get_data(as_text=True)
    assert check_password_hash(user.password_hash, TEST_PASSWORD)


def test_a_json_body_is_not_read_as_the_password_form(client, make_user):
    user = make_user(Role.TIPOFF_HANDLER, "changer")
    _login(client, "changer")
    token = _page_token(client, "/auth/account")
    response = client.post(
        "/auth/account",
        json={"current": TEST_PASSWORD, "new": 12345678901, "confirm": 12345678901},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert "请输入新密码" in response.get_data(as_text=True)
    assert check_password_hash(user.password_hash, TEST_PASSWORD)
