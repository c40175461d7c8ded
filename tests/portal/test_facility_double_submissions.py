"""The same request of a facility sent twice at the same moment (a double click on the
button): the second waits for the first (PostgreSQL's row lock; SQLite's write lock,
which every transaction takes as it begins), then finds it pending and is refused. One is
filed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db as _db
from portal.models.credit import CreditAppeal, CreditRepair
from portal.models.enums import Responsibility, Role, Severity
from portal.models.facility import Facility
from portal.models.points import PointAppeal, PointRecord, WarningTalkTask
from portal.operations.credit_appeals import file_credit_appeal
from portal.operations.credit_repair import apply_repair
from portal.operations.credit_workflow import CreditError
from portal.operations.point_appeals import file_appeal
from portal.operations.points import PointsError, complete_task
from tests.races import second_meanwhile

TODAY = date(2026, 8, 3)


@pytest.fixture
def world(fresh_database_url, tmp_path):
    """An app on a database of its own (each app context a session and a connection of
    its own) with a graded facility whose finding of January may be repaired, and a point
    record of one of its staff decided today, committed."""
    from flask_migrate import upgrade

    from portal.operations.credit import recompute_grade
    from portal.operations.registry import create_facility, create_staff
    from portal.operations.users import create_user
    from tests.conftest import TEST_PASSWORD, make_app
    from tests.credit_helpers import confirmed_finding, inspection
    from tests.factories import facility_data, staff_data
    from tests.portal.points_helpers import record_for

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        facility = create_facility(None, facility_data(1))
        one, two = (
            create_user(None, username=f"insp_{n}", display_name=f"检查员{n}",
                        role=Role.INSPECTOR, password=TEST_PASSWORD)
            for n in (1, 2)
        )  # fmt: skip
        january = date(2026, 1, 5)
        confirmed_finding(
            one, inspection(one, facility, [one, two], start=january, today=january),
            today=january, decision_date=january, period_start=None, period_end=None,
        )  # fmt: skip
        recompute_grade(facility, "manual", today=TODAY)
        staff = create_staff(None, staff_data(1, [facility]), january)
        record = record_for(
            one, staff, facility, Severity.MINOR, Responsibility.GENERAL, TODAY, TODAY
        )
        task = WarningTalkTask(staff=staff, facility=facility, record=record)
        _db.session.add(task)
        _db.session.commit()
        ids = {"facility": facility.id, "record": record.id, "task": task.id}
    try:
        yield app, ids
    finally:
        with app.app_context():
            _db.engine.dispose()


def _twice(app, submit) -> dict:
    """``submit()`` in a transaction left open, then again in another at the same time;
    the first is committed. Returns what became of the second."""
    with app.app_context():
        submit()
        return second_meanwhile(app, submit, (CreditError, PointsError), "the second")


def _count(app, model) -> int:
    with app.app_context():
        return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_objection_to_the_grade_sent_twice_at_once_is_filed_once(world):
    app, ids = world

    def submit():
        facility = _db.session.get(Facility, ids["facility"])
        file_credit_appeal(None, facility, finding=None, reason="等级计算有误", today=TODAY)

    outcome = _twice(app, submit)
    assert "已有待处理的同一事项异议" in outcome["refused"]
    assert _count(app, CreditAppeal) == 1


def test_a_repair_application_sent_twice_at_once_is_filed_once(world):
    app, ids = world

    def submit():
        facility = _db.session.get(Facility, ids["facility"])
        apply_repair(
            None, facility, statement="已整改并退回", pledge_signed_on=date(2026, 7, 1), today=TODAY
        )

    outcome = _twice(app, submit)
    assert "已有待决定的信用修复申请" in outcome["refused"]
    assert _count(app, CreditRepair) == 1


def test_an_objection_to_points_sent_twice_at_once_is_filed_once(world):
    app, ids = world

    def submit():
        record = _db.session.get(PointRecord, ids["record"])
        file_appeal(None, record, reason="记录有误", filed_on=TODAY)

    outcome = _twice(app, submit)
    assert "该记分已有待处理的异议" in outcome["refused"]
    assert _count(app, PointAppeal) == 1


def test_a_talk_marked_held_twice_at_once_is_marked_once(world):
    """The second waits, then finds the task done: its note does not replace the first's,
    and the talk is audited once."""
    from portal.models.audit import AuditLog

    app, ids = world
    notes = iter(["第一次填写", "第二次填写"])

    def submit():
        complete_task(None, _db.session.get(WarningTalkTask, ids["task"]), next(notes))

    outcome = _twice(app, submit)
    assert "该约谈任务不是待办状态" in outcome["refused"]
    with app.app_context():
        assert _db.session.get(WarningTalkTask, ids["task"]).note == "第一次填写"
    done = sa.select(sa.func.count()).where(AuditLog.action == "points.talk_done")
    with app.app_context():
        assert _db.session.scalar(done) == 1
