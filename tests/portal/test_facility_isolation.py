"""A facility account reaches its own facility's pages, staff, points and tasks, never another's."""

from __future__ import annotations

from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.portal.access_world import points_record as _points_record


def test_facility_area_urls_carry_no_facility_id(app):
    """A facility user's own facility comes from the account, never from the URL."""
    facility_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("facility.")]
    assert facility_rules
    for rule in facility_rules:
        assert not rule.arguments & {"facility_id", "site_code", "credit_code"}, rule.rule


def test_facility_user_sees_only_their_own_facility(
    client, auth, make_user, make_staff, make_facility
):
    own = make_facility(name="通州区本院卫生院")
    other = make_facility(name="海门区他院医院")
    make_staff([own], name="钱自家")
    make_staff([own, other], name="孙两地")
    make_staff([other], name="李别家")
    make_user(Role.FACILITY, "own_facility_user", facility=own)
    assert auth.login("own_facility_user").headers["Location"].endswith("/facility/")

    home = client.get("/facility/").get_data(as_text=True)
    assert own.name in home and own.site_code in home
    assert other.name not in home and other.site_code not in home

    for url in (
        "/facility/staff",
        f"/facility/staff?facility_id={other.id}",
        "/facility/staff?q=李",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "李别家" not in page, url
    staff_page = client.get("/facility/staff").get_data(as_text=True)
    assert "钱自家" in staff_page and "孙两地" in staff_page

    # The bureau registry is closed to facility users, including the other facility's record.
    assert client.get(f"/bureau/facilities/{other.id}").status_code == 403
    assert client.get(f"/bureau/facilities/{own.id}").status_code == 403


def test_facility_staff_list_hides_ended_practices(
    db, client, auth, make_user, make_staff, make_facility
):
    from datetime import date

    from portal.operations.registry import update_staff

    own = make_facility()
    other = make_facility()
    moved = make_staff([own, other], name="周调离")
    update_staff(
        None,
        moved,
        {
            "staff_code": moved.staff_code,
            "name": moved.name,
            "profession": moved.profession,
            "facilities": [other],
        },
        date(2026, 2, 1),
    )
    make_user(Role.FACILITY, "fac_user", facility=own)
    auth.login("fac_user")
    assert "周调离" not in client.get("/facility/staff").get_data(as_text=True)


def test_facility_account_without_facility_is_refused(db, client, auth, make_user, make_facility):
    user = make_user(Role.FACILITY, "orphan_user")
    auth.login("orphan_user")
    user.facility = None
    db.session.flush()
    assert client.get("/facility/").status_code == 403


def test_facility_user_cannot_reach_another_facilitys_points_or_tasks(
    db, client, auth, make_user, make_staff, make_facility
):
    from portal.models.points import WarningTalkTask

    own = make_facility(name="自家医院")
    other = make_facility(name="别家医院")
    elsewhere = make_staff([other], name="别家医生")
    record = _points_record(elsewhere, other)
    task = WarningTalkTask(staff=elsewhere, facility=other, record=record)
    db.session.add(task)
    make_user(Role.FACILITY, "nosy_facility", facility=own)
    db.session.commit()
    auth.login("nosy_facility")

    assert client.get(f"/facility/staff/{elsewhere.id}/points").status_code == 404
    assert client.get(f"/facility/points/{record.id}/appeal").status_code == 404
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/facility/points/{record.id}/appeal", data={"csrf_token": token, "reason": "试图代提"}
    )
    assert response.status_code == 404
    response = client.post(
        f"/facility/tasks/{task.id}/done", data={"csrf_token": token, "note": "试图代办"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(WarningTalkTask, task.id).note == ""
    assert "别家医生" not in client.get("/facility/tasks").get_data(as_text=True)
    assert "别家医生" not in client.get("/facility/staff/barred").get_data(as_text=True)


def test_a_staff_search_without_match_does_not_say_no_staff_are_registered(
    db, client, auth, make_user, make_staff, make_facility
):
    own = make_facility()
    make_staff([own], name="钱自家")
    make_user(Role.FACILITY, "fac_search", facility=own)
    auth.login("fac_search")
    page = client.get("/facility/staff?q=不存在的人").get_data(as_text=True)
    assert "没有找到符合条件的人员" in page and "暂无登记的医保相关人员" not in page
    assert "钱自家" in client.get("/facility/staff").get_data(as_text=True)
    empty = make_facility()
    make_user(Role.FACILITY, "fac_empty", facility=empty)
    auth.logout()
    auth.login("fac_empty")
    assert "暂无登记的医保相关人员" in client.get("/facility/staff").get_data(as_text=True)


def test_a_person_shared_with_another_facility_is_objected_to_only_where_decided(
    db, client, auth, make_user, make_staff, make_facility
):
    """Points decided at the other facility count in the person's standing here, but only
    the deciding facility sees what they were for and may object to them."""
    from portal.models.points import PointAppeal

    own = make_facility(name="自家医院")
    other = make_facility(name="别家医院")
    shared = make_staff([own, other], name="孙两地")
    theirs = _points_record(shared, other)
    ours = _points_record(shared, own)
    ours.reference = "通医保处〔2026〕2号"
    make_user(Role.FACILITY, "shared_facility", facility=own)
    db.session.commit()
    auth.login("shared_facility")

    page = client.get(f"/facility/staff/{shared.id}/points").get_data(as_text=True)
    assert "通医保处〔2026〕2号" in page  # ours, in full
    assert "通医保处〔2026〕1号" not in page and "别家医院" not in page  # theirs, without detail
    assert "由其他机构处理，详情不予显示" in page
    assert f"/facility/points/{ours.id}/appeal" in page
    assert f"/facility/points/{theirs.id}/appeal" not in page

    assert client.get(f"/facility/points/{theirs.id}/appeal").status_code == 404
    token = csrf_token(page)
    response = client.post(
        f"/facility/points/{theirs.id}/appeal", data={"csrf_token": token, "reason": "代他院提出"}
    )
    assert response.status_code == 404
    assert db.session.query(PointAppeal).count() == 0
    response = client.post(
        f"/facility/points/{ours.id}/appeal", data={"csrf_token": token, "reason": "本院提出"}
    )
    assert response.status_code == 302
    assert [a.record_id for a in db.session.query(PointAppeal)] == [ours.id]
