"""Batch helpers: id filters cover exactly the ids asked for (or, for ``id_filters``, a
range the caller trims); COPY text says what the values say."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models.credit import CreditGrade
from portal.models.facility import Facility
from portal.operations import bulk
from portal.operations.bulk import CopyFields, copy_field, id_filters, in_filters, run_core
from portal.operations.credit import recompute_grade
from portal.operations.credit_batch import recompute_batch
from tests.credit_helpers import TODAY, confirmed_finding, inspection, two_inspectors


def _ids(filters) -> set[int]:
    return {i for where in filters for (i,) in run_core(select(Facility.id).where(where))}


def test_in_filters_cover_exactly_the_ids(db, make_facility):
    ids = sorted(make_facility().id for _ in range(6))
    dense, sparse = ids[1:4], [ids[0], ids[2], ids[5]]
    clauses = list(in_filters(Facility.id, list(reversed(dense)) + [dense[0]]))
    # Every id of a range, even out of order and repeated: one BETWEEN.
    assert len(clauses) == 1 and "BETWEEN" in str(clauses[0])
    assert _ids(clauses) == set(dense)
    # With gaps, never the ids in between.
    assert _ids(in_filters(Facility.id, sparse)) == set(sparse)
    assert "BETWEEN" not in " ".join(str(c) for c in in_filters(Facility.id, sparse))
    assert list(in_filters(Facility.id, [])) == []


def test_id_filters_cover_at_least_the_ids(db, make_facility):
    ids = sorted(make_facility().id for _ in range(5))
    nearly = [ids[0], ids[2], ids[4]]  # a range twice as long at most
    assert _ids(id_filters(Facility.id, nearly)) == set(ids)
    spread = [ids[0], ids[4] + 1000]
    assert _ids(id_filters(Facility.id, spread)) == {ids[0]}


def test_copy_fields_escape_text_and_write_each_type():
    assert copy_field("甲\t乙\\丙\n丁\r") == "甲\\t乙\\\\丙\\n丁\\r"
    assert [copy_field(v) for v in (None, True, False, 0, Decimal("-3.5"))] == [
        "\\N", "t", "f", "0", "-3.5",
    ]  # fmt: skip
    china = timezone(timedelta(hours=8))
    assert copy_field(datetime(2026, 11, 20, 12, tzinfo=china)) == "2026-11-20T12:00:00+08:00"
    assert copy_field(date(2026, 11, 20)) == "2026-11-20"
    with pytest.raises(ValueError, match="naive"):
        copy_field(datetime(2026, 11, 20, 12))
    # A cache per column: 1 and True are one key in a dict.
    graded, points = CopyFields(), CopyFields()
    assert (graded[True], points[1], graded[None]) == ("t", "1", "\\N")


_ROW_COLUMNS = ("facility_id", "cycle", "as_of", "graded", "score", "grade", "rulebook_version",
                "breakdown_id", "caps", "reason", "trigger", "actor_id")  # fmt: skip


def _last_rows(ids) -> dict[int, CreditGrade]:
    rows = {}
    for row in run_core(select(CreditGrade).where(CreditGrade.facility_id.in_(ids))):
        if row.facility_id not in rows or row.id > rows[row.facility_id].id:
            rows[row.facility_id] = row
    return rows


def test_batch_history_rows_match_single_ones_column_by_column(
    db, make_facility, make_user, monkeypatch
):
    """The batch writes its history with COPY text on PostgreSQL: what it writes reads back
    as what ``recompute_grade`` writes, a trigger of tabs, newlines and backslashes too,
    the last of the chunks it is sent in too."""
    monkeypatch.setattr(bulk, "COPY_CHUNK", 2)
    fraud, plain = make_facility(), make_facility()
    young = make_facility(agreement_start=date(2026, 8, 1))
    one, two = two_inspectors(make_user)
    confirmed_finding(one, inspection(one, fraud, [one, two]), category="fictitious_service")
    trigger = "重算\t第1批\n路径 C:\\批量\\r"
    ids = [fraud.id, young.id, plain.id]
    for facility in (fraud, young, plain):
        recompute_grade(facility, trigger, today=TODAY)
    db.session.commit()
    single = _last_rows(ids)
    recompute_batch(ids, TODAY, trigger=trigger)
    db.session.commit()
    batch = _last_rows(ids)
    for fid in ids:
        was, now = single[fid], batch[fid]
        assert now.id != was.id
        assert [getattr(now, c) for c in _ROW_COLUMNS] == [getattr(was, c) for c in _ROW_COLUMNS]
        assert (now.previous_grade, now.previous_score) == (was.grade, was.score)
        assert now.computed_at.tzinfo is not None and now.computed_at >= was.computed_at
    # The case is not empty: a cap, a grade and a score, an ungraded year with its reason.
    assert batch[fraud.id].caps == ["fraud"] and batch[plain.id].score == Decimal("100.0")
    assert batch[young.id].graded is False and batch[young.id].reason
    assert batch[plain.id].trigger == trigger
    assert batch[fraud.id].computed_at.utcoffset() == timedelta(0)
