"""Two people at once on one inspection: a finding added on a page read before the
inspection was cancelled is refused, and a cancellation meanwhile waits for a finding
being added (PostgreSQL's row lock; SQLite's single writer refuses it)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models.enums import Role
from portal.models.inspections import Inspection, InspectionStatus
from portal.operations.findings import add_finding
from portal.operations.inspection_changes import cancel_inspection
from portal.operations.inspections import InspectionError
from tests.credit_helpers import (
    TODAY,
    finding_data,
    inspection,
)
from tests.races import second_meanwhile


@pytest.fixture
def committed_world(fresh_database_url, tmp_path):
    """An app on a database of its own (each app context a session and a connection of
    its own), with an open inspection and its two inspectors, committed."""
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from tests.conftest import TEST_PASSWORD, make_app
    from tests.factories import facility_data

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        people = [
            create_user(None, username=f"both_{n}", display_name=f"检查员{n}",
                        role=Role.INSPECTOR, password=TEST_PASSWORD)
            for n in (1, 2)
        ]  # fmt: skip
        insp = inspection(people[0], create_facility(None, facility_data(1)), people, today=TODAY)
        _db.session.commit()
        ids = insp.id, people[0].id
    try:
        yield app, *ids
    finally:
        with app.app_context():
            _db.engine.dispose()


def test_a_finding_added_to_an_inspection_read_before_its_cancellation_is_refused(
    committed_world,
):
    from portal.extensions import db as _db
    from portal.models.user import User

    app, inspection_id, user_id = committed_world
    with app.app_context():  # one inspector has the inspection open on screen...
        stale = _db.session.get(Inspection, inspection_id)
        user = _db.session.get(User, user_id)
        assert stale.status is InspectionStatus.OPEN
        # The page was read in a request of its own: nothing is held while the form is
        # filled in (SQLite would keep a writer waiting on an open read).
        _db.session.expunge_all()
        _db.session.rollback()
        with app.app_context():  # ...while another cancels it
            other = _db.session.get(User, user_id)
            cancel_inspection(other, _db.session.get(Inspection, inspection_id), "误登记")
            _db.session.commit()
        stale, user = _db.session.merge(stale, load=False), _db.session.merge(user, load=False)
        assert stale.status is InspectionStatus.OPEN  # what the form was filled in on
        with pytest.raises(InspectionError) as exc:
            add_finding(user, stale, finding_data(), TODAY)
        assert "已撤销" in exc.value.errors["category"]
        _db.session.rollback()
        assert stale.findings == []


def test_a_cancellation_meanwhile_waits_for_a_finding_being_added(committed_world):
    """The inspection's row is locked while a finding is added: a cancellation meanwhile
    waits, then sees the finding and is refused (rather than cancelling an inspection that
    has a finding, checked before the finding was committed). On SQLite the cancellation
    waits for the write lock every transaction takes as it begins."""

    from portal.extensions import db as _db
    from portal.models.user import User

    app, inspection_id, user_id = committed_world

    def cancel():
        user, insp = _db.session.get(User, user_id), _db.session.get(Inspection, inspection_id)
        cancel_inspection(user, insp, "误登记")

    with app.app_context():
        user = _db.session.get(User, user_id)
        add_finding(user, _db.session.get(Inspection, inspection_id), finding_data(), TODAY)
        outcome = second_meanwhile(
            app, cancel, InspectionError, "the cancellation", lambda exc: exc.errors
        )
        assert "违规发现草稿" in outcome["refused"]["status"]
        _db.session.expire_all()
        insp = _db.session.get(Inspection, inspection_id)
        assert insp.status is InspectionStatus.OPEN and len(insp.findings) == 1


def test_the_second_of_two_identical_inspections_sent_at_once_is_not_recorded(committed_world):
    """The same inspection sent twice at the same moment (a double click): the facility's
    row is locked while the first is recorded, so the second waits, then finds the first
    and is refused as its duplicate (on SQLite it waits for the write lock). One is
    recorded."""

    from portal.extensions import db as _db
    from portal.models.inspections import InspectionKind
    from portal.models.user import User
    from portal.operations.inspections import DuplicateInspection

    app, inspection_id, user_id = committed_world

    def record():
        user = _db.session.get(User, user_id)
        existing = _db.session.get(Inspection, inspection_id)
        return inspection(
            user, existing.facility, existing.inspectors, start=TODAY, today=TODAY,
            kind=InspectionKind.FLIGHT,
        )  # fmt: skip

    with app.app_context():
        first = record()  # the first click, not yet committed
        outcome = second_meanwhile(
            app, record, DuplicateInspection, "the second click",
            lambda exc: [i.id for i in exc.existing],
        )  # fmt: skip
        assert outcome["refused"] == [first.id]
        flights = sa.select(sa.func.count()).where(Inspection.kind == InspectionKind.FLIGHT)
        assert _db.session.scalar(flights) == 1


@pytest.mark.parametrize("first", ["correction", "recording"])
def test_an_inspection_corrected_into_one_recorded_at_the_same_moment_is_not_saved_twice(
    committed_world, first
):
    """An inspection corrected to another facility and kind while the same inspection is
    recorded there (two people entering one paper record): the facility it is to be at is
    locked as at recording, so whichever comes second waits, then finds the first and is
    refused as its duplicate (on SQLite it waits for the write lock). One flight
    inspection is there."""

    from portal.extensions import db as _db
    from portal.models.facility import Facility
    from portal.models.inspections import InspectionKind
    from portal.models.user import User
    from portal.operations.inspection_changes import update_inspection
    from portal.operations.inspections import DuplicateInspection
    from portal.operations.registry import create_facility
    from tests.factories import facility_data

    app, inspection_id, user_id = committed_world
    with app.app_context():
        there_id = create_facility(None, facility_data(2)).id
        _db.session.commit()

    def correct() -> int:
        user, insp = _db.session.get(User, user_id), _db.session.get(Inspection, inspection_id)
        there = _db.session.get(Facility, there_id)
        update_inspection(user, insp, {"facility": there, "kind": InspectionKind.FLIGHT}, TODAY)
        return insp.id

    def record() -> int:
        user, existing = _db.session.get(User, user_id), _db.session.get(Inspection, inspection_id)
        there = _db.session.get(Facility, there_id)
        return inspection(
            user, there, existing.inspectors, start=existing.start_date, today=TODAY,
            kind=InspectionKind.FLIGHT,
        ).id  # fmt: skip

    first_action, second_action = (correct, record) if first == "correction" else (record, correct)
    with app.app_context():
        first_id = first_action()  # not yet committed
        outcome = second_meanwhile(
            app, second_action, DuplicateInspection, f"the {first} meanwhile's rival",
            lambda exc: [i.id for i in exc.existing],
        )  # fmt: skip
        assert outcome["refused"] == [first_id]
        flights = sa.select(sa.func.count()).where(
            Inspection.kind == InspectionKind.FLIGHT, Inspection.facility_id == there_id
        )
        assert _db.session.scalar(flights) == 1
