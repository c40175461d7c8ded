"""Bearer-token authentication for the API. Cookies are never accepted here, which is why
the API needs no CSRF token."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.database import begin_writing, utcnow
from portal.extensions import db
from portal.models.user import ApiToken, User

#: A token's last use is written again only after this long: a client's burst of reads
#: writes once, not once a request (each write takes SQLite's write lock).
LAST_USE_STEP = timedelta(minutes=1)


def token_user() -> User | None:
    # The scheme is case-insensitive (RFC 7235): "bearer" and "BEARER" are "Bearer".
    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == ApiToken.hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active or not row.user.is_bureau:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_STEP:
        # A write in a request that reads: on SQLite it takes the write lock first.
        begin_writing()
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()
    return row.user


def token_required(view):
    """401 without a valid staff token; the user is in ``g.api_user``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = token_user()
        if user is None:
            abort(401, _("需要有效的接口令牌（Authorization: Bearer ...）"))
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped
