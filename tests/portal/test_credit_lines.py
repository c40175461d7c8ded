"""Breakdowns stored by line: each distinct line once in ``credit_breakdown_line``, each
breakdown as its lines' ids and the records they name; read back as the items computed,
and migration 0017 from the JSON items and back."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from portal.database import utcnow
from portal.extensions import db as _db
from portal.models.credit import CreditBreakdown, CreditBreakdownLine, breakdown_items
from portal.operations.credit import latest_grade
from portal.operations.credit_batch import recompute_all
from portal.operations.credit_breakdowns import (
    _line_of,
    _token_of,
    breakdown_json,
    breakdown_of,
    items_digest,
    store_breakdowns,
    stored_items,
)
from scoring.credit import Item
from tests.conftest import make_app
from tests.credit_helpers import (
    TODAY,
    confirmed_finding,
    inspection,
    two_inspectors,
    varied_result,
)
from tests.credit_migration_helpers import insert_facility


def _store(facility_id: int, result) -> CreditBreakdown:
    breakdown = breakdown_of(result)
    key = (facility_id, breakdown.digest)
    breakdown_id = store_breakdowns({key: breakdown}, utcnow())[key]
    _db.session.expire_all()
    return _db.session.get(CreditBreakdown, breakdown_id)


def _line_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(CreditBreakdownLine))


def test_a_stored_breakdown_reads_back_as_computed(db, make_facility):
    result = varied_result()
    stored = _store(make_facility().id, result)
    assert stored.items == breakdown_json(result)
    assert stored.items[-1]["rule"] == "adjustment.grade"  # the grade set by hand, last
    assert stored.items[3]["source_id"] is None and stored.items[1]["changes_on"] is None
    assert stored.digest == items_digest(stored.items)
    # Items and no adjustment, no items at all.
    for other in (varied_result(adjustments=()), varied_result(items=(), adjustments=())):
        assert _store(make_facility().id, other).items == breakdown_json(other)
    assert _store(make_facility().id, varied_result(items=(), adjustments=())).lines == ""


def test_lines_are_stored_once_and_shared(db, make_facility):
    first, second = make_facility(), make_facility()
    result = varied_result()
    one = _store(first.id, result)
    lines = _line_count()
    # The same items for another facility, and one item naming another record: no new
    # line; a new label: one new line.
    two = _store(second.id, result)
    items = result.items
    renamed = varied_result(items=(items[0]._replace(source_id=99), *items[1:]))
    three = _store(second.id, renamed)
    assert _line_count() == lines
    assert one.id != two.id and one.lines == two.lines != three.lines
    assert three.lines.split()[0].endswith(":99")
    _store(second.id, varied_result(items=(items[0]._replace(label="分解收费：6分"), *items[1:])))
    assert _line_count() == lines + 1
    # Lines alike in all but their points, rule, source type or change date are distinct.
    alike = Item(Decimal("-5.0"), "finding", "finding", 12, "分解收费：5分", date(2027, 1, 1))
    variants = [alike._replace(points=Decimal("-4.0")), alike._replace(rule="pledge.x"),
                alike._replace(source_type="tipoff"), alike._replace(changes_on=None)]  # fmt: skip
    stored = _store(first.id, varied_result(items=tuple(variants), adjustments=()))
    assert _line_count() == lines + 1 + len(variants)
    assert len({ref.split(":")[0] for ref in stored.lines.split()}) == len(variants)


def test_batch_breakdowns_read_back_as_computed(db, make_facility, make_user):
    facilities = [make_facility() for _ in range(3)]
    one, two = two_inspectors(make_user)
    for facility in facilities[:2]:
        confirmed_finding(one, inspection(one, facility, [one, two]))
    recompute_all(TODAY, batch_size=2)
    grades = [latest_grade(f.id) for f in facilities]
    assert [len(g.breakdown) for g in grades] == [1, 1, 0]
    first, second = (g.breakdown[0] for g in grades[:2])
    assert first["source_type"] == "finding" and first["points"] < 0
    # Two findings alike: one line, each naming its own finding.
    assert {k: v for k, v in first.items() if k != "source_id"} == {
        k: v for k, v in second.items() if k != "source_id"
    }
    assert first["source_id"] != second["source_id"]
    line = grades[0].breakdown_row.lines.split(":")[0]
    assert grades[1].breakdown_row.lines.split(":")[0] == line
    assert breakdown_items(grades[0].breakdown_row.lines) == grades[0].breakdown


def test_migration_0017_moves_items_to_lines_and_back(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    stored = [
        breakdown_json(r)
        for r in (varied_result(), varied_result(adjustments=()), varied_result(items=()))
    ]
    stored.append([])
    with app.app_context():
        upgrade(revision="0016")
        with _db.engine.begin() as conn:
            insert_facility(conn)
            for n, items in enumerate(stored):
                conn.execute(sa.text(
                    "INSERT INTO credit_breakdown (facility_id, digest, items, created_at) "
                    "VALUES (1, :d, :i, '2026-06-01 00:00:00+00')"
                ), {"d": f"{n:032d}", "i": json.dumps(items, ensure_ascii=False)})  # fmt: skip
        upgrade(revision="0017")
        with app.test_request_context():
            rows = _db.session.scalars(select(CreditBreakdown).order_by(CreditBreakdown.id))
            assert [row.items for row in rows] == stored
            # Five distinct lines: four items, the grade adjustment's line and (in the second)
            # none new; their tokens are those a recompute looks lines up by.
            assert _line_count() == 5
            computed = {
                _token_of(line).hex() for line in map(_line_of, stored_items(varied_result()))
            }
            assert set(_db.session.scalars(select(CreditBreakdownLine.token))) == computed
            _db.session.remove()
        # The history's check still holds on SQLite, whose copy of the table drops it.
        with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO credit_grade (facility_id, cycle, as_of, computed_at, graded, "
                "rulebook_version, breakdown_id, caps, reason, trigger) VALUES (1, 2026, "
                "'2026-06-15', '2026-06-15 00:00:00+00', false, 'x', 99, '[]', '', 'batch')"
            ))  # fmt: skip
        downgrade(revision="0016")
        with _db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT items FROM credit_breakdown ORDER BY id"))
            assert [json.loads(i) if isinstance(i, str) else i for (i,) in rows] == stored
            assert "credit_breakdown_line" not in sa.inspect(conn).get_table_names()
        _db.engine.dispose()


def test_lines_of_any_text_read_back_alike(db, make_facility):
    """Labels and rules go to the database as array literals: quotes, backslashes,
    braces, commas, NULL and blanks come back as they were."""
    labels = ['a "quoted" \\ label\n', "NULL", "{1,2}", " 带空格 ", "", 'x\\"y']
    items = tuple(
        Item(Decimal(f"-{n}.5"), f"rule,{n}", None if n % 2 else "src}", n, label, None)
        for n, label in enumerate(labels)
    )
    result = varied_result(items=items, adjustments=())
    assert _store(make_facility().id, result).items == breakdown_json(result)
