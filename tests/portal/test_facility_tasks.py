"""The facility's warning-talk tasks (约谈任务): the list and marking a talk held."""

from __future__ import annotations

import re
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


def _listed(page: str) -> list[str]:
    """The people of the tasks listed, in order."""
    return re.findall(r"<tr><td>([^<]+)</td>", page)


def test_tasks_are_listed_a_page_at_a_time(
    app, db, client, auth, make_user, make_staff, make_facility
):
    """A facility with many tasks sees them a page at a time, as the bureau's lists: open
    ones first, then the rest, newest first (the id deciding between tasks of one moment);
    never another facility's."""
    per_page = app.config["PAGE_SIZE"]
    own, other = make_facility(), make_facility()
    _task(db, make_staff([other], name="他院人员"), other)
    opened = [
        _task(db, make_staff([own], name=f"待约谈{n:02d}"), own, age_days=n) for n in range(3)
    ]
    done = []
    same_moment = utcnow() - timedelta(days=10)
    for n in range(per_page):
        task = _task(db, make_staff([own], name=f"已约谈{n:02d}"), own, status=TaskStatus.DONE)
        task.created_at = same_moment
        done.append(task)
    db.session.commit()
    make_user(Role.FACILITY, "fac_many_tasks", facility=own)
    auth.login("fac_many_tasks")

    expected = [t.staff.name for t in opened] + [t.staff.name for t in reversed(done)]
    first = client.get("/facility/tasks").get_data(as_text=True)
    assert _listed(first) == expected[:per_page]
    assert f"共 {len(expected)} 条" in first and "他院人员" not in first
    assert re.search(r'<a href="/facility/tasks\?page=2">下一页</a>', first)
    second = client.get("/facility/tasks?page=2").get_data(as_text=True)
    assert _listed(second) == expected[per_page:]
    assert '<a href="/facility/tasks?page=1">上一页</a>' in second

    # Not a page number: the first page; past the last: the last, saying so.
    assert _listed(client.get("/facility/tasks?page=abc").get_data(as_text=True)) == _listed(first)
    response = client.get("/facility/tasks?page=99")
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "第 99 页不存在：共 2 页，已转到第 2 页。" in page and _listed(page) == _listed(second)


def test_a_refused_note_is_shown_on_the_page_listing_its_task(
    app, db, client, auth, make_user, make_staff, make_facility
):
    """A note refused for a task on the second page is shown again there, with the reason,
    and the page's links lead back to the list, not to the address the form was sent to."""
    per_page = app.config["PAGE_SIZE"]
    own = make_facility()
    tasks = [
        _task(db, make_staff([own], name=f"约谈人{n:02d}"), own, age_days=n)
        for n in range(per_page + 1)
    ]
    make_user(Role.FACILITY, "fac_page_two", facility=own)
    auth.login("fac_page_two")
    oldest = tasks[-1]
    page = client.get("/facility/tasks?page=2").get_data(as_text=True)
    assert _listed(page) == [oldest.staff.name]

    response = client.post(
        f"/facility/tasks/{oldest.id}/done", data={"csrf_token": csrf_token(page), "note": " "}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _listed(html) == [oldest.staff.name]
    field = html.index(f'id="note-{oldest.id}"')
    assert "此项必填" in html[field:]
    assert '<a href="/facility/tasks?page=1">上一页</a>' in html
    assert "/done?page=" not in html


def test_a_talk_over_points_decided_elsewhere_names_their_points_not_their_violation(
    db, client, auth, make_user, make_staff, make_facility
):
    """The talk is held at every facility where the person practises; what the points
    were for is the deciding facility's business (as on the person's points page)."""
    own, other = make_facility(), make_facility()
    shared = make_staff([own, other], name="孙两地")
    task = WarningTalkTask(staff=shared, facility=own, record=points_record(shared, other))
    db.session.add(task)
    db.session.add(WarningTalkTask(staff=shared, facility=other, record=task.record))
    db.session.commit()
    make_user(Role.FACILITY, "fac_shared_talk", facility=own)
    auth.login("fac_shared_talk")
    page = client.get("/facility/tasks").get_data(as_text=True)
    assert "孙两地" in page and f"其他机构记分 {task.record.points} 分" in page
    assert task.record.violation not in page
    make_user(Role.FACILITY, "fac_deciding_talk", facility=other)
    auth.logout()
    auth.login("fac_deciding_talk")
    assert task.record.violation in client.get("/facility/tasks").get_data(as_text=True)
