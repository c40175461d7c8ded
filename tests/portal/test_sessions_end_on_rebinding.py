"""A change of an account's role or facility ends its log-in sessions, since a session reads
the account afresh with every request and would go on in the new job; a change of role
revokes its API tokens too. A change of name leaves both alone."""

from __future__ import annotations

from sqlalchemy import select

from portal.models.enums import Role
from portal.models.user import ApiToken
from portal.operations.users import create_api_token
from tests.portal.test_sessions_end import _forget_loaded_user, _logged_in, _login, _token
from tests.portal.web_helpers import audit_rows


def _save(admin, user, **changes) -> str:
    """The administrator saves the account's edit form with ``changes``; the page after."""
    url = f"/bureau/users/{user.id}"
    data = {
        "display_name": user.display_name,
        "role": user.role.value,
        "site_code": user.facility.site_code if user.facility else "",
        "active": "y",
    } | changes
    response = admin.post(url, data=data | {"csrf_token": _token(admin, url)})
    assert response.status_code == 302
    _forget_loaded_user()
    return admin.get(response.headers["Location"]).get_data(as_text=True)


def test_a_facility_user_rebound_to_another_facility_is_logged_out(
    app, client, make_user, make_facility
):
    first = make_facility(name="第一家医院")
    second = make_facility(name="第二家医院")
    clerk = make_user(Role.FACILITY, "clerk", facility=first)
    make_user(Role.ADMIN, "boss")
    clerks_browser = app.test_client()
    _login(clerks_browser, "clerk")
    _forget_loaded_user()
    assert "第一家医院" in clerks_browser.get("/facility/").get_data(as_text=True)
    _login(client, "boss")

    page = _save(client, clerk, site_code=second.site_code)
    assert "所属机构已变更" in page and "会话均已结束" in page
    assert not _logged_in(clerks_browser)
    _forget_loaded_user()
    response = clerks_browser.get("/facility/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # Logged in again, the account works for the facility it is bound to now.
    _login(clerks_browser, "clerk")
    _forget_loaded_user()
    home = clerks_browser.get("/facility/").get_data(as_text=True)
    assert "第二家医院" in home and "第一家医院" not in home
    assert _logged_in(client)  # the administrator's own session goes on


def test_a_change_of_role_logs_the_account_out_and_revokes_its_tokens(app, db, client, make_user):
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    token = create_api_token(None, officer)
    make_user(Role.ADMIN, "boss")
    db.session.commit()
    officers_browser = app.test_client()
    _login(officers_browser, "officer")
    _login(client, "boss")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/inspections", headers=bearer).status_code == 200
    # A change of name leaves both alone.
    page = _save(client, officer, display_name="新名字")
    assert "已保存修改" in page and "会话均已结束" not in page
    assert _logged_in(officers_browser)
    _forget_loaded_user()
    assert api.get("/api/v1/inspections", headers=bearer).status_code == 200

    page = _save(client, officer, role=Role.AUDITOR.value)
    assert "角色已变更" in page and "其 1 个有效的接口令牌已全部吊销" in page
    assert not _logged_in(officers_browser)
    _forget_loaded_user()
    assert api.get("/api/v1/inspections", headers=bearer).status_code == 401
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == officer.id))
    assert row.revoked_at is not None
    assert [r.object_id for r in audit_rows(db, "token.revoke")] == [str(row.id)]
    # With no token left, a further change of role says nothing of tokens.
    page = _save(client, officer, role=Role.APPROVER.value)
    assert "角色已变更：该账号已登录的会话均已结束" in page and "已全部吊销" not in page
