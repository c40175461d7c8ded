"""A recompute that changes every facility's current grade updates each facility row on
its own page (PostgreSQL: pages filled to half, migration 0013), so the update adds no
index entries; on SQLite the same recompute gives the same grades."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db as _db
from portal.models.credit import AdjustmentStatus, CreditAdjustment
from portal.models.enums import Role
from portal.models.facility import Facility
from portal.operations.credit_batch import recompute_all
from portal.operations.users import create_user
from tests.conftest import TEST_PASSWORD, make_app
from tests.credit_helpers import TODAY
from tests.factories import facility_data

FACILITIES = 120

PAGES = sa.text("SELECT id, (ctid::text::point)[0]::integer FROM facility ORDER BY id")
OPTIONS = sa.text("SELECT reloptions FROM pg_class WHERE relname = 'facility'")


def _grades() -> set[str | None]:
    return set(_db.session.scalars(select(Facility.credit_grade)))


def _lower_every_grade() -> None:
    """An approved adjustment of −15 points for every facility (A becomes B)."""
    proposer, approver = (
        create_user(None, username=f"adj_{k}", display_name=k, role=Role.CREDIT_OFFICER,
                    password=TEST_PASSWORD)
        for k in ("a", "b")
    )  # fmt: skip
    _db.session.flush()
    for facility_id in _db.session.scalars(select(Facility.id)):
        _db.session.add(
            CreditAdjustment(
                facility_id=facility_id, points=Decimal(-15), reason="复核",
                status=AdjustmentStatus.APPROVED, proposed_by_id=proposer.id,
                decided_by_id=approver.id, decided_at=utcnow(), approved_on=TODAY,
            )
        )  # fmt: skip
    _db.session.commit()


def test_a_recompute_changing_every_grade_keeps_each_row_on_its_page(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        postgres = _db.engine.dialect.name == "postgresql"
        _db.session.add_all(Facility(**facility_data(i)) for i in range(FACILITIES))
        _db.session.commit()
        assert recompute_all(TODAY) == (FACILITIES, FACILITIES)
        assert _grades() == {"A"}
        _lower_every_grade()
        if postgres:
            pages = _db.session.execute(PAGES).all()
            assert len({page for _id, page in pages}) > 1
        assert recompute_all(TODAY) == (FACILITIES, FACILITIES)
        assert _grades() == {"B"}
        if postgres:
            assert _db.session.execute(PAGES).all() == pages
            assert _db.session.scalar(OPTIONS) == ["fillfactor=50"]
        _db.session.remove()
        downgrade(revision="0012")
        if postgres:
            with _db.engine.connect() as conn:
                assert conn.scalar(OPTIONS) is None
        _db.engine.dispose()
