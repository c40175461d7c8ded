"""Point records for tests of the staff-points pages and operations."""

from __future__ import annotations

from datetime import date
from itertools import count

from portal.models.enums import PointSource, Responsibility, Role, Severity
from portal.operations.points import record_points

TODAY = date(2026, 6, 15)


#: Each record its own decision number: the same decision is recorded only once.
_numbers = count(1)


def record_for(actor, staff, facility, severity, tier, day=TODAY, today=TODAY):
    """A point record for ``staff`` at ``facility``, decided on ``day``."""
    return record_points(
        actor,
        staff,
        facility=facility,
        violation="串换药品",
        severity=severity,
        responsibility=tier,
        decided_on=day,
        source=PointSource.FINDING,
        reference=f"通医保罚〔2026〕{next(_numbers)}号",
        today=today,
    )


def december_record(make_user, make_staff):
    """(staff, record): a minor record decided on 2026-12-21 by a new inspector; ten
    working days from it end in January 2027."""
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    decided = date(2026, 12, 21)
    record = record_for(
        inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.GENERAL,
        decided, decided,
    )  # fmt: skip
    return staff, record


def record_by_ids(staff_id: int, user_id: int, reference: str = "通医保记〔2026〕77号"):
    """Points for the person ``staff_id`` at their first facility, recorded by the user
    ``user_id``, in the current app context's session (tests of two sessions at once)."""
    from portal.extensions import db
    from portal.models.staff import StaffMember
    from portal.models.user import User

    staff = db.session.get(StaffMember, staff_id)
    return record_points(
        db.session.get(User, user_id),
        staff,
        facility=staff.facilities[0],
        violation="串换药品",
        severity=Severity.MODERATE,
        responsibility=Responsibility.MAIN,
        decided_on=TODAY,
        source=PointSource.FINDING,
        reference=reference,
        today=TODAY,
    )
