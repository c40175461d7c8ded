"""Staff points in the portal: recording, sanctions across facilities, restorations, API
(objections: test_points_appeals.py)."""

from datetime import date, timedelta

import pytest

from portal.models.enums import (
    Responsibility,
    RestorationKind,
    Role,
    Severity,
    TaskStatus,
)
from portal.models.points import PointRecord, WarningTalkTask
from portal.operations.point_appeals import decide_appeal, file_appeal
from portal.operations.points import PointsError, add_restoration, standing_for
from portal.operations.registry import RegistryError, update_staff
from portal.web import china_today
from tests.conftest import csrf_token
from tests.portal.points_helpers import TODAY
from tests.portal.points_helpers import record_for as _record


def test_points_come_from_the_rulebook_and_are_audited(db, make_staff, make_user):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    record = _record(inspector, staff, staff.facilities[0], Severity.SERIOUS, Responsibility.MAIN)
    assert record.points == 9
    assert record.rulebook_version
    from portal.models.audit import AuditLog

    row = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "points.record")).one()
    assert row.actor_name == "insp" and row.summary["after"]["points"] == 9


def test_warning_talk_task_at_every_facility_and_cancelled_on_revocation(
    db, make_staff, make_facility, make_user
):
    inspector = make_user(Role.INSPECTOR, "insp")
    approver = make_user(Role.APPROVER, "appr")
    first, second = make_facility(), make_facility()
    staff = make_staff([first, second])
    _record(inspector, staff, first, Severity.MINOR, Responsibility.MAIN)  # 3
    assert db.session.scalar(db.select(db.func.count()).select_from(WarningTalkTask)) == 0
    record = _record(inspector, staff, first, Severity.MINOR, Responsibility.MAIN)  # 6
    tasks = db.session.scalars(db.select(WarningTalkTask)).all()
    assert sorted(t.facility_id for t in tasks) == sorted([first.id, second.id])
    assert all(t.record_id == record.id and t.status is TaskStatus.OPEN for t in tasks)
    appeal = file_appeal(None, record, reason="非本人行为", filed_on=TODAY)
    decide_appeal(approver, appeal, upheld=True, reason="经核查不属实", today=TODAY)
    assert record.revoked and record.revoked_by_id == approver.id
    assert {t.status for t in tasks} == {TaskStatus.CANCELLED}


def test_suspension_applies_everywhere_and_bars_new_registration(
    db, client, auth, make_staff, make_facility, make_user
):
    inspector = make_user(Role.INSPECTOR, "insp")
    first, second, third = make_facility(), make_facility(), make_facility()
    staff = make_staff([first, second])
    today = china_today()
    _record(inspector, staff, first, Severity.GRAVEST, Responsibility.GENERAL, today, today)
    standing = standing_for(staff, today)
    assert standing.status.value == "suspended"  # 10 points: 3 months
    with pytest.raises(RegistryError) as info:
        update_staff(
            inspector,
            staff,
            {
                "staff_code": staff.staff_code,
                "name": staff.name,
                "profession": staff.profession,
                "facilities": [first, second, third],
            },
            today,
        )
    assert "暂停" in info.value.errors["facilities"]
    # Both facilities see the person on their must-not-bill list.
    for facility in (first, second):
        make_user(Role.FACILITY, f"fac{facility.id}", facility=facility)
        auth.login(f"fac{facility.id}")
        page = client.get("/facility/staff/barred").get_data(as_text=True)
        assert staff.name in page and "暂停中" in page
        auth.logout()
    make_user(Role.FACILITY, "fac_third", facility=third)
    auth.login("fac_third")
    assert staff.name not in client.get("/facility/staff/barred").get_data(as_text=True)


def test_restoration_cap_and_evidence(db, make_staff, make_user):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    _record(inspector, staff, staff.facilities[0], Severity.SERIOUS, Responsibility.GENERAL)
    for i in range(4):
        add_restoration(
            inspector,
            staff,
            kind=RestorationKind.TRAINING,
            granted_on=TODAY + timedelta(days=i),
            evidence=f"证书{i}",
            today=TODAY + timedelta(days=10),
        )
    with pytest.raises(PointsError, match="上限"):
        add_restoration(
            inspector,
            staff,
            kind=RestorationKind.INSPECTION,
            granted_on=TODAY + timedelta(days=5),
            evidence="检查任务",
            today=TODAY + timedelta(days=10),
        )
    assert standing_for(staff, TODAY + timedelta(days=10)).total == 3
    with pytest.raises(PointsError, match="证明材料"):
        add_restoration(
            inspector,
            staff,
            kind=RestorationKind.TRAINING,
            granted_on=TODAY,
            evidence=" ",
            today=TODAY,
        )


