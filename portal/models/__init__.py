"""All models, imported here so Alembic and the app see the full metadata."""

from portal.models.audit import AuditAnchor, AuditLog
from portal.models.credit import (
    CreditAdjustment,
    CreditAppeal,
    CreditAttachment,
    CreditBreakdown,
    CreditBreakdownLine,
    CreditGrade,
    CreditRepair,
)
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    Profession,
    Role,
)
from portal.models.facility import Facility
from portal.models.inspections import (
    Finding,
    FindingResult,
    Inspection,
    SelfInspectionReport,
)
from portal.models.pledge_extras import (
    PledgeContact,
    PledgePostingCheck,
    PledgeReminder,
    RenderedPledgeFile,
)
from portal.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeDecision,
    PledgeTemplateVersion,
    PledgeUpload,
)
from portal.models.points import PointAppeal, PointRecord, PointRestoration, WarningTalkTask
from portal.models.staff import StaffMember, StaffPractice
from portal.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditAnchor",
    "AuditLog",
    "CreditAdjustment",
    "CreditAppeal",
    "CreditAttachment",
    "CreditBreakdown",
    "CreditBreakdownLine",
    "CreditGrade",
    "CreditRepair",
    "Facility",
    "FacilityKind",
    "FacilityStatus",
    "Finding",
    "FindingResult",
    "HospitalLevel",
    "Inspection",
    "Ownership",
    "Pledge",
    "PledgeCampaign",
    "PledgeContact",
    "PledgeDecision",
    "PledgePostingCheck",
    "PledgeReminder",
    "PledgeTemplateVersion",
    "PledgeUpload",
    "PointAppeal",
    "PointRecord",
    "PointRestoration",
    "Profession",
    "RenderedPledgeFile",
    "Role",
    "SelfInspectionReport",
    "StaffMember",
    "StaffPractice",
    "User",
    "WarningTalkTask",
]
