"""Driving the portal in tests: post a form as the browser does, then read back what was stored."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from portal.models.audit import AuditLog
from tests.conftest import csrf_token


def post_form(client, url: str, data: dict, page: str | None = None):
    """Post ``data`` to ``url`` with the CSRF token of the form's page (``url`` unless
    ``page`` is given)."""
    token = csrf_token(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token} | data)


def page_text(markup: str) -> str:
    """A page's text as read: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def count_rows(db, model, *where) -> int:
    """How many rows of ``model`` there are (that match ``where``, if given)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(db, action: str | None = None) -> list[AuditLog]:
    """The audit trail, oldest first; only the rows of ``action`` if given."""
    query = select(AuditLog).order_by(AuditLog.seq)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


def last_audit_row(db, action: str) -> AuditLog:
    """The latest audit row of ``action``; fails when there is none."""
    rows = audit_rows(db, action)
    assert rows, f"no {action} row"
    return rows[-1]
