"""Read queries shared by the web areas and the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.identity import identity_hash
from portal.models.enums import FacilityKind, FacilityStatus, Ownership, Profession
from portal.models.facility import Facility
from portal.models.staff import StaffMember, StaffPractice
from portal.validators import check_id_number


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(q: str, *columns) -> ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``q``, ignoring case (``%`` and ``_`` are
    literal). Text longer than every column holds matches nothing and is not sent: SQLite
    refuses a LIKE pattern over 50,000 bytes ("pattern too complex", a 500 error)."""
    lengths = [getattr(column.type, "length", None) for column in columns]
    if None not in lengths and len(q) > max(lengths):
        return false()
    pattern = _like(q)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def facility_search(
    q: str = "", county: str = "", kind: str = "", status: str = "", ownership: str = ""
) -> Select:
    """Facilities matching free text (name, site code, credit code) and filters, by name."""
    stmt = select(Facility)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(contains(q, Facility.name, Facility.site_code, Facility.credit_code))
    county = (county or "").strip()
    if county:
        stmt = stmt.where(Facility.county == county)
    if kind and (member := FacilityKind.from_label_or_value(kind)):
        stmt = stmt.where(Facility.kind == member)
    if status and (member := FacilityStatus.from_label_or_value(status)):
        stmt = stmt.where(Facility.status == member)
    if ownership and (member := Ownership.from_label_or_value(ownership)):
        stmt = stmt.where(Facility.ownership == member)
    return stmt.order_by(Facility.county, Facility.name, Facility.id)


def is_full_id_number(q: str) -> bool:
    """Whether the search text ``q`` is a full (valid) ID number, which ``staff_search``
    with ``by_id_number`` looks up by its hash."""
    q = (q or "").strip()
    return bool(q) and check_id_number(q) is None


def staff_search(
    q: str = "",
    facility_id: int | None = None,
    profession: str = "",
    *,
    by_id_number: bool = False,
) -> Select:
    """Staff matching name or staff code, and with ``by_id_number`` also the holder of an
    exact ID number; optionally at one facility.

    A search by a full ID number confirms a guess: the masked form shows all but 10
    characters, so a caller may pass ``by_id_number`` only for those entitled to the full
    number (and audits the search, see ``portal.bureau.id_search``)."""
    stmt = select(StaffMember)
    q = (q or "").strip()
    if q:
        conditions = [contains(q, StaffMember.name, StaffMember.staff_code)]
        if by_id_number and is_full_id_number(q):
            conditions.append(StaffMember.id_number_hash == identity_hash(q))
        stmt = stmt.where(or_(*conditions))
    if facility_id is not None:
        stmt = stmt.where(
            StaffMember.id.in_(
                select(StaffPractice.staff_id).where(
                    StaffPractice.facility_id == facility_id, StaffPractice.end_date.is_(None)
                )
            )
        )
    if profession and (member := Profession.from_label_or_value(profession)):
        stmt = stmt.where(StaffMember.profession == member)
    return stmt.order_by(StaffMember.name, StaffMember.id)


def registry_counts() -> dict:
    by_kind = dict(
        db.session.execute(select(Facility.kind, func.count()).group_by(Facility.kind)).all()
    )
    return {
        "facilities": sum(by_kind.values()),
        "by_kind": {k: by_kind.get(k, 0) for k in FacilityKind},
        "staff": db.session.scalar(select(func.count()).select_from(StaffMember)) or 0,
        "active": db.session.scalar(
            select(func.count())
            .select_from(Facility)
            .where(Facility.status == FacilityStatus.ACTIVE)
        )
        or 0,
    }


def get_facility_by_site_code(site_code: str) -> Facility | None:
    return db.session.scalar(select(Facility).where(Facility.site_code == site_code.upper()))


def point_appeals_to_show(facility_id: int, since: datetime) -> list[tuple]:
    """Objections to points recorded at ``facility_id`` (whoever filed them, whichever
    facilities the person also practises at) awaiting a decision or decided at ``since``
    or later: the pending first (oldest filed first), then the decided, newest first.
    Each is ``(appeal, practising)``, the second True while the person practises at the
    facility (and so is on its staff pages). The record and the person come loaded."""
    from portal.models.enums import AppealStatus
    from portal.models.points import PointAppeal, PointRecord

    practising = (
        select(StaffPractice.id)
        .where(
            StaffPractice.staff_id == PointRecord.staff_id,
            StaffPractice.facility_id == facility_id,
            StaffPractice.end_date.is_(None),
        )
        .exists()
    )
    pending = PointAppeal.status == AppealStatus.PENDING
    rows = db.session.execute(
        select(PointAppeal, practising)
        .join(PointAppeal.record)
        .where(
            PointRecord.facility_id == facility_id, or_(pending, PointAppeal.decided_at >= since)
        )
        .options(contains_eager(PointAppeal.record).joinedload(PointRecord.staff))
        .order_by(
            pending.desc(),
            PointAppeal.decided_at.desc(),
            PointAppeal.filed_on,
            PointAppeal.id.desc(),
        )
    )
    return [(appeal, bool(flag)) for appeal, flag in rows]


def sanctioned_staff(
    today, q: str = "", site_code: str = "", *, by_id_number: bool = False
) -> list:
    """People whose payment qualification is suspended or terminated today, with standing;
    ``q`` and ``by_id_number`` as for ``staff_search``.

    Only people with a live record recent enough to matter are evaluated (the longest bar
    in the rulebook plus one cycle), so the list stays cheap as history grows.
    """
    from datetime import date

    from portal.models.points import PointRecord
    from portal.operations.points import standings_for
    from portal.rules import staff_points_rulebook

    rb = staff_points_rulebook()
    horizon = date(today.year - max(rb.bar_years, rb.single_record_bar_years) - 1, 1, 1)
    candidates = select(PointRecord.staff_id).where(
        PointRecord.revoked_at.is_(None), PointRecord.decided_on >= horizon
    )
    stmt = staff_search(q=q, by_id_number=by_id_number).where(StaffMember.id.in_(candidates))
    if site_code:
        facility = get_facility_by_site_code(site_code.strip())
        if facility is None:
            return []
        stmt = stmt.where(
            StaffMember.id.in_(
                select(StaffPractice.staff_id).where(
                    StaffPractice.facility_id == facility.id, StaffPractice.end_date.is_(None)
                )
            )
        )
    people = db.session.scalars(stmt).all()
    standings = standings_for([p.id for p in people], today)
    return [(p, standings[p.id]) for p in people if standings[p.id].status.value != "normal"]
