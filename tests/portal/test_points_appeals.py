"""Objections to point records: the working-day deadline (also while the calendar lacks
the next year), who may decide them, filing them from the facility area, and the date of
one received on paper."""

from datetime import date, timedelta

import pytest

from portal.models.enums import AppealStatus, Responsibility, Role, Severity
from portal.models.points import PointAppeal
from portal.operations.point_appeals import appeal_deadline, decide_appeal, file_appeal
from portal.operations.points import PointsError
from portal.web import china_today
from tests.conftest import csrf_token
from tests.portal.points_helpers import TODAY, december_record
from tests.portal.points_helpers import record_for as _record
from tests.portal.web_helpers import post_form


def test_appeal_deadline_counts_working_days(db, make_staff, make_user):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    # Decided Wed 2026-09-30: 10 working days skip the National Day holiday -> 2026-10-20.
    record = _record(
        inspector,
        staff,
        staff.facilities[0],
        Severity.MINOR,
        Responsibility.GENERAL,
        date(2026, 9, 30),
        date(2026, 9, 30),
    )
    with pytest.raises(PointsError, match="2026-10-20"):
        file_appeal(None, record, reason="理由", filed_on=date(2026, 10, 21))
    appeal = file_appeal(None, record, reason="理由", filed_on=date(2026, 10, 20))
    assert appeal.status is AppealStatus.PENDING
    with pytest.raises(PointsError, match="待处理"):
        file_appeal(None, record, reason="再次", filed_on=date(2026, 10, 20))


def test_appeal_in_december_while_the_calendar_lacks_the_next_year(
    db, make_staff, make_user, calendar_until_2026
):
    """Ten working days from 2026-12-21 end in January 2027, which the calendar lacks: a
    filing in December is in time all the same; one in 2027 waits for the calendar."""
    staff, record = december_record(make_user, make_staff)
    assert appeal_deadline(record) is None
    with pytest.raises(PointsError, match="工作日历缺少相关年度"):
        file_appeal(None, record, reason="理由", filed_on=date(2027, 1, 4))
    appeal = file_appeal(None, record, reason="理由", filed_on=date(2026, 12, 31))
    assert appeal.status is AppealStatus.PENDING


def test_facility_objects_in_december_through_the_web(
    db, client, auth, make_staff, make_user, monkeypatch, calendar_until_2026
):
    staff, record = december_record(make_user, make_staff)
    monkeypatch.setattr("portal.facility.views.china_today", lambda: date(2026, 12, 28))
    make_user(Role.FACILITY, "fac", facility=staff.facilities[0])
    auth.login("fac")
    page = client.get(f"/facility/staff/{staff.id}/points").get_data(as_text=True)
    assert f"/facility/points/{record.id}/appeal" in page
    assert "期限待工作日历更新后确定" in page
    form = client.get(f"/facility/points/{record.id}/appeal").get_data(as_text=True)
    response = client.post(
        f"/facility/points/{record.id}/appeal",
        data={"csrf_token": csrf_token(form), "reason": "记录有误"},
    )
    assert response.status_code == 302
    assert db.session.scalars(db.select(PointAppeal)).one().filed_on == date(2026, 12, 28)


def test_recorder_cannot_decide_the_appeal(db, make_staff, make_user):
    credit = make_user(Role.CREDIT_OFFICER, "credit")
    staff = make_staff()
    record = _record(credit, staff, staff.facilities[0], Severity.MINOR, Responsibility.MAIN)
    appeal = file_appeal(None, record, reason="理由", filed_on=TODAY)
    with pytest.raises(PointsError, match="记分人"):
        decide_appeal(credit, appeal, upheld=True, reason="自己处理", today=TODAY)
    assert appeal.status is AppealStatus.PENDING and not record.revoked


def test_facility_files_appeal_only_for_its_own_staff(
    db, client, auth, make_staff, make_facility, make_user
):
    inspector = make_user(Role.INSPECTOR, "insp")
    own, other = make_facility(), make_facility()
    ours, theirs = make_staff([own]), make_staff([other])
    today = china_today()
    mine = _record(inspector, ours, own, Severity.MINOR, Responsibility.GENERAL, today, today)
    foreign = _record(
        inspector, theirs, other, Severity.MINOR, Responsibility.GENERAL, today, today
    )
    make_user(Role.FACILITY, "fac", facility=own)
    auth.login("fac")
    assert client.get(f"/facility/points/{foreign.id}/appeal").status_code == 404
    assert client.get(f"/facility/staff/{theirs.id}/points").status_code == 404
    page = client.get(f"/facility/points/{mine.id}/appeal").get_data(as_text=True)
    response = client.post(
        f"/facility/points/{mine.id}/appeal",
        data={"csrf_token": csrf_token(page), "reason": "记录有误"},
    )
    assert response.status_code == 302
    appeal = db.session.scalars(db.select(PointAppeal)).one()
    assert appeal.record_id == mine.id and appeal.filed_by.username == "fac"


