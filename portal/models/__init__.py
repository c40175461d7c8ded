"""All models, imported here so Alembic and the app see the full metadata."""

from portal.models.audit import AuditAnchor, AuditLog
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    Profession,
    Role,
)
from portal.models.facility import Facility
from portal.models.points import PointAppeal, PointRecord, PointRestoration, WarningTalkTask
from portal.models.staff import StaffMember, StaffPractice
from portal.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditAnchor",
    "AuditLog",
    "Facility",
    "FacilityKind",
    "FacilityStatus",
    "HospitalLevel",
    "Ownership",
    "PointAppeal",
    "PointRecord",
    "PointRestoration",
    "Profession",
    "Role",
    "StaffMember",
    "StaffPractice",
    "User",
    "WarningTalkTask",
]
