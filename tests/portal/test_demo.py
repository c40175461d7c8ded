"""Demo data: deterministic, valid identifiers, every kind of facility, accounts that log in.

Loading takes a second or two, so one test loads it (through ``medcredit seed-demo``, inside
the rolled-back ``db`` fixture) and checks many properties of the result.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
from portal.demo_names import COUNTIES, OTHER_ID_REGIONS
from portal.demo_plan import plan_facilities
from portal.demo_staff import plan_staff
from portal.identity import decrypt_identity, identity_hash
from portal.models import (
    AuditLog,
    Facility,
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    Profession,
    Role,
    StaffMember,
    StaffPractice,
    User,
)
from portal.models.inspections import Inspection, InspectionStatus
from portal.operations.audit import verify_chain
from portal.operations.users import check_password_strength
from portal.validators import check_credit_code, check_id_number, check_site_code, mask_id_number

COUNTY_CODES = {c.name: c.code for c in COUNTIES}
DIGEST_SCRIPT = """
import hashlib
from portal.demo_plan import plan_facilities
from portal.demo_staff import plan_staff
print(hashlib.sha256(repr((plan_facilities(), plan_staff())).encode()).hexdigest())
"""


def test_plan_is_the_same_in_another_process():
    """No set or hash order leaks into the data: a fresh interpreter with another hash
    seed produces the very same plan."""
    here = hashlib.sha256(repr((plan_facilities(), plan_staff())).encode()).hexdigest()
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", DIGEST_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == here


def test_demo_password_and_accounts_are_sound():
    assert check_password_strength(DEMO_PASSWORD) is None
    roles = Counter(role for _u, _d, role, _s in DEMO_ACCOUNTS)
    assert set(roles) == {r.value for r in Role}
    assert roles[Role.INSPECTOR.value] == 2
    assert 18 <= roles[Role.FACILITY.value] <= 26
    usernames = [u for u, *_ in DEMO_ACCOUNTS]
    assert len(set(usernames)) == len(usernames)
    for username, _display, role, site in DEMO_ACCOUNTS:
        assert (site is not None) == (role == Role.FACILITY.value)
        if site:
            assert username == f"fac_{site}"


def test_load_refuses_a_registry_with_facilities(db, make_facility):
    make_facility()
    with pytest.raises(RuntimeError):
        load_demo_data()


def test_seed_demo_loads_the_whole_city(db, runner, client, auth):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "已写入" in result.output  # progress messages
    assert "演示账号（密码均为 Demo-2026-nt）" in result.output
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 1

    facilities = list(db.session.scalars(select(Facility).order_by(Facility.id)))
    staff = list(db.session.scalars(select(StaffMember).order_by(StaffMember.id)))
    _check_same_as_a_fresh_plan(facilities, staff)
    _check_facilities(facilities)
    _check_staff(db, facilities, staff)
    _check_audit(db, len(facilities), len(staff))
    _check_accounts(db, client, auth)
    _check_findings(db)


def _check_findings(db):
    """The demo's findings are sound examples: each fine is within its article's range."""
    from portal.credit_queries import penalty_preview
    from portal.models.inspections import Finding
    from portal.rules import taxonomy

    findings = list(db.session.scalars(select(Finding)))
    assert findings
    for f in findings:
        _rng, warning = penalty_preview(
            f.legal_article, f.amount_involved_fen, f.fine_fen,
            fraud=taxonomy()[f.category].cls == "fraud", self_corrected=f.self_corrected,
            results=[r.code for r in f.results],
        )  # fmt: skip
        assert warning is None, (f.category, warning)


def _check_same_as_a_fresh_plan(facilities, staff):
    fresh_facilities = plan_facilities.__wrapped__()
    assert [(f.site_code, f.name, f.credit_code, f.address) for f in facilities] == [
        (p.site_code, p.name, p.credit_code, p.address) for p in fresh_facilities
    ]
    fresh_staff = plan_staff.__wrapped__()
    assert [(s.staff_code, s.name, s.profession) for s in staff] == [
        (p.staff_code, p.name, p.profession) for p in fresh_staff
    ]


def _check_facilities(facilities):
    assert 280 <= len(facilities) <= 330
    assert Counter(f.county for f in facilities).keys() == COUNTY_CODES.keys()
    assert {f.kind for f in facilities} == set(FacilityKind)
    assert {f.level for f in facilities if f.kind is FacilityKind.HOSPITAL} == set(HospitalLevel)
    assert {f.level for f in facilities if f.kind is not FacilityKind.HOSPITAL} == {
        HospitalLevel.UNRATED
    }
    for kind in (FacilityKind.HOSPITAL, FacilityKind.CLINIC):
        assert {f.ownership for f in facilities if f.kind is kind} == set(Ownership)
    statuses = Counter(f.status for f in facilities)
    assert 2 <= statuses[FacilityStatus.SUSPENDED] <= 8
    assert 2 <= statuses[FacilityStatus.TERMINATED] <= 6
    recent = [f for f in facilities if f.agreement_start > date(2026, 5, 1)]
    assert 3 <= len(recent) <= 20
    assert all(f.agreement_start < date(2026, 11, 1) for f in facilities)
    tertiary = Counter(f.county for f in facilities if f.level is HospitalLevel.TERTIARY)
    assert all(2 <= tertiary[county] <= 9 for county in COUNTY_CODES)
    names = [f.name for f in facilities]
    assert len(set(names)) == len(names)
    assert "南通大学附属医院" in names
    for word in (
        "人民医院",
        "中医院",
        "妇幼保健院",
        "社区卫生服务中心",
        "镇卫生院",
        "诊所",
        "门诊部",
        "大药房",
    ):
        assert any(word in name for name in names), word
    for f in facilities:
        pharmacy = f.kind is FacilityKind.PHARMACY
        assert check_credit_code(f.credit_code) is None, f.credit_code
        assert check_site_code(f.site_code, pharmacy) is None, f.site_code
        assert f.site_code[1:7] == COUNTY_CODES[f.county] == f.credit_code[2:8]
        if f.ownership is Ownership.PUBLIC:
            assert f.credit_code.startswith("12"), f
        else:
            assert f.credit_code[:2] in ("91", "92"), f
        assert f.address.startswith(f"江苏省南通市{f.county}")
        assert f.legal_representative and f.contact_name and f.contact_phone
    assert len({f.site_code for f in facilities}) == len(facilities)
    # Two campuses share one credit subject; otherwise every code is its own.
    shared = [c for c, n in Counter(f.credit_code for f in facilities).items() if n > 1]
    assert len(shared) == 1


def _check_staff(db, facilities, staff):
    assert 2700 <= len(staff) <= 3300
    by_id = {f.id: f for f in facilities}
    regions = {code for c in COUNTIES for code in c.id_regions} | set(OTHER_ID_REGIONS)
    practices: dict[int, list[StaffPractice]] = {}
    for practice in db.session.scalars(select(StaffPractice).order_by(StaffPractice.id)):
        practices.setdefault(practice.staff_id, []).append(practice)
    numbers = set()
    for person in staff:
        number = decrypt_identity(person.id_number_encrypted)
        assert check_id_number(number) is None, number
        assert number[:6] in regions
        assert 1960 <= int(number[6:10]) <= 2000
        assert person.id_number_hash == identity_hash(number)
        assert person.id_number_masked == mask_id_number(number)
        numbers.add(number)
        mine = practices[person.id]
        assert [p.is_primary for p in mine] == [True] + [False] * (len(mine) - 1)
        assert len({p.facility_id for p in mine}) == len(mine)
        kinds = {by_id[p.facility_id].kind for p in mine}
        if person.profession in (Profession.PHARMACY_PRINCIPAL, Profession.PHARMACIST):
            pass  # pharmacists work in hospitals and clinics as well as pharmacies
        else:
            assert FacilityKind.PHARMACY not in kinds, person
    assert len(numbers) == len(staff)
    multi = [s for s in staff if len(practices[s.id]) > 1]
    assert 0.07 <= len(multi) / len(staff) <= 0.13
    assert {len(practices[s.id]) for s in multi} == {2, 3}
    professions = {s.id: s.profession for s in staff}
    for facility in facilities:
        here = (
            Counter(professions[p.staff_id] for p in facility.practices if p.end_date is None)
            if facility.status is not FacilityStatus.TERMINATED
            else None
        )
        if here is None:
            assert all(p.end_date is not None for p in facility.practices)
        elif facility.kind is FacilityKind.PHARMACY:
            assert here[Profession.PHARMACY_PRINCIPAL] == 1, facility
            assert set(here) <= {Profession.PHARMACY_PRINCIPAL, Profession.PHARMACIST}
        elif facility.kind is FacilityKind.HOSPITAL:
            assert here[Profession.FEE_REVIEWER] >= 1, facility
            assert here[Profession.DOCTOR] >= 1 and here[Profession.NURSE] >= 1, facility
        else:
            assert here[Profession.DOCTOR] >= 1, facility
            assert Profession.PHARMACY_PRINCIPAL not in here


def _check_audit(db, facilities: int, staff: int):
    rows = list(db.session.scalars(select(AuditLog).order_by(AuditLog.seq)))
    # Bulk registry rows are summarised in one row; the demo point records go through the
    # audited points operation, one row each.
    points = [r for r in rows if r.action == "points.record"]
    # The last row summarises the load; the demo's inspections, findings, pledges and
    # points before it went through the audited operations, like any staff action.
    assert rows[-1].action == "demo.load"
    actions = {r.action for r in rows[:-1]}
    assert {
        "points.record",
        "inspection.create",
        "inspection.cancel",
        "finding.confirm",
        "pledge.verify",
        "pledge.reject",
    } <= actions
    assert not {a for a in actions if a.startswith(("facility.", "staff."))}
    after = rows[-1].summary["after"]
    assert (after["facilities"], after["staff"]) == (facilities, staff)
    assert after["accounts"] == len(DEMO_ACCOUNTS)
    assert after["point_records"] == len(points) == 5
    assert after["findings"] == 4
    cancelled = db.session.scalars(
        select(Inspection).where(Inspection.status == InspectionStatus.CANCELLED)
    ).all()
    assert [i.cancel_reason for i in cancelled] == ["重复录入，同一次检查已另行登记"]
    assert verify_chain().ok


def _check_accounts(db, client, auth):
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert set(users) == {u for u, *_ in DEMO_ACCOUNTS}
    for username, display, role, site in DEMO_ACCOUNTS:
        user = users[username]
        assert (user.display_name, user.role.value) == (display, role)
        assert (user.facility.site_code if user.facility else None) == site
        assert check_password_hash(user.password_hash, DEMO_PASSWORD)
    facility_kinds = {users[u].facility.kind for u, _d, _r, s in DEMO_ACCOUNTS if s}
    assert facility_kinds == set(FacilityKind)
    # Log-ins are rate limited, so a sample goes through the real form.
    for username in ("admin", "inspector2", "auditor", DEMO_ACCOUNTS[-1][0]):
        response = auth.login(username, DEMO_PASSWORD)
        assert response.status_code == 302, username
        assert "/auth/login" not in response.headers["Location"]
        auth.logout()