def test_inspector_records_points_on_the_web(db, client, auth, make_staff, make_user):
    make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    auth.login("insp")
    page = client.get(f"/bureau/staff/{staff.id}/points/new").get_data(as_text=True)
    response = client.post(
        f"/bureau/staff/{staff.id}/points/new",
        data={
            "csrf_token": csrf_token(page),
            "facility_id": staff.facilities[0].id,
            "violation": "虚记费用",
            "severity": "serious",
            "responsibility": "important",
            "decided_on": china_today().isoformat(),
            "source": "finding",
            "reference": "通医保罚〔2026〕8号",
        },
    )
    assert response.status_code == 302
    record = db.session.scalars(db.select(PointRecord)).one()
    assert record.points == 8 and record.recorded_by.username == "insp"
    detail = client.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)
    assert "虚记费用" in detail and "本周期累计" in detail
    # A role without the permission cannot record.
    auth.logout()
    make_user(Role.AUDITOR, "aud")
    auth.login("aud")
    assert client.get(f"/bureau/staff/{staff.id}/points/new").status_code == 403


def test_api_get_and_post_points(db, client, make_staff, make_user):
    from portal.operations.users import create_api_token

    inspector = make_user(Role.INSPECTOR, "insp")
    auditor = make_user(Role.AUDITOR, "aud")
    staff = make_staff()
    token = create_api_token(None, inspector)
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "facility": staff.facilities[0].site_code,
        "violation": "分解收费",
        "severity": "gravest",
        "responsibility": "important",
        "decided_on": china_today().isoformat(),
        "source": "screening",
        "reference": "文号1",
    }
    created = client.post(f"/api/v1/staff/{staff.staff_code}/points", json=body, headers=headers)
    assert created.status_code == 201
    data = created.get_json()
    assert data["points"] == 11 and data["total"] == 11 and data["status"] == "suspended"
    assert data["sanction"]["kind"] == "suspend"
    got = client.get(f"/api/v1/staff/{staff.staff_code}/points", headers=headers).get_json()
    assert got["ledger"][0]["points"] == 11 and got["cycle"] == china_today().year
    bad = client.post(
        f"/api/v1/staff/{staff.staff_code}/points",
        json=body | {"severity": "huge", "decided_on": "2026/1/1"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"severity", "decided_on"}
    assert client.get(f"/api/v1/staff/{staff.staff_code}/points").status_code == 401
    denied = client.post(
        f"/api/v1/staff/{staff.staff_code}/points",
        json=body,
        headers={"Authorization": f"Bearer {create_api_token(None, auditor)}"},
    )
    assert denied.status_code == 403


def test_api_points_refused_by_the_rules_name_the_field(
    db, client, make_staff, make_user, make_facility
):
    from portal.operations.users import create_api_token

    token = create_api_token(None, make_user(Role.INSPECTOR, "insp"))
    staff, elsewhere = make_staff(), make_facility(name="别处医院")
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "facility": staff.facilities[0].site_code, "violation": "分解收费",
        "severity": "minor", "responsibility": "general",
        "decided_on": (china_today() + timedelta(days=1)).isoformat(),
        "source": "manual", "reference": "文号2",
    }  # fmt: skip
    url = f"/api/v1/staff/{staff.staff_code}/points"
    ahead = client.post(url, json=body, headers=headers)
    assert ahead.status_code == 422
    assert ahead.get_json()["error"]["fields"] == {"decided_on": "决定日期不能晚于今天"}
    body |= {"decided_on": china_today().isoformat(), "facility": elsewhere.site_code}
    not_there = client.post(url, json=body, headers=headers)
    assert not_there.status_code == 422
    assert not_there.get_json()["error"]["fields"] == {
        "facility": "该人员未在所选机构执业，不能记分"
    }


