"""Every staff write through the web leaves an audit row saying who, what and from where."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.user import ApiToken, User
from portal.operations.audit import verify_chain
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.factories import facility_data, id_number
from tests.portal.web_helpers import audit_rows as _rows

CLIENT_IP = "10.20.30.40"


def _form(data: dict) -> dict:
    """Typed factory data as a browser would post it."""
    out = {}
    for key, value in data.items():
        if hasattr(value, "value"):
            value = value.value
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def _last(db) -> AuditLog:
    return db.session.scalar(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1))


@pytest.fixture
def admin_client(client, auth, make_user):
    """A client logged in as an administrator, seen from CLIENT_IP."""
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    admin = make_user(Role.ADMIN, "audit_admin")
    assert auth.login("audit_admin").status_code == 302
    client.admin = admin
    return client


def _post(client, url: str, data: dict):
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token} | data)


def _assert_row(row: AuditLog, actor: User, action: str, object_type: str, object_id) -> None:
    assert row.action == action
    assert row.actor_id == actor.id
    assert row.actor_name == actor.username
    assert row.object_type == object_type
    assert row.object_id == str(object_id)
    assert row.ip == CLIENT_IP
    assert row.created_at.tzinfo is not None


def test_registry_writes_through_the_web_are_audited(db, admin_client, make_facility):
    client, admin = admin_client, admin_client.admin
    # Create a facility.
    data = _form(facility_data(71, name="审计测试医院"))
    response = _post(client, "/bureau/facilities/new", data)
    assert response.status_code == 302
    from portal.models.facility import Facility

    facility = db.session.scalar(select(Facility).where(Facility.name == "审计测试医院"))
    row = _last(db)
    _assert_row(row, admin, "facility.create", "facility", facility.id)
    assert row.summary["before"] is None
    assert row.summary["after"]["site_code"] == data["site_code"]
    assert row.summary["after"]["name"] == "审计测试医院"

    # Edit it: the summary keeps only what changed.
    response = _post(
        client,
        f"/bureau/facilities/{facility.id}/edit",
        data | {"address": "南通市崇川区新地址1号"},
    )
    assert response.status_code == 302
    row = _last(db)
    _assert_row(row, admin, "facility.update", "facility", facility.id)
    assert row.summary == {
        "before": {"address": data["address"]},
        "after": {"address": "南通市崇川区新地址1号"},
    }

    # Register a staff member at two sites, then edit.
    second = make_facility()
    staff_form = {
        "name": "吴审计",
        "staff_code": "D900000000071",
        "id_number": id_number(71, "19850612"),
        "profession": "nurse",
        "site_codes": f"{facility.site_code}, {second.site_code}",
    }
    assert _post(client, "/bureau/staff/new", staff_form).status_code == 302
    from portal.models.staff import StaffMember

    staff = db.session.scalar(select(StaffMember).where(StaffMember.staff_code == "D900000000071"))
    row = _last(db)
    _assert_row(row, admin, "staff.create", "staff", staff.id)
    assert row.summary["after"]["facilities"] == sorted([facility.site_code, second.site_code])
    assert row.summary["after"]["id_number"] == staff.id_number_masked

    edit = staff_form | {"id_number": "", "profession": "doctor", "site_codes": second.site_code}
    assert _post(client, f"/bureau/staff/{staff.id}/edit", edit).status_code == 302
    row = _last(db)
    _assert_row(row, admin, "staff.update", "staff", staff.id)
    assert row.summary["before"]["profession"] == "nurse"
    assert row.summary["after"]["profession"] == "doctor"
    assert row.summary["after"]["facilities"] == [second.site_code]

    # Revealing an ID number is a write to the trail too, with the reason.
    response = _post(client, f"/bureau/staff/{staff.id}/reveal", {"reason": "核对身份"})
    assert response.status_code == 200
    row = _last(db)
    _assert_row(row, admin, "staff.reveal_id", "staff", staff.id)
    assert row.note == "核对身份"

    assert verify_chain().ok


def test_account_writes_through_the_web_are_audited(db, admin_client, make_facility):
    client, admin = admin_client, admin_client.admin
    facility = make_facility()
    response = _post(
        client,
        "/bureau/users/new",
        {
            "username": "new_clerk",
            "display_name": "新账号",
            "role": "facility",
            "site_code": facility.site_code,
            "password": "Clerk-password-9",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "new_clerk"))
    row = _last(db)
    _assert_row(row, admin, "user.create", "user", user.id)
    assert row.summary["after"]["role"] == "facility"
    assert row.summary["after"]["facility"] == facility.site_code
    assert "Clerk-password-9" not in json.dumps(row.summary, ensure_ascii=False)

    response = _post(
        client,
        f"/bureau/users/{user.id}",
        {"display_name": "改名账号", "role": "facility", "site_code": facility.site_code},
    )
    assert response.status_code == 302
    row = _last(db)
    _assert_row(row, admin, "user.update", "user", user.id)
    assert row.summary["before"] == {"display_name": "新账号", "active": True}
    assert row.summary["after"] == {"display_name": "改名账号", "active": False}
    # Saved again unchanged: nothing to record.
    response = _post(
        client,
        f"/bureau/users/{user.id}",
        {"display_name": "改名账号", "role": "facility", "site_code": facility.site_code},
    )
    assert response.status_code == 302 and _last(db).id == row.id

    response = _post(client, f"/bureau/users/{user.id}/password", {"password": "Reset-password-7"})
    assert response.status_code == 302
    row = _last(db)
    _assert_row(row, admin, "user.password", "user", user.id)
    assert "Reset-password-7" not in row.note + json.dumps(row.summary)

    # A password too long is refused as such, not as missing; nothing is recorded.
    before = _last(db).id
    response = _post(client, f"/bureau/users/{user.id}/password", {"password": "Aa1" * 67})
    assert "新密码：字段长度不能超过 200 个字符" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    # Unlocking an account that is not locked changes nothing, and records nothing.
    response = _post(client, f"/bureau/users/{user.id}/unlock", {})
    assert "该账号未被锁定" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _last(db).id == before
    user.failed_logins = 2
    db.session.commit()
    assert _post(client, f"/bureau/users/{user.id}/unlock", {}).status_code == 302
    _assert_row(_last(db), admin, "user.unlock", "user", user.id)

    response = _post(client, f"/bureau/users/{admin.id}/tokens", {})
    assert response.status_code == 200
    token_row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == admin.id))
    row = _last(db)
    _assert_row(row, admin, "token.create", "api_token", token_row.id)
    assert row.summary["after"] == {"user": "audit_admin", "prefix": token_row.prefix}

    assert _post(client, f"/bureau/tokens/{token_row.id}/revoke", {}).status_code == 302
    _assert_row(_last(db), admin, "token.revoke", "api_token", token_row.id)
    assert verify_chain().ok


def test_own_password_change_is_audited(db, client, auth, make_user):
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    user = make_user(Role.INSPECTOR, "changes_own")
    auth.login("changes_own")
    response = _post(
        client,
        "/auth/account",
        {"current": TEST_PASSWORD, "new": "Brand-new-pass-5", "confirm": "Brand-new-pass-5"},
    )
    assert response.status_code == 302
    _assert_row(_last(db), user, "user.password", "user", user.id)


def test_failed_writes_leave_no_audit_row(db, admin_client):
    before = len(_rows(db))
    bad = _form(facility_data(72)) | {"site_code": "H123"}
    response = _post(admin_client, "/bureau/facilities/new", bad)
    assert response.status_code == 200
    assert len(_rows(db)) == before


def test_id_numbers_never_appear_unmasked(db, admin_client, make_facility):
    client = admin_client
    facility = make_facility()
    first = id_number(381, "19700704")
    second = id_number(382, "19710815")
    form = {
        "name": "郑隐私",
        "staff_code": "N800000000381",
        "id_number": first,
        "profession": "pharmacist",
        "site_codes": facility.site_code,
    }
    assert _post(client, "/bureau/staff/new", form).status_code == 302
    from portal.models.staff import StaffMember

    staff = db.session.scalar(select(StaffMember).where(StaffMember.staff_code == "N800000000381"))
    response = _post(client, f"/bureau/staff/{staff.id}/edit", form | {"id_number": second})
    assert response.status_code == 302
    revealed = _post(client, f"/bureau/staff/{staff.id}/reveal", {"reason": "核查"})
    assert second in revealed.get_data(as_text=True)

    rows = [r for r in _rows(db) if r.object_type == "staff"]
    assert [r.action for r in rows] == ["staff.create", "staff.update", "staff.reveal_id"]
    for row in rows:
        text = json.dumps(row.summary, ensure_ascii=False) + row.note
        for number in (first, second):
            assert number not in text
            assert number[6:14] not in text  # not even the birth date
    assert rows[1].summary["before"]["id_number"] == first[:4] + "*" * 10 + first[-4:]
    assert rows[1].summary["after"]["id_number"] == second[:4] + "*" * 10 + second[-4:]
    # And the audit page shows the masked form only.
    page = client.get("/bureau/audit").get_data(as_text=True)
    assert staff.id_number_masked in page
    assert first not in page and second not in page


def test_points_decisions_through_the_web_are_audited(db, client, auth, make_user, make_staff):
    """Recording points, deciding an appeal and revoking, each by the person entitled."""
    from portal.models.points import PointAppeal, PointRecord
    from portal.web import china_today

    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    inspector = make_user(Role.INSPECTOR, "points_inspector")
    approver = make_user(Role.APPROVER, "points_approver")
    staff = make_staff(name="记分对象")
    facility = staff.facilities[0]
    db.session.commit()

    auth.login("points_inspector")
    response = _post(
        client,
        f"/bureau/staff/{staff.id}/points/new",
        {
            "facility_id": str(facility.id),
            "violation": "超量开药",
            "severity": "minor",
            "responsibility": "general",
            "decided_on": china_today().isoformat(),
            "source": "manual",
            "reference": "通医保处〔2026〕7号",
        },
    )
    assert response.status_code == 302
    record = db.session.scalar(select(PointRecord).where(PointRecord.staff_id == staff.id))
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "points.record"))
    _assert_row(row, inspector, "points.record", "point_record", record.id)
    auth.logout()

    appeal = PointAppeal(record=record, filed_on=china_today(), reason="不是本人开具")
    db.session.add(appeal)
    db.session.commit()
    auth.login("points_approver")
    page = client.get(f"/bureau/appeals/{appeal.id}")
    assert page.status_code == 200 and "不是本人开具" in page.get_data(as_text=True)
    response = _post(
        client, f"/bureau/appeals/{appeal.id}", {"outcome": "rejected", "reason": "证据充分"}
    )
    assert response.status_code == 302
    _assert_row(_last(db), approver, "points.appeal_decide", "point_appeal", appeal.id)
    assert _last(db).note == "证据充分"

    response = _post(client, f"/bureau/points/{record.id}/revoke", {"reason": "复核后撤销"})
    assert response.status_code == 302
    row = _last(db)
    _assert_row(row, approver, "points.revoke", "point_record", record.id)
    assert row.note == "复核后撤销"
    assert verify_chain().ok
