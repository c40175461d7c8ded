"""Demo data for 南通市: about 300 designated facilities, 3,000 staff and one account per role.

The data are generated deterministically (``portal.demo_plan``, ``portal.demo_staff``), so
every load yields the same codes, names and people. ``load_demo_data`` writes them in bulk
into an empty database with a single audit row, flushes and leaves the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from portal.demo_plan import FacilityPlan, plan_facilities
from portal.demo_staff import plan_staff
from portal.extensions import db
from portal.identity import encrypt_identity, identity_hash
from portal.models.enums import FacilityKind, HospitalLevel, Role
from portal.models.facility import Facility
from portal.models.staff import StaffMember, StaffPractice
from portal.models.user import User
from portal.operations.audit import record_audit
from portal.validators import mask_id_number

DEMO_PASSWORD = "Demo-2026-nt"  # noqa: S105  (published demo password, see README)
STAFF_CHUNK = 1000

BUREAU_ACCOUNTS = [
    ("admin", "陈建华", Role.ADMIN.value, None),
    ("inspector", "周志刚", Role.INSPECTOR.value, None),
    ("inspector2", "顾晓燕", Role.INSPECTOR.value, None),
    ("credit", "季海涛", Role.CREDIT_OFFICER.value, None),
    ("approver", "陆明辉", Role.APPROVER.value, None),
    ("tipoff", "施丽娟", Role.TIPOFF_HANDLER.value, None),
    ("auditor", "徐静", Role.AUDITOR.value, None),
]


def _facility_accounts(plans: tuple[FacilityPlan, ...]) -> list[tuple[str, str, str, str]]:
    """Per county: the leading hospital, a lower-level hospital, a clinic and a pharmacy
    (only the first three for small counties), which gives about twenty accounts of
    every kind."""
    chosen: list[FacilityPlan] = []
    counties = list(dict.fromkeys(p.county for p in plans))
    for index, county in enumerate(counties):
        here = [p for p in plans if p.county == county]
        picks = [
            next(p for p in here if p.kind is FacilityKind.HOSPITAL),
            next(p for p in here if p.kind is FacilityKind.CLINIC),
            next(p for p in here if p.kind is FacilityKind.PHARMACY),
        ]
        if index % 3 == 0:
            lower = (HospitalLevel.PRIMARY, HospitalLevel.UNRATED)
            picks.insert(1, next(p for p in here if p.level in lower and p.kind is picks[0].kind))
        chosen += picks
    return [(f"fac_{p.site_code}", p.name[:60], Role.FACILITY.value, p.site_code) for p in chosen]


#: (username, display name, role value, site code or None); all use DEMO_PASSWORD.
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None]] = BUREAU_ACCOUNTS + _facility_accounts(
    plan_facilities()
)


def load_demo_data(progress: Callable[[str], None] | None = None) -> list:
    """Insert the demo registry and accounts into an empty database; flush, never commit.

    Raises ``RuntimeError`` if facilities are already registered. Accounts whose user name
    is already taken are left as they are. Returns ``DEMO_ACCOUNTS``.
    """
    say = progress or (lambda _message: None)
    if db.session.scalar(select(func.count()).select_from(Facility)):
        raise RuntimeError("demo data can only be loaded into an empty registry")

    say("生成定点机构……")
    facilities = {}
    for plan in plan_facilities():
        facilities[plan.site_code] = Facility(
            credit_code=plan.credit_code,
            site_code=plan.site_code,
            name=plan.name,
            kind=plan.kind,
            level=plan.level,
            ownership=plan.ownership,
            county=plan.county,
            address=plan.address,
            legal_representative=plan.legal_representative,
            agreement_start=plan.agreement_start,
            status=plan.status,
            contact_name=plan.contact_name,
            contact_phone=plan.contact_phone,
        )
    db.session.add_all(facilities.values())
    db.session.flush()
    say(f"已写入 {len(facilities)} 家定点医药机构")

    people = plan_staff()
    practices = 0
    for start in range(0, len(people), STAFF_CHUNK):
        batch = []
        for plan in people[start : start + STAFF_CHUNK]:
            staff = StaffMember(
                staff_code=plan.staff_code,
                name=plan.name,
                profession=plan.profession,
                id_number_encrypted=encrypt_identity(plan.id_number),
                id_number_hash=identity_hash(plan.id_number),
                id_number_masked=mask_id_number(plan.id_number),
            )
            for index, (site, since, until) in enumerate(plan.practices):
                staff.practices.append(
                    StaffPractice(
                        facility_id=facilities[site].id,
                        is_primary=index == 0,
                        start_date=since,
                        end_date=until,
                    )
                )
            practices += len(plan.practices)
            batch.append(staff)
        db.session.add_all(batch)
        db.session.flush()
        say(f"已写入 {min(start + STAFF_CHUNK, len(people))}/{len(people)} 名医保相关人员")

    accounts = _create_accounts(facilities)
    say(f"已创建 {accounts} 个演示账号")
    from portal.demo_points import load_demo_points

    point_records = load_demo_points([site for _u, _d, _r, site in DEMO_ACCOUNTS if site])
    say(f"已写入 {point_records} 条医保支付资格记分")
    from portal.demo_credit import load_demo_credit

    credit = load_demo_credit([site for _u, _d, _r, site in DEMO_ACCOUNTS if site])
    say(f"已写入 {credit['findings']} 条违规认定，发起承诺书签署活动，计算信用等级")
    record_audit(
        None,
        "demo.load",
        "demo",
        "nantong",
        after={
            "facilities": len(facilities),
            "staff": len(people),
            "practices": practices,
            "accounts": accounts,
            "point_records": point_records,
            "findings": credit["findings"],
        },
    )
    db.session.flush()
    return DEMO_ACCOUNTS


def _create_accounts(facilities: dict[str, Facility]) -> int:
    from portal.operations.users import hash_password

    taken = {name.lower() for name in db.session.scalars(select(User.username))}
    # One hash for all: every demo account has the same published password, and scrypt
    # costs a noticeable fraction of a second per call.
    password_hash = hash_password(DEMO_PASSWORD)
    users = [
        User(
            username=username,
            display_name=display,
            role=Role(role),
            facility=facilities[site] if site else None,
            password_hash=password_hash,
        )
        for username, display, role, site in DEMO_ACCOUNTS
        if username.lower() not in taken
    ]
    db.session.add_all(users)
    db.session.flush()
    return len(users)
