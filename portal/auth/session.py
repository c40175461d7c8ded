"""Flask-Login wiring (cookie sessions) and API token generation."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session
from flask_babel import lazy_gettext as _l
from flask_login import logout_user, user_logged_in
from flask_login.utils import login_url

from portal.database import utcnow
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
    app.before_request(_end_idle_session)
    user_logged_in.connect(_logged_in, app)


#: Where a log-in session keeps the time of its last request (seconds since the epoch).
SEEN_KEY = "seen_at"
#: The time of the last request is written again only after this many seconds, so that a
#: burst of requests does not send a new session cookie with every answer.
SEEN_STEP = 60

#: Said to a browser whose session ended after ``SESSION_IDLE_MINUTES`` without a request.
IDLE_MESSAGE = _l("由于长时间（%(minutes)s分钟）未操作，已自动退出登录，请重新登录。")


def mark_seen() -> None:
    """The session is in use now (called on log-in, and by every request)."""
    session[SEEN_KEY] = int(utcnow().timestamp())


def _logged_in(_app, **_extra) -> None:
    mark_seen()  # whatever an earlier log-in of this browser left


def _end_idle_session() -> None:
    """A log-in session that made no request for ``SESSION_IDLE_MINUTES`` ends (an
    unattended screen in an office); any request keeps it open. The API takes bearer
    tokens, never the session, and static files do not count as use."""
    if request.endpoint in (None, "static") or request.blueprint == "api":
        return
    if "_user_id" not in session:
        return
    now = int(utcnow().timestamp())
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int):
        mark_seen()  # a session from before this rule: from now on
        return
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if now - seen > minutes * 60:
        logout_user()
        g.session_idle = True
        flash(str(IDLE_MESSAGE % {"minutes": minutes}), "warning")
    elif now - seen >= SEEN_STEP:
        mark_seen()


#: Said instead of ``login_message`` to a session ended elsewhere (``User.end_sessions``):
#: a log-out, a password change, or a change of the account's role or facility.
SESSION_ENDED_MESSAGE = _l(
    "该账号已在别处退出登录，或其密码、角色、所属机构已被修改，本设备上的登录已结束，请重新登录。"
)


#: Said besides to a browser whose form was sent after its session had ended.
UNSENT_MESSAGE = _l(
    "刚才提交的内容未能保存：请点击浏览器的“返回”按钮回到表单，复制已填写的内容，重新登录后再提交。"
)


def _unauthorized():
    """Flask-Login's redirect to the log-in page with ``next``, saying why when the session
    was ended by a log-out or password change elsewhere rather than never opened.

    A form sent without a session (ended elsewhere meanwhile) was not saved: the page says
    so, and ``next`` is the form's address or, where that answers POST only, the page the
    form was on (the referrer, when a page of this site)."""
    if g.get("session_ended"):
        flash(SESSION_ENDED_MESSAGE, "warning")
    elif g.get("session_idle"):
        pass  # said already, when the session ended
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    target = request.url
    if request.method not in ("GET", "HEAD"):
        flash(UNSENT_MESSAGE, "warning")
        rule = request.url_rule
        if rule is None or "GET" not in (rule.methods or ()):
            target = _form_page()
    return redirect(login_url(login_manager.login_view, next_url=target))


def _form_page() -> str | None:
    """The page a form was sent from: the referrer when it is a page of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts, here = urlsplit(referrer), urlsplit(request.host_url)
    if (parts.scheme, parts.netloc) != (here.scheme, here.netloc):
        return None
    return referrer


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
        g.session_ended = True  # by a log-out, password or job change since: said on redirect
        return None
    return user


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
