"""ID numbers: masked on every page, encrypted at rest, revealed only with a reason, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.models.audit import AuditLog
from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.factories import id_number


def test_lists_and_pages_show_masked_id_numbers_only(client, auth, make_user, sample, db, app):
    facility, staff = sample
    full = id_number(555, "19880808")
    masked = full[:4] + "*" * 10 + full[-4:]
    assert staff.id_number_masked == masked

    make_user(Role.ADMIN, "sec_admin2")
    auth.login("sec_admin2")
    for url in (
        "/bureau/staff",
        f"/bureau/staff/{staff.id}",
        f"/bureau/staff/{staff.id}/edit",
        f"/bureau/facilities/{facility.id}",
    ):
        body = client.get(url).get_data(as_text=True)
        assert full not in body, url
        assert full[6:14] not in body, url  # the birth date is part of the secret
    assert masked in client.get("/bureau/staff").get_data(as_text=True)
    assert masked in client.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)

    client.post("/auth/logout", data={"csrf_token": csrf_token(client.get("/").get_data(True))})
    make_user(Role.FACILITY, "sec_fac", facility=facility)
    auth.login("sec_fac")
    body = client.get("/facility/staff").get_data(as_text=True)
    assert masked in body and full not in body


def test_id_numbers_are_encrypted_at_rest(db, sample):
    _facility, staff = sample
    full = id_number(555, "19880808")
    row = db.session.execute(
        text(
            "SELECT id_number_encrypted, id_number_hash, id_number_masked FROM staff_member "
            "WHERE id = :id"
        ),
        {"id": staff.id},
    ).one()
    encrypted, digest, masked = bytes(row[0]), row[1], row[2]
    assert full.encode() not in encrypted
    assert full[6:14].encode() not in encrypted
    assert full not in digest
    import hashlib

    # Not a plain, unkeyed hash that anyone could recompute from a guessed number.
    assert digest != hashlib.sha256(full.encode()).hexdigest()
    assert full not in masked


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.INSPECTOR, True),
        (Role.CREDIT_OFFICER, False),
        (Role.APPROVER, False),
        (Role.TIPOFF_HANDLER, False),
        (Role.AUDITOR, False),
        (Role.FACILITY, False),
    ],
)
def test_reveal_is_for_admin_and_inspector_and_is_audited(
    db, client, auth, make_user, sample, role, allowed
):
    facility, staff = sample
    full = id_number(555, "19880808")
    user = make_user(role, "revealer", facility=facility if role is Role.FACILITY else None)
    auth.login("revealer")
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"

    detail = client.get(f"/bureau/staff/{staff.id}")
    detail_html = detail.get_data(as_text=True)
    # Only those who may reveal are offered the button.
    assert ("查看完整身份证号" in detail_html) is allowed

    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/bureau/staff/{staff.id}/reveal", data={"reason": "核查举报线索", "csrf_token": token}
    )
    reveals = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.reveal_id")))
    body = response.get_data(as_text=True)
    if allowed:
        assert response.status_code == 200
        assert full in body
        assert len(reveals) == 1
        row = reveals[0]
        assert row.actor_id == user.id
        assert row.object_type == "staff" and row.object_id == str(staff.id)
        assert row.note == "核查举报线索"
        assert row.ip == "10.9.8.7"
        assert full not in row.note
    else:
        assert response.status_code == 403
        assert full not in body
        assert reveals == []


def test_reveal_needs_a_reason(db, client, auth, make_user, sample):
    _facility, staff = sample
    full = id_number(555, "19880808")
    make_user(Role.INSPECTOR, "no_reason")
    auth.login("no_reason")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/bureau/staff/{staff.id}/reveal",
        data={"reason": "", "csrf_token": token},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "请填写查看事由" in body
    assert full not in body
    # A reason too long is told as too long, not as missing.
    response = client.post(
        f"/bureau/staff/{staff.id}/reveal",
        data={"reason": "核" * 201, "csrf_token": token},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "200" in body and "请填写查看事由" not in body and full not in body
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.reveal_id")) is None


def test_reveal_by_get_is_not_allowed(client, auth, make_user, sample):
    _facility, staff = sample
    make_user(Role.INSPECTOR, "getter")
    auth.login("getter")
    assert client.get(f"/bureau/staff/{staff.id}/reveal").status_code == 405
