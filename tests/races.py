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


def second_meanwhile(
    app,
    action: Callable[[], object],
    refusal: type[Exception] | tuple[type[Exception], ...],
    what: str,
    describe: Callable[[Exception], object] = str,
) -> dict:
    """Do ``action`` again, in an app context of its own in another thread, while the
    current app context's transaction (which did it first) is open; then commit this one
    and let the other finish. Returns what became of the second: ``{"done": True}``,
    ``{"refused": describe(error)}`` for a ``refusal`` error, or ``{"busy": message}``.

    The second must be found waiting for a lock the open transaction holds (``what``, e.g.
    "the second click", names it in the failure): a row lock on PostgreSQL, the write lock
    on SQLite, where every transaction takes it as it begins."""
    from portal.extensions import db

    outcome: dict = {}

    def second():
        with app.app_context():
            try:
                action()
                db.session.commit()
                outcome["done"] = True
            except refusal as exc:
                outcome["refused"] = describe(exc)  # before the rollback expires objects
                db.session.rollback()
            except sa.exc.OperationalError as exc:
                db.session.rollback()
                outcome["busy"] = str(exc)

    other = threading.Thread(target=second)
    other.start()
    if db.engine.dialect.name == "sqlite":
        # No view of who waits for what: give the second time to reach the write lock the
        # open transaction holds (every transaction begins IMMEDIATE). Had it not reached
        # it yet, it runs after the commit: the same order, and the same outcome.
        time.sleep(0.3)
        assert other.is_alive(), f"{what} did not wait: {outcome}"
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
    return outcome
