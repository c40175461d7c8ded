"""The same points decision sent twice at once (a double click: the second request
arrives while the first is still being written): on PostgreSQL the second waits for the
person's row (on SQLite for the write lock every transaction takes as it begins), then
finds the first and is refused. The points are recorded once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.models.enums import Role
from portal.models.points import PointRecord
from portal.operations.points import PointsError
from tests.portal.points_helpers import TODAY, record_by_ids
from tests.races import second_meanwhile


@pytest.fixture
def committed_person(fresh_database_url, tmp_path):
    """An app on a database of its own (each app context a session and a connection of
    its own), with a person practising at a facility and an inspector, committed."""
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.operations.registry import create_facility, create_staff
    from portal.operations.users import create_user
    from tests.conftest import TEST_PASSWORD, make_app
    from tests.factories import facility_data, staff_data

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        user = create_user(None, username="insp", display_name="检查员", role=Role.INSPECTOR,
                           password=TEST_PASSWORD)  # fmt: skip
        staff = create_staff(None, staff_data(1, [create_facility(None, facility_data(1))]), TODAY)
        _db.session.commit()
        ids = staff.id, user.id
    try:
        yield app, *ids
    finally:
        with app.app_context():
            _db.engine.dispose()


def test_the_second_of_two_identical_decisions_at_once_is_not_recorded(committed_person):
    from portal.extensions import db as _db

    app, staff_id, user_id = committed_person
    with app.app_context():
        record_by_ids(staff_id, user_id)  # the first click, not yet committed
        outcome = second_meanwhile(
            app, lambda: record_by_ids(staff_id, user_id), PointsError, "the second click"
        )
        assert "请勿重复录入" in outcome["refused"]
        count = sa.select(sa.func.count()).select_from(PointRecord)
        assert _db.session.scalar(count) == 1


def test_a_page_is_read_while_a_decision_is_being_written(committed_person):
    """A page being read takes no write lock (on SQLite, where a form's transaction takes
    it as it begins): it is served while a decision is still being written, instead of
    waiting for it and failing as the database being locked."""
    from portal.extensions import db as _db

    app, staff_id, user_id = committed_person
    served = {}

    def read_page():  # another thread: a request of its own, with its own connection
        served["status"] = app.test_client().get("/facilities").status_code

    with app.app_context():
        record_by_ids(staff_id, user_id)  # written, not yet committed: the write lock is held
        reader = threading.Thread(target=read_page)
        reader.start()
        reader.join(30)
        _db.session.rollback()
    assert served == {"status": 200}


def test_two_wrong_passwords_at_once_are_both_counted(committed_person):
    """Guesses sent in parallel must each count towards the lock, not overwrite one
    another's count."""
    from portal.extensions import db as _db
    from portal.models.user import User
    from portal.operations.users import authenticate

    app, _staff_id, user_id = committed_person
    with app.app_context():
        assert authenticate("insp", "wrong-guess-1") == (None, "用户名或密码错误")
        outcome = second_meanwhile(
            app, lambda: authenticate("insp", "wrong-guess-2"), (), "the second guess"
        )
        assert outcome == {"done": True}
        _db.session.expire_all()
        assert _db.session.get(User, user_id).failed_logins == 2