def test_api_the_same_points_record_again_is_a_409_naming_it(db, client, make_staff, make_user):
    """The same decision sent again (a retry after a timeout) is refused with 409 naming
    the record already there, as an inspection recorded twice is; nothing is added."""
    from portal.operations.users import create_api_token

    token = create_api_token(None, make_user(Role.INSPECTOR, "insp"))
    staff = make_staff()
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "facility": staff.facilities[0].site_code, "violation": "串换药品",
        "severity": "minor", "responsibility": "general",
        "decided_on": china_today().isoformat(), "source": "manual", "reference": "文号3",
    }  # fmt: skip
    url = f"/api/v1/staff/{staff.staff_code}/points"
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == 409 and "请勿重复录入" in error["message"]
    assert error["existing"] == {
        "id": first.get_json()["id"], "points": first.get_json()["points"],
        "decided_on": china_today().isoformat(), "reference": "文号3",
    }  # fmt: skip
    # Typed again with other spaces, an invisible character or full-width forms: the same.
    for violation, reference in (("串换 药品", "文号3\u200b"), ("串换药品 ", "文号３")):
        again = client.post(url, json=body | {"violation": violation, "reference": reference},
                            headers=headers)  # fmt: skip
        assert again.status_code == 409, (violation, reference)
    ledger = client.get(url, headers=headers).get_json()["ledger"]
    assert len(ledger) == 1
    # Another violation under the same decision is another record.
    other = client.post(url, json=body | {"violation": "分解收费"}, headers=headers)
    assert other.status_code == 201


def test_public_page_shows_sanctions_only_when_the_rulebook_allows(
    app, db, client, make_staff, make_user, tmp_path
):
    from scoring.staff_points import DEFAULT_RULEBOOK

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff(name="张伟明")
    facility = staff.facilities[0]
    today = china_today()
    _record(inspector, staff, facility, Severity.GRAVEST, Responsibility.MAIN, today, today)
    url = f"/facilities/{facility.site_code}"
    page = client.get(url).get_data(as_text=True)
    assert "张某某" not in page and "张伟明" not in page
    assert "暂停或终止人员" not in page
    switched = tmp_path / "rb.toml"
    switched.write_text(
        DEFAULT_RULEBOOK.read_text(encoding="utf-8").replace(
            "show_individual_sanctions = false", "show_individual_sanctions = true"
        ),
        encoding="utf-8",
    )
    app.config["STAFF_POINTS_RULEBOOK"] = str(switched)
    try:
        page = client.get(url).get_data(as_text=True)
    finally:
        app.config.pop("STAFF_POINTS_RULEBOOK")
    assert "张某某" in page and "张伟明" not in page and "已终止" in page


def test_cycle_turns_at_midnight_china_time_not_utc(db, make_staff, make_user):
    from datetime import UTC, datetime

    from portal.web import china_date

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    # 31 Dec 2026 23:30 in China is still 15:30 UTC on 31 Dec; 00:30 on 1 Jan is 16:30 UTC.
    new_year_eve = china_date(datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
    new_year = china_date(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert (new_year_eve, new_year) == (date(2026, 12, 31), date(2027, 1, 1))
    _record(
        inspector,
        staff,
        staff.facilities[0],
        Severity.MODERATE,
        Responsibility.MAIN,
        new_year_eve,
        new_year_eve,
    )
    assert standing_for(staff, new_year_eve).total == 6
    after = standing_for(staff, new_year)
    assert after.cycle == 2027 and after.total == 0


def test_terminated_person_cannot_be_registered_elsewhere(db, make_staff, make_facility, make_user):
    inspector = make_user(Role.INSPECTOR, "insp")
    first, other = make_facility(), make_facility()
    staff = make_staff([first])
    today = china_today()
    _record(inspector, staff, first, Severity.GRAVEST, Responsibility.MAIN, today, today)
    with pytest.raises(RegistryError) as info:
        update_staff(
            inspector,
            staff,
            {
                "staff_code": staff.staff_code,
                "name": staff.name,
                "profession": staff.profession,
                "facilities": [first, other],
            },
            today,
        )
    assert "终止" in info.value.errors["facilities"]
    # Editing the person without adding a facility still works during the bar.
    update_staff(
        inspector,
        staff,
        {
            "staff_code": staff.staff_code,
            "name": "改名后",
            "profession": staff.profession,
            "facilities": [first],
        },
        today,
    )
    assert staff.name == "改名后"


def test_sanctions_list_says_when_a_search_finds_no_one(db, client, auth, make_staff, make_user):
    """Filtered to nothing, the list says no one matches, not that no one is sanctioned."""
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    today = china_today()
    _record(inspector, staff, staff.facilities[0], Severity.GRAVEST, Responsibility.GENERAL,
            today, today)  # fmt: skip
    db.session.commit()
    auth.login("insp")
    page = client.get("/bureau/sanctions").get_data(as_text=True)
    assert staff.name in page and "共 1 人" in page
    for query in ("?q=查无此人", "?facility=H99999999999"):
        page = client.get("/bureau/sanctions" + query).get_data(as_text=True)
        assert "没有符合条件的人员" in page, query
        assert "目前没有被暂停或终止医保支付资格的人员" not in page, query
