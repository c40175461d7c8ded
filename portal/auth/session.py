"""Flask-Login wiring (cookie sessions) and API token generation."""

from __future__ import annotations

import secrets

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.extensions import db, login_manager
from portal.models.user import User

TOKEN_PREFIX = "mc_"  # noqa: S105  (a public prefix, not a secret)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, unless the session has been ended (``User.get_id``)."""
    number, _dot, epoch = user_id.partition(".")
    if not (number.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
