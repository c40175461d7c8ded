"""Raw rows for the migration tests of the credit tables: written with SQL, as a database
at an older revision holds them (the models describe the newest)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db as _db


def insert_facility(conn, fid: int = 1) -> None:
    conn.execute(sa.text(
        "INSERT INTO facility (id, credit_code, site_code, name, kind, level, ownership, "
        "county, address, legal_representative, agreement_start, status, contact_name, "
        "contact_phone, blacklisted, created_at, updated_at) VALUES (:id, "
        ":credit, :site, '甲', 'hospital', 'secondary', 'private', "
        "'崇川区', '路', '张', '2015-01-01', 'active', '', '', false, "
        "'2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
    ), {"id": fid, "credit": f"91320600MA1X0000{fid}A", "site": f"H3206000000{fid}"})  # fmt: skip


def history_keys(conn) -> set[tuple]:
    return {
        (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
        for fk in sa.inspect(conn).get_foreign_keys("credit_grade")
    }


def add_history(facility: int, breakdown: int) -> None:
    with _db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO credit_grade (facility_id, cycle, as_of, computed_at, graded, score, "
            "grade, rulebook_version, breakdown_id, caps, reason, trigger) VALUES (:f, 2026, "
            "'2026-06-15', '2026-06-15 00:00:00+00', true, 95, 'A', '2026.1', :b, '[]', '', "
            "'batch')"
        ), {"f": facility, "b": breakdown})  # fmt: skip


def two_facilities_with_a_breakdown_each() -> None:
    """Facilities 1 and 2, each with an empty breakdown of the same id, stored as JSON
    items (as before migration 0017)."""
    with _db.engine.begin() as conn:
        for fid in (1, 2):
            insert_facility(conn, fid)
            conn.execute(sa.text(
                "INSERT INTO credit_breakdown (id, facility_id, digest, items, created_at) "
                "VALUES (:id, :id, :d, '[]', '2026-06-01 00:00:00+00')"
            ), {"id": fid, "d": str(fid) * 32})  # fmt: skip
