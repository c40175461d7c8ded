"""How computations are stored: breakdowns once per facility and content, digests, driver
rows, and the migrations of the credit tables: breakdowns moved
out (0006), read paths (0007), history indexes (0008), line digests (0009), the
unindexed current grade (0010) and one foreign key for a computation's breakdown and
facility (0011)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models.credit import CreditBreakdown, CreditGrade
from portal.models.inspections import Finding, FindingStatus
from portal.operations.bulk import plain_rows, stream_rows
from portal.operations.credit import all_facility_ids, latest_grade, recompute_grade
from portal.operations.credit_batch import recompute_all
from portal.operations.credit_breakdowns import breakdown_json, breakdown_of, items_digest
from portal.operations.credit_facts import collect_facts_many, facility_row, iter_facts
from tests.conftest import make_app
from tests.credit_helpers import TODAY, confirmed_finding, inspection, two_inspectors, varied_result
from tests.credit_migration_helpers import (
    add_history,
    history_keys,
    insert_facility,
    two_facilities_with_a_breakdown_each,
)


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def test_breakdown_digest_is_the_digest_of_the_stored_items():
    result = varied_result()
    stored = json.loads(json.dumps(breakdown_json(result)))  # as read back from the database
    for _ in range(2):  # the second time from the line cache
        assert breakdown_of(result).digest == items_digest(stored)
    # Any difference in content is a different digest: a source, a label, the order, a
    # grade set by hand, a date.
    items = result.items
    others = [
        varied_result(items=(items[0]._replace(source_id=99), *items[1:])),
        varied_result(items=(items[0]._replace(label="分解收费：6分"), *items[1:])),
        varied_result(items=(items[1], items[0], *items[2:])),
        varied_result(adjustments=()),
        varied_result(items=(items[0]._replace(changes_on=None), *items[1:])),
        varied_result(items=(items[0]._replace(points=Decimal("-5.1")), *items[1:])),
    ]
    digests = {breakdown_of(r).digest for r in [result, *others]}
    assert len(digests) == 1 + len(others)
    for other in others:
        assert breakdown_of(other).digest == items_digest(breakdown_json(other))


def test_same_facts_share_one_breakdown_and_keep_graded_at(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    confirmed_finding(one, inspection(one, facility, [one, two]))
    first = latest_grade(facility.id)
    graded_at = facility.graded_at
    breakdowns = _count(CreditBreakdown)
    again = recompute_grade(facility, "manual", today=TODAY)
    assert again.id != first.id and again.breakdown_id == first.breakdown_id
    assert again.breakdown == first.breakdown and again.breakdown[0]["source_type"] == "finding"
    assert _count(CreditBreakdown) == breakdowns
    # Nothing changed, so the current columns keep the time the result was first computed.
    assert facility.graded_at == graded_at
    # A new finding: a new breakdown, and the facility's current columns move.
    another = inspection(one, facility, [one, two], confirm_distinct=True)  # the same day
    confirmed_finding(one, another, category="inflated_charges")
    newest = latest_grade(facility.id)
    assert newest.breakdown_id != first.breakdown_id and len(newest.breakdown) == 2
    assert _count(CreditBreakdown) == breakdowns + 1
    stored = db.session.get(CreditBreakdown, newest.breakdown_id)
    assert stored.digest == items_digest(stored.items)


def test_batch_reuses_breakdowns_and_appends_every_computation(db, make_facility, make_user):
    facilities = [make_facility() for _ in range(3)]
    one, two = two_inspectors(make_user)
    confirmed_finding(one, inspection(one, facilities[0], [one, two]))
    ids = sorted(f.id for f in facilities)
    grades, breakdowns = _count(CreditGrade), _count(CreditBreakdown)
    assert recompute_all(TODAY, batch_size=2) == (len(all_facility_ids()), 2)
    first = {f: latest_grade(f) for f in ids}
    assert _count(CreditGrade) == grades + len(all_facility_ids())
    assert recompute_all(TODAY, batch_size=2)[1] == 0
    assert _count(CreditGrade) == grades + 2 * len(all_facility_ids())
    # The second run found the same facts: no new breakdown, the same one referenced.
    assert _count(CreditBreakdown) == breakdowns + len(all_facility_ids()) - 1
    assert all(latest_grade(f).breakdown_id == first[f].breakdown_id for f in ids)
    assert latest_grade(ids[0]).previous_grade == first[ids[0]].grade


def test_plain_rows_match_core_rows(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    confirmed_finding(one, inspection(one, facility, [one, two]), amount_involved_fen=123_456,
                      amount_refunded_fen=123_456, self_corrected=True)  # fmt: skip
    db.session.flush()
    columns = (Finding.id, Finding.facility_id, Finding.category, Finding.decision_date,
               Finding.amount_involved_fen, Finding.self_corrected)  # fmt: skip
    statement = select(*columns).where(
        Finding.facility_id == facility.id, Finding.status == FindingStatus.CONFIRMED
    )
    plain = plain_rows(statement)
    assert plain == [tuple(r) for r in db.session.execute(statement)]
    assert [type(v) for v in plain[0]] == [int, int, str, date, int, bool]
    assert list(stream_rows(statement)) == plain


def test_facts_read_as_they_come_match_facts_read_at_once(db, make_facility, make_user):
    """Findings are read a facility at a time, merged with the facilities in id order:
    facilities given in any order get each their own findings."""
    facilities = [make_facility() for _ in range(4)]
    one, two = two_inspectors(make_user)
    for facility, categories in ((facilities[0], ["inflated_charges"]),
                                 (facilities[2], ["inflated_charges", "upcoding"]),
                                 (facilities[3], ["upcoding"])):  # fmt: skip
        found = inspection(one, facility, [one, two])
        for category in categories:
            confirmed_finding(one, found, category=category)
    rows = sorted(facility_row(f) for f in facilities)
    streamed = collect_facts_many(rows, TODAY)
    assert streamed == collect_facts_many(rows[::-1], TODAY)
    assert [len(streamed[row[0]].findings) for row in rows] == [1, 0, 2, 1]
    assert [f.category for f in streamed[rows[2][0]].findings] == [
        "inflated_charges",
        "upcoding",
    ]


def test_migration_0006_moves_breakdowns_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    items = [{"points": -5.0, "rule": "finding", "source_type": "finding", "source_id": 1,
              "label": "分解收费：5分", "changes_on": "2027-01-01"}]  # fmt: skip
    with app.app_context():
        upgrade(revision="0005")
        with _db.engine.begin() as conn:
            insert_facility(conn)
            for n, breakdown in enumerate((items, items, [])):
                conn.execute(sa.text(
                    "INSERT INTO credit_grade (facility_id, cycle, as_of, computed_at, graded, "
                    "score, grade, rulebook_version, breakdown, caps, reason, trigger) VALUES "
                    "(1, 2026, '2026-06-15', :t, true, 95, 'A', '2026.1', :b, '[]', '', 'batch')"
                ), {"t": f"2026-06-1{n} 00:00:00+00", "b": json.dumps(breakdown)})  # fmt: skip
        upgrade(revision="0006")
        with _db.engine.connect() as conn:  # as 0006 left them (the models are newer)
            rows = conn.execute(sa.text(
                "SELECT g.breakdown_id, b.items FROM credit_grade g "
                "JOIN credit_breakdown b ON b.id = g.breakdown_id ORDER BY g.id"
            )).all()  # fmt: skip
            breakdowns = conn.scalar(sa.text("SELECT count(*) FROM credit_breakdown"))
        assert [json.loads(i) if isinstance(i, str) else i for _b, i in rows] == [items, items, []]
        assert rows[0][0] == rows[1][0] != rows[2][0]
        assert breakdowns == 2
        downgrade(revision="0005")
        with _db.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT breakdown FROM credit_grade ORDER BY id"))
            assert [json.loads(b) if isinstance(b, str) else b for (b,) in stored] == [
                items,
                items,
                [],
            ]
        _db.engine.dispose()


def _finding_indexes(bind) -> dict[str, list[str]]:
    return {
        ix["name"]: ix["column_names"]
        for ix in sa.inspect(bind).get_indexes("finding")
        if ix["name"].startswith("ix_finding_")
    }


def test_migration_0007_covering_index_and_compression_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0007")
        with _db.engine.connect() as conn:
            indexes = _finding_indexes(conn)
            assert indexes["ix_finding_credit"] == ["facility_id", "status", "decision_date", "id"]
            assert "ix_finding_facility_status_date" not in indexes
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                # The engine's other columns ride along, so a batch reads by index only.
                definition = conn.scalar(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_finding_credit'")
                )
                assert "INCLUDE (category, amount_involved_fen, self_corrected)" in definition
                compression = sa.text(
                    "SELECT attcompression FROM pg_attribute WHERE attname = 'items' "
                    "AND attrelid = 'credit_breakdown'::regclass"
                )
                assert conn.scalar(compression) == "l"  # lz4 (Debian's server has it)
        downgrade(revision="0006")
        with _db.engine.connect() as conn:
            indexes = _finding_indexes(conn)
            assert indexes["ix_finding_facility_status_date"] == [
                "facility_id",
                "status",
                "decision_date",
            ]
            assert "ix_finding_credit" not in indexes
            if postgres:
                assert conn.scalar(compression) == "p"
        _db.engine.dispose()


def _credit_index_definition(conn) -> str:
    return conn.scalar(
        sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_finding_credit'")
    )


def test_migration_0015_index_carries_confirmation_times_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        with _db.engine.connect() as conn:
            assert _finding_indexes(conn)["ix_finding_credit"] == KEY_COLUMNS
            if conn.dialect.name == "postgresql":
                assert _credit_index_definition(conn).endswith(
                    "INCLUDE (category, amount_involved_fen, self_corrected, confirmed_at)"
                )
        downgrade(revision="0014")
        with _db.engine.connect() as conn:
            assert _finding_indexes(conn)["ix_finding_credit"] == KEY_COLUMNS
            if conn.dialect.name == "postgresql":
                assert _credit_index_definition(conn).endswith(
                    "INCLUDE (category, amount_involved_fen, self_corrected)"
                )
        _db.engine.dispose()


KEY_COLUMNS = ["facility_id", "status", "decision_date", "id"]


def _grade_indexes(bind) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in sa.inspect(bind).get_indexes("credit_grade")}


def test_migration_0008_history_index_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0008")
        with _db.engine.connect() as conn:
            assert _grade_indexes(conn) == {
                "ix_credit_grade_cycle_facility": ["cycle", "facility_id"],
                "ix_credit_grade_facility_history": ["facility_id", "id"],
            }
            foreign_keys = {
                fk["constrained_columns"][0]: fk["referred_table"]
                for fk in sa.inspect(conn).get_foreign_keys("credit_grade")
            }
            assert foreign_keys["breakdown_id"] == "credit_breakdown"
        downgrade(revision="0007")
        with _db.engine.connect() as conn:
            assert _grade_indexes(conn) == {
                "ix_credit_grade_cycle_facility": ["cycle", "facility_id"],
                "ix_credit_grade_facility_id": ["facility_id"],
                "ix_credit_grade_breakdown_id": ["breakdown_id"],
            }
        _db.engine.dispose()


def test_migration_0009_digests_by_line_and_back(fresh_database_url, tmp_path):
    """Stored digests move to the line definition (the one recomputes look up) and back
    to the digest of the JSON text; the content stays as it was."""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    stored = [breakdown_json(r) for r in (varied_result(), varied_result(items=()))]
    text_digests = [
        hashlib.blake2b(json.dumps(i, ensure_ascii=False).encode(), digest_size=16).hexdigest()
        for i in stored
    ]
    with app.app_context():
        upgrade(revision="0008")
        with _db.engine.begin() as conn:
            insert_facility(conn)
            for items, digest in zip(stored, text_digests, strict=True):
                conn.execute(sa.text(
                    "INSERT INTO credit_breakdown (facility_id, digest, items, created_at) "
                    "VALUES (1, :d, :i, '2026-06-01 00:00:00+00')"
                ), {"d": digest, "i": json.dumps(items, ensure_ascii=False)})  # fmt: skip
        select_rows = sa.text("SELECT digest, items FROM credit_breakdown ORDER BY id")

        def rows():
            with _db.engine.connect() as conn:
                return [(d, json.loads(i) if isinstance(i, str) else i)
                        for d, i in conn.execute(select_rows)]  # fmt: skip

        upgrade(revision="0009")
        assert rows() == [(items_digest(i), i) for i in stored]
        assert rows()[0][0] == breakdown_of(varied_result()).digest
        downgrade(revision="0008")
        assert rows() == list(zip(text_digests, stored, strict=True))
        _db.engine.dispose()


def test_migration_0010_facility_grade_unindexed_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():

        def facility_indexes():
            with _db.engine.connect() as conn:
                return {ix["name"] for ix in sa.inspect(conn).get_indexes("facility")}

        upgrade()
        assert "ix_facility_credit_grade" not in facility_indexes()
        assert {"ix_facility_county", "ix_facility_name"} <= facility_indexes()
        downgrade(revision="0009")
        assert "ix_facility_credit_grade" in facility_indexes()
        _db.engine.dispose()


def test_migration_0011_one_foreign_key_for_breakdown_and_facility(
    fresh_database_url, tmp_path, capfd
):
    """A computation's breakdown must be its own facility's, and the facility must exist,
    through one key; back to a key each, and an upgrade refuses rows that break it."""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    actor = (("actor_id",), "user_account", ("id",))
    with app.app_context():
        upgrade(revision="0010")
        two_facilities_with_a_breakdown_each()
        add_history(1, 1)
        upgrade(revision="0011")
        with _db.engine.connect() as conn:
            assert history_keys(conn) == {
                (("breakdown_id", "facility_id"), "credit_breakdown", ("id", "facility_id")),
                actor,
            }
        add_history(2, 2)
        for facility, breakdown in ((1, 2), (3, 1), (1, 3)):
            with pytest.raises(sa.exc.IntegrityError):
                add_history(facility, breakdown)
        downgrade(revision="0010")
        with _db.engine.connect() as conn:
            assert history_keys(conn) == {
                (("breakdown_id",), "credit_breakdown", ("id",)),
                (("facility_id",), "facility", ("id",)),
                actor,
            }
        add_history(1, 2)  # allowed by the keys before 0011
        with pytest.raises(SystemExit):
            upgrade(revision="0011")
        assert (
            "迁移0011：1条信用评价记录（credit_grade）指向其他机构的评分明细"
            in capfd.readouterr().err
        )
        with _db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0010"
            assert len(history_keys(conn)) == 3
        _db.engine.dispose()


def test_iter_facts_refuses_facilities_out_of_order(db, make_facility):
    rows = sorted(facility_row(make_facility()) for _ in range(2))
    with pytest.raises(ValueError, match="ascending id order"):
        list(iter_facts(rows[::-1], TODAY))
