"""Row locks that make checks for a duplicate or a pending request hold under concurrency."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def lock_row(model, row_id: int) -> None:
    """Lock the row of ``model`` with ``row_id`` until the transaction ends (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite serialises writers anyway). Taken before looking for a
    record like the one about to be made, or for a request still pending, so that two such
    transactions at once (a double click, two people) check in turn, the second waiting to
    find what the first made."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
