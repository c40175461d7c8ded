"""The facility's warning-talk tasks (约谈任务): the list and marking a talk held."""

from __future__ import annotations

from datetime import timedelta

from portal.database import utcnow
from portal.models.enums import Role, TaskStatus
from portal.models.points import WarningTalkTask
from tests.portal.access_world import points_record


def _task(db, staff, facility, *, status=TaskStatus.OPEN, age_days=0, note=""):
    task = WarningTalkTask(
        staff=staff,
        facility=facility,
        record=points_record(staff, facility),
        status=status,
        created_at=utcnow() - timedelta(days=age_days),
        note=note,
    )
    db.session.add(task)
    db.session.commit()
    return task


def test_open_tasks_are_listed_before_done_and_cancelled_ones(
    db, client, auth, make_user, make_staff, make_facility
):
    """The tasks still to do come first, however old: done and cancelled ones are record."""
    own = make_facility()
    _task(db, make_staff([own], name="待约谈甲"), own, age_days=40)
    _task(db, make_staff([own], name="已约谈乙"), own, status=TaskStatus.DONE, note="已约谈")
    _task(db, make_staff([own], name="已取消丙"), own, status=TaskStatus.CANCELLED, age_days=1)
    _task(db, make_staff([own], name="待约谈丁"), own, age_days=2)
    make_user(Role.FACILITY, "fac_tasks", facility=own)
    auth.login("fac_tasks")

    page = client.get("/facility/tasks").get_data(as_text=True)
    order = sorted(("待约谈甲", "已约谈乙", "已取消丙", "待约谈丁"), key=page.index)
    # Open ones first, newest first; then the rest, newest first.
    assert order == ["待约谈丁", "待约谈甲", "已约谈乙", "已取消丙"]
