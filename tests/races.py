"""Two transactions at once: a second one started while the first is still open, as a
double click or two people acting together would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

#: Sessions of this database waiting for a lock.
WAITING = sa.text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def second_meanwhile(target: Callable[[], object], what: str) -> None:
    """Run ``target`` (which opens an app context of its own) in another thread while the
    current app context's transaction is open, then commit this one and let ``target``
    finish.

    On PostgreSQL ``target`` must be found waiting for a lock the open transaction holds
    (``what``, e.g. "the second click", names it in the failure); SQLite has one writer at
    a time, so there ``target`` runs to its end first (its write refused as the database
    being locked)."""
    from portal.extensions import db

    other = threading.Thread(target=target)
    other.start()
    if db.engine.dialect.name == "sqlite":
        other.join(30)
    else:
        with db.engine.connect() as watcher:
            deadline = time.monotonic() + 10
            while not watcher.execute(WAITING).scalar() and time.monotonic() < deadline:
                watcher.rollback()
                time.sleep(0.05)
            assert watcher.execute(WAITING).scalar() == 1, f"{what} did not wait"
    db.session.commit()
    other.join(10)
    assert not other.is_alive()
