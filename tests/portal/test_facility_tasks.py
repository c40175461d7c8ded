"""The facility's warning-talk tasks (约谈任务): the list and marking a talk held."""

from __future__ import annotations

from datetime import timedelta

from portal.database import utcnow
from portal.models.enums import Role, TaskStatus
from portal.models.points import WarningTalkTask
from tests.conftest import csrf_token
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


def test_a_refused_talk_note_is_shown_again_with_the_reason(
    db, client, auth, make_user, make_staff, make_facility
):
    """A note too long (or missing) is not saved: the page says why under that task's
    field and keeps what was typed, instead of losing it behind "请填写约谈情况"."""
    own = make_facility()
    first = _task(db, make_staff([own], name="约谈甲"), own)
    second = _task(db, make_staff([own], name="约谈乙"), own, age_days=1)
    make_user(Role.FACILITY, "fac_talks", facility=own)
    auth.login("fac_talks")
    page = client.get("/facility/tasks").get_data(as_text=True)
    # Each open task has a note field of its own, which its label names.
    for task in (first, second):
        assert f'id="note-{task.id}"' in page and f'for="note-{task.id}"' in page
    assert 'id="note"' not in page

    note = "已于本院医务科约谈本人，" + "谈话记录" * 500
    response = client.post(
        f"/facility/tasks/{first.id}/done", data={"csrf_token": csrf_token(page), "note": note}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "字段长度不能超过 2000 个字符" in html and "请填写约谈情况" not in html
    typed = html.index(f'id="note-{first.id}"')
    assert note in html[typed : html.index("</textarea>", typed)]
    # The other task's field stays empty.
    other = html.index(f'id="note-{second.id}"')
    assert "谈话记录" not in html[other : html.index("</textarea>", other)]
    db.session.expire_all()
    assert db.session.get(WarningTalkTask, first.id).status is TaskStatus.OPEN

    response = client.post(
        f"/facility/tasks/{second.id}/done", data={"csrf_token": csrf_token(page), "note": " "}
    )
    assert response.status_code == 200
    assert "此项必填" in response.get_data(as_text=True)

    response = client.post(
        f"/facility/tasks/{first.id}/done",
        data={"csrf_token": csrf_token(page), "note": "已约谈本人"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(WarningTalkTask, first.id)
    assert done.status is TaskStatus.DONE and done.note == "已约谈本人"


def test_marking_a_talk_held_asks_first(db, client, auth, make_user, make_staff, make_facility):
    """The note cannot be corrected once the task is done: the button asks before sending
    (static/js/app.js reads data-confirm)."""
    own = make_facility()
    _task(db, make_staff([own], name="约谈戊"), own)
    make_user(Role.FACILITY, "fac_confirm", facility=own)
    auth.login("fac_confirm")
    page = client.get("/facility/tasks").get_data(as_text=True)
    button = page[page.index("<button", page.index('action="/facility/tasks/')) :]
    button = button[: button.index(">")]
    assert 'data-confirm="标记后约谈情况不能再修改，确认已对 约谈戊 完成约谈？"' in button
