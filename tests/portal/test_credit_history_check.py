"""A computation's breakdown must be one of its own facility's: since migration 0016 a
trigger checks it (per statement on PostgreSQL, for COPY as for INSERT; per row on
SQLite) instead of a foreign key checked per row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db as _db
from tests.conftest import make_app
from tests.credit_migration_helpers import (
    add_history,
    history_keys,
    insert_facility,
    two_facilities_with_a_breakdown_each,
)

ACTOR = (("actor_id",), "user_account", ("id",))
COMPOSITE = (("breakdown_id", "facility_id"), "credit_breakdown", ("id", "facility_id"))
MESSAGE = "信用评价记录（credit_grade）须指向本机构的评分明细（credit_breakdown）"


def _history_count() -> int:
    with _db.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM credit_grade"))


def _copy_history(rows: list[tuple[int, int]]) -> None:
    """History rows (facility, breakdown) in one COPY, as the batch recompute writes them."""
    raw = _db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            columns = ("facility_id, cycle, as_of, computed_at, graded, rulebook_version, "
                       "breakdown_id, caps, reason, trigger")  # fmt: skip
            with cursor.copy(f"COPY credit_grade ({columns}) FROM STDIN") as copy:
                for facility, breakdown in rows:
                    copy.write_row((facility, 2026, "2026-06-15", "2026-06-15 00:00:00+00",
                                    False, "2026.1", breakdown, "[]", "", "batch"))  # fmt: skip
        raw.commit()
    except Exception:
        raw.rollback()
        raise
    finally:
        raw.close()


def test_migration_0016_checks_the_breakdown_by_trigger_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0015")
        two_facilities_with_a_breakdown_each()
        add_history(1, 1)
        upgrade(revision="0016")
        with _db.engine.connect() as conn:
            assert history_keys(conn) == {ACTOR}
        add_history(2, 2)
        # Another facility's breakdown, a missing breakdown, a missing facility.
        for facility, breakdown in ((1, 2), (1, 3), (3, 1)):
            with pytest.raises(sa.exc.IntegrityError, match=MESSAGE):
                add_history(facility, breakdown)
        assert _history_count() == 2
        if _db.engine.dialect.name == "postgresql":
            # One wrong row fails the whole COPY; right rows go in.
            with pytest.raises(Exception, match=MESSAGE):
                _copy_history([(1, 1), (2, 2), (2, 1)])
            assert _history_count() == 2
            _copy_history([(1, 1), (2, 2)])
            assert _history_count() == 4
        downgrade(revision="0015")
        with _db.engine.connect() as conn:
            assert history_keys(conn) == {COMPOSITE, ACTOR}
        with pytest.raises(sa.exc.IntegrityError):
            add_history(1, 2)
        add_history(1, 1)
        _db.engine.dispose()


def _add_breakdown(conn, breakdown: int, facility: int) -> None:
    conn.execute(sa.text(
        "INSERT INTO credit_breakdown (id, facility_id, digest, lines, created_at) "
        "VALUES (:id, :f, :d, '', '2026-06-01 00:00:00+00')"
    ), {"id": breakdown, "f": facility, "d": str(breakdown) * 32})  # fmt: skip


def _run(sql: str, **params) -> None:
    with _db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def _breakdown_keys(conn) -> list[tuple]:
    return [
        (tuple(fk["constrained_columns"]), fk["referred_table"])
        for fk in sa.inspect(conn).get_foreign_keys("credit_breakdown")
    ]


def test_migration_0018_checks_breakdowns_and_guards_deletes_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0018")
        with _db.engine.begin() as conn:
            assert _breakdown_keys(conn) == []
            for fid in (1, 2, 3):
                insert_facility(conn, fid)
            _add_breakdown(conn, 1, 1)
            _add_breakdown(conn, 2, 2)
        add_history(1, 1)
        # A breakdown of no registered facility.
        with (
            pytest.raises(sa.exc.IntegrityError, match="须属于已登记的机构"),
            _db.engine.begin() as conn,
        ):
            _add_breakdown(conn, 9, 99)
        # Deletes the keys refused: a facility with breakdowns, a breakdown in use.
        with pytest.raises(sa.exc.IntegrityError, match="该机构已有评分明细"):
            _run("DELETE FROM facility WHERE id = 2")
        with pytest.raises(sa.exc.IntegrityError, match="已被信用评价记录"):
            _run("DELETE FROM credit_breakdown WHERE id = 1")
        # What nothing refers to may go.
        _run("DELETE FROM credit_breakdown WHERE id = 2")
        _run("DELETE FROM facility WHERE id IN (2, 3)")
        downgrade(revision="0017")
        with _db.engine.begin() as conn:
            assert _breakdown_keys(conn) == [(("facility_id",), "facility")]
            _add_breakdown(conn, 2, 1)
        with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
            _add_breakdown(conn, 9, 99)
        _run("DELETE FROM credit_breakdown WHERE id = 2")  # the guards went with the key
        add_history(1, 1)  # the history's check (0016) is still there
        with pytest.raises(sa.exc.IntegrityError):
            add_history(1, 7)
        _db.engine.dispose()
