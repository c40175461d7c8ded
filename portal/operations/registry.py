"""Creating and changing facilities and staff members (the registry)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.identity import decrypt_identity, encrypt_identity, identity_hash
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Ownership, Profession
from portal.models.facility import Facility
from portal.models.staff import StaffMember, StaffPractice
from portal.operations.audit import record_audit
from portal.operations.points import registration_bar
from portal.rules import regions
from portal.validators import (
    PHONE_PATTERN,
    check_credit_code,
    check_id_number,
    check_site_code,
    check_staff_code,
    has_visible,
    mask_id_number,
)

FACILITY_FIELDS = (
    "credit_code",
    "site_code",
    "name",
    "kind",
    "level",
    "ownership",
    "county",
    "address",
    "legal_representative",
    "agreement_start",
    "status",
    "contact_name",
    "contact_phone",
)


class RegistryError(ValueError):
    """Invalid registry data. ``errors`` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validate_facility_data(data: dict, existing: Facility | None = None) -> dict[str, str]:
    """Check a facility's fields (already typed); return field -> message for each problem."""
    errors: dict[str, str] = {}
    kind = data.get("kind")
    for field in ("name", "county", "address", "legal_representative"):
        if not has_visible(data.get(field) or ""):
            errors[field] = _("此项必填")
    if "county" not in errors and (problem := county_problem(data["county"], existing)):
        errors["county"] = problem
    if not isinstance(kind, FacilityKind):
        errors["kind"] = _("机构类别无效")
    for field, cls in (
        ("level", HospitalLevel),
        ("ownership", Ownership),
        ("status", FacilityStatus),
    ):
        if not isinstance(data.get(field), cls):
            errors[field] = _("取值无效")
    if not isinstance(data.get("agreement_start"), date):
        errors["agreement_start"] = _("请填写有效的协议开始日期")
    if not PHONE_PATTERN.match((data.get("contact_phone") or "").strip()):
        errors["contact_phone"] = _("只能包含数字、空格和 + - ( )")
    if problem := check_credit_code(data.get("credit_code", "")):
        errors["credit_code"] = problem
    pharmacy = (kind is FacilityKind.PHARMACY) if isinstance(kind, FacilityKind) else None
    if problem := check_site_code(data.get("site_code", ""), pharmacy):
        errors["site_code"] = problem
    else:
        clash = db.session.scalar(
            select(Facility.id).where(Facility.site_code == data["site_code"].strip().upper())
        )
        if clash and (existing is None or clash != existing.id):
            errors["site_code"] = _("该医保定点编码已登记")
    if (
        isinstance(kind, FacilityKind)
        and kind is not FacilityKind.HOSPITAL
        and data.get("level") not in (None, HospitalLevel.UNRATED)
    ):
        errors["level"] = _("只有医院填写等级，其他机构请选择“未定级”")
    return errors


def county_problem(typed: str, existing: Facility | None = None) -> str | None:
    """Why ``typed`` is not a county a facility may be registered in (``regions()``), or
    None. A facility keeps a county it was registered with before the list named it, as
    long as it is not changed (so an old record can still be corrected elsewhere)."""
    county = typed.strip()
    known = regions()
    if county in known.counties or (existing is not None and county == existing.county):
        return None
    if meant := known.spelled_as(county):
        return _("请写全称“%(c)s”", c=meant)
    return _(
        "不是%(city)s的县（市、区），请填写：%(names)s",
        city=known.city,
        names="、".join(known.counties),
    )


def _apply_facility(facility: Facility, data: dict) -> None:
    for field in FACILITY_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if type(value) is str:  # enum members are str subclasses; leave them be
            value = value.strip()
            if field in ("credit_code", "site_code"):
                value = value.upper()
        setattr(facility, field, value)


def create_facility(actor, data: dict) -> Facility:
    errors = validate_facility_data(data)
    if errors:
        raise RegistryError(errors)
    facility = Facility(contact_name="", contact_phone="", status=FacilityStatus.ACTIVE)
    _apply_facility(facility, data)
    db.session.add(facility)
    db.session.flush()
    record_audit(actor, "facility.create", "facility", facility.id, after=facility.audit_summary())
    return facility


def update_facility(actor, facility: Facility, data: dict) -> Facility:
    merged = {f: getattr(facility, f) for f in FACILITY_FIELDS} | data
    errors = validate_facility_data(merged, existing=facility)
    if errors:
        raise RegistryError(errors)
    before = facility.audit_summary()
    _apply_facility(facility, data)
    db.session.flush()
    after = facility.audit_summary()
    if after != before:
        record_audit(actor, "facility.update", "facility", facility.id, before=before, after=after)
    if any(after[k] != before[k] for k in ("status", "agreement_start")):
        # Termination caps the grade; the agreement date decides whether it is graded.
        from portal.operations.credit import recompute_grade
        from portal.web import china_today

        recompute_grade(facility, "facility.update", today=china_today(), actor=actor)
    return facility


