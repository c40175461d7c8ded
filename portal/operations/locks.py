"""Row locks that make checks for a duplicate or a pending request hold under concurrency."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select

from portal.extensions import db


def lock_row(model, row_id: int) -> None:
    """Lock the row of ``model`` with ``row_id`` until the transaction ends (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite serialises writers anyway). Taken before looking for a
    record like the one about to be made, or for a request still pending, so that two such
    transactions at once (a double click, two people) check in turn, the second waiting to
    find what the first made."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def lock_name(name: str, number: int) -> None:
    """Lock (``name``, ``number``) until the transaction ends, where no row stands for it
    (a campaign year, say): PostgreSQL's transaction-level advisory lock; SQLite serialises
    writers anyway. The statement after it sees what the holder committed."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF
    db.session.execute(select(func.pg_advisory_xact_lock(key, number)))
