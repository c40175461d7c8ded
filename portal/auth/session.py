"""Flask-Login wiring (cookie sessions) and API token generation."""

from __future__ import annotations

import secrets

from flask import Flask, flash, g, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login.utils import login_url

from portal.extensions import db, login_manager
from portal.models.user import User

TOKEN_PREFIX = "mc_"  # noqa: S105  (a public prefix, not a secret)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(_unauthorized)


#: Said instead of ``login_message`` to a session ended elsewhere (``User.end_sessions``).
SESSION_ENDED_MESSAGE = _l(
    "该账号已在别处退出登录或密码已被修改，本设备上的登录已结束，请重新登录。"
)


def _unauthorized():
    """Flask-Login's redirect to the log-in page with ``next``, saying why when the session
    was ended by a log-out or password change elsewhere rather than never opened."""
    if g.get("session_ended"):
        flash(SESSION_ENDED_MESSAGE, "warning")
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, unless the session has been ended (``User.get_id``)."""
    number, _dot, epoch = user_id.partition(".")
    if not (number.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active:
        return None
    if user.session_epoch != int(epoch):
        g.session_ended = True  # by a log-out or password change since: said on redirect
        return None
    return user


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