def validate_staff_data(data: dict, existing: StaffMember | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not has_visible(data.get("name") or ""):
        errors["name"] = _("此项必填")
    if problem := check_staff_code(data.get("staff_code", "")):
        errors["staff_code"] = problem
    else:
        clash = db.session.scalar(
            select(StaffMember.id).where(
                StaffMember.staff_code == data["staff_code"].strip().upper()
            )
        )
        if clash and (existing is None or clash != existing.id):
            errors["staff_code"] = _("该人员编码已登记")
    if not isinstance(data.get("profession"), Profession):
        errors["profession"] = _("职业类别无效")
    id_number = data.get("id_number")
    if id_number is not None or existing is None:
        if problem := check_id_number(id_number or ""):
            errors["id_number"] = problem
        elif id_number_holder(id_number, existing) is not None:
            errors["id_number"] = _("该身份证号已登记为其他人员")
    facilities = data.get("facilities")
    if facilities is not None and not facilities:
        errors["facilities"] = _("请至少选择一个执业机构")
    elif facilities:
        # Practising where the agreement has ended bills nothing: no new link there (a
        # link already open stays, as the person's history).
        open_links = (
            {p.facility_id for p in existing.practices if p.end_date is None} if existing else set()
        )
        ended = [
            f"{f.name}（{f.site_code}）"
            for f in facilities
            if f.status == FacilityStatus.TERMINATED and f.id not in open_links
        ]
        if ended:
            errors["facilities"] = _(
                "%(names)s 已解除医保服务协议，不能新增执业登记", names="、".join(ended)
            )
    return errors


def _sync_practices(staff: StaffMember, facilities: list[Facility], start: date) -> None:
    """Make the open practice links match ``facilities``; the first one is primary."""
    wanted = {f.id: i for i, f in enumerate(facilities)}
    for practice in staff.practices:
        if practice.facility_id in wanted:
            practice.end_date = None
            practice.is_primary = wanted[practice.facility_id] == 0
        elif practice.end_date is None:
            practice.end_date = start
            practice.is_primary = False
    have = {p.facility_id for p in staff.practices}
    for facility in facilities:
        if facility.id not in have:
            staff.practices.append(
                StaffPractice(
                    facility=facility, start_date=start, is_primary=wanted[facility.id] == 0
                )
            )


def _set_id_number(staff: StaffMember, id_number: str) -> None:
    id_number = id_number.strip().upper()
    staff.id_number_encrypted = encrypt_identity(id_number)
    staff.id_number_hash = identity_hash(id_number)
    staff.id_number_masked = mask_id_number(id_number)


def create_staff(actor, data: dict, today: date) -> StaffMember:
    """Register a person with ``data``: staff_code, name, id_number, profession, facilities."""
    errors = validate_staff_data(data)
    if errors:
        raise RegistryError(errors)
    staff = StaffMember(
        staff_code=data["staff_code"].strip().upper(),
        name=data["name"].strip(),
        profession=data["profession"],
    )
    _set_id_number(staff, data["id_number"])
    db.session.add(staff)
    _sync_practices(staff, data.get("facilities") or [], today)
    db.session.flush()
    record_audit(actor, "staff.create", "staff", staff.id, after=staff.audit_summary())
    return staff


def update_staff(actor, staff: StaffMember, data: dict, today: date) -> StaffMember:
    """Change a person; ``id_number`` only when given (blank keeps the stored one)."""
    if not data.get("id_number"):
        data = {k: v for k, v in data.items() if k != "id_number"}
    errors = validate_staff_data(data, existing=staff)
    if errors:
        raise RegistryError(errors)
    if data.get("facilities") is not None:
        current = {f.id for f in staff.facilities}
        if any(f.id not in current for f in data["facilities"]):
            bar = registration_bar(staff, today)
            if bar:
                raise RegistryError({"facilities": bar})
    before = staff.audit_summary()
    id_changed = bool(data.get("id_number")) and (
        identity_hash(data["id_number"]) != staff.id_number_hash
    )
    staff.staff_code = data["staff_code"].strip().upper()
    staff.name = data["name"].strip()
    staff.profession = data["profession"]
    if id_changed:
        _set_id_number(staff, data["id_number"])
    if data.get("facilities") is not None:
        _sync_practices(staff, data["facilities"], today)
    db.session.flush()
    after = staff.audit_summary()
    if after != before or id_changed:
        # A corrected ID number may keep its masked form (first and last four characters
        # unchanged): the note says it changed, as the summaries cannot.
        record_audit(
            actor,
            "staff.update",
            "staff",
            staff.id,
            before=before,
            after=after,
            note=_("身份证号已更正") if id_changed else "",
        )
    return staff


def reveal_id_number(actor, staff: StaffMember, reason: str) -> str:
    """Return the full ID number and record who saw it and why."""
    record_audit(actor, "staff.reveal_id", "staff", staff.id, note=reason.strip()[:200])
    return decrypt_identity(staff.id_number_encrypted)


def id_number_holder(id_number: str | None, existing: StaffMember | None = None) -> int | None:
    """The id of the person other than ``existing`` a valid ``id_number`` is registered to,
    if any."""
    if not id_number or check_id_number(id_number) is not None:
        return None
    holder = db.session.scalar(
        select(StaffMember.id).where(StaffMember.id_number_hash == identity_hash(id_number))
    )
    return holder if holder is not None and holder != getattr(existing, "id", None) else None


def record_id_number_taken(actor, holder: int) -> None:
    """Record that ``actor`` typed, registering or editing someone, the ID number of the
    person ``holder``: the refusal tells that the number is registered, so tries at
    guessing a masked number this way are on the audit trail as searches by it are."""
    record_audit(actor, "staff.id_taken", "staff", holder)


def record_id_number_search(actor, id_number: str, matches: int) -> None:
    """Record that ``actor`` searched the staff registry by a full ID number and how many
    people the search showed. The row names the person the number is registered to, if
    anyone (shown or left out by the search's other filters), so the trail says whose
    number was looked up; never the number itself."""
    holder = id_number_holder(id_number)
    record_audit(
        actor,
        "staff.search_id",
        "staff",
        holder if holder is not None else "",
        after={"matches": matches},
    )
