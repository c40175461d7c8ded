"""Driving the portal's forms in tests: post as the browser does, then count what was stored."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import csrf_token


def post_form(client, url: str, data: dict):
    """Post ``data`` to ``url`` with the CSRF token of the form page at ``url``."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token} | data)


def count_rows(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