def test_facility_is_offered_an_objection_only_where_one_can_be_filed(
    db, client, auth, make_staff, make_facility, make_user
):
    """Once an objection is pending (or the record revoked, or the deadline past), the
    points page no longer links to the form, and the form's address says why instead of
    taking a reason the bureau would refuse."""
    from datetime import timedelta

    from portal.operations.points import revoke_record

    inspector = make_user(Role.INSPECTOR, "insp")
    own = make_facility()
    staff = make_staff([own])
    today = china_today()
    pending = _record(inspector, staff, own, Severity.MINOR, Responsibility.GENERAL, today, today)
    revoked = _record(inspector, staff, own, Severity.MINOR, Responsibility.GENERAL, today, today)
    revoke_record(inspector, revoked, "录入错误", today)
    old = today - timedelta(days=60)
    late = _record(inspector, staff, own, Severity.MINOR, Responsibility.GENERAL, old, today)
    make_user(Role.FACILITY, "fac", facility=own)
    db.session.commit()
    auth.login("fac")

    points_url = f"/facility/staff/{staff.id}/points"
    assert f"/facility/points/{pending.id}/appeal" in client.get(points_url).get_data(as_text=True)
    form = client.get(f"/facility/points/{pending.id}/appeal").get_data(as_text=True)
    response = client.post(
        f"/facility/points/{pending.id}/appeal",
        data={"csrf_token": csrf_token(form), "reason": "记录有误"},
    )
    assert response.status_code == 302

    page = client.get(points_url).get_data(as_text=True)
    for record in (pending, revoked, late):
        assert f"/facility/points/{record.id}/appeal" not in page
    for record, why in (
        (pending, "该记分已有待处理的异议"),
        (revoked, "该记分已撤销"),
        (late, "已超过异议期限"),
    ):
        response = client.get(f"/facility/points/{record.id}/appeal")
        assert response.status_code == 302 and response.headers["Location"].endswith(points_url)
        assert why in client.get(points_url).get_data(as_text=True)
    assert len(db.session.scalars(db.select(PointAppeal)).all()) == 1


@pytest.mark.parametrize(
    ("filed", "message"),
    [(1, "提出日期不能晚于今天"), (-3, "提出日期不能早于记分决定日期")],
    ids=["tomorrow", "before_the_decision"],
)
def test_bureau_appeal_date_lies_between_the_decision_and_today(
    db, client, auth, make_staff, make_user, filed, message
):
    """An objection received on paper is dated the day it came in: not a day still to
    come, nor one before the points were decided."""
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    today = china_today()
    decided = today - timedelta(days=1)
    record = _record(
        inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.GENERAL,
        decided, today,
    )  # fmt: skip
    auth.login("insp")
    day = (today if filed > 0 else decided) + timedelta(days=filed)
    response = post_form(
        client,
        f"/bureau/points/{record.id}/appeal",
        {"filed_on": day.isoformat(), "reason": "记录有误"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="filed_on"' in page and f'value="{day.isoformat()}"' in page
    assert db.session.scalars(db.select(PointAppeal)).all() == []


def test_points_under_a_pending_objection_are_revoked_by_deciding_it(
    db, client, auth, make_staff, make_user
):
    """Revoked past a pending objection, the points would leave it to be decided only as
    "not upheld, points kept" (upholding it fails on revoked points): the objection is
    decided instead, upholding it revokes them."""
    from portal.models.points import PointRecord

    inspector = make_user(Role.INSPECTOR, "insp")
    make_user(Role.APPROVER, "appr")
    staff = make_staff()
    today = china_today()
    record = _record(
        inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.GENERAL,
        today, today,
    )  # fmt: skip
    appeal = file_appeal(None, record, reason="非本人行为", filed_on=today)
    db.session.commit()
    auth.login("appr")
    page = client.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)
    assert f"/bureau/appeals/{appeal.id}" in page
    assert f"/bureau/points/{record.id}/revoke" not in page
    response = post_form(client, f"/bureau/points/{record.id}/revoke", {"reason": "录入错误"})
    assert response.status_code == 200
    assert "该记分有待处理的异议" in response.get_data(as_text=True)
    assert not db.session.get(PointRecord, record.id).revoked
    response = post_form(
        client, f"/bureau/appeals/{appeal.id}", {"outcome": "upheld", "reason": "录入错误"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PointRecord, record.id).revoked
    assert db.session.get(PointAppeal, appeal.id).status is AppealStatus.UPHELD
