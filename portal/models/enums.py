"""Enumerations used by the models, each with its Chinese label."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

#: Labels per enum class. Not one dict keyed by member: string-enum members hash and compare
#: as their value, so members of two enums sharing a value ("pending") would collide.
_LABELS: dict[type, dict[str, object]] = {}


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a display label (see ``register_labels``)."""

    @property
    def label(self) -> str:
        return str(_LABELS[type(self)][self.value])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def from_label_or_value(cls, text: str):
        """Return the member whose value or label equals ``text`` (stripped), else None."""
        text = (text or "").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        return None


class FacilityKind(LabelledEnum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    PHARMACY = "pharmacy"


class HospitalLevel(LabelledEnum):
    TERTIARY = "tertiary"
    SECONDARY = "secondary"
    PRIMARY = "primary"
    UNRATED = "unrated"


class Ownership(LabelledEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class FacilityStatus(LabelledEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class Profession(LabelledEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    TECHNICIAN = "technician"
    FEE_REVIEWER = "fee_reviewer"
    PHARMACY_PRINCIPAL = "pharmacy_principal"


class Role(LabelledEnum):
    FACILITY = "facility"
    INSPECTOR = "inspector"
    CREDIT_OFFICER = "credit_officer"
    APPROVER = "approver"
    TIPOFF_HANDLER = "tipoff_handler"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Severity(LabelledEnum):
    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"
    GRAVEST = "gravest"


class Responsibility(LabelledEnum):
    GENERAL = "general"
    IMPORTANT = "important"
    MAIN = "main"


class PointSource(LabelledEnum):
    FINDING = "finding"
    SCREENING = "screening"
    TIPOFF = "tipoff"
    MANUAL = "manual"


class RestorationKind(LabelledEnum):
    TRAINING = "training"
    INSPECTION = "inspection"


class AppealStatus(LabelledEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


class TaskStatus(LabelledEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def register_labels(enum_cls: type[LabelledEnum], labels: dict) -> None:
    """Set the labels of ``enum_cls`` (keyed by member or value); every member needs one."""
    missing = {m.value for m in enum_cls} - {str(k) for k in labels}
    if missing:
        raise ValueError(f"{enum_cls.__name__}: no label for {sorted(missing)}")
    _LABELS[enum_cls] = {str(k): v for k, v in labels.items()}


register_labels(
    FacilityKind,
    {
        FacilityKind.HOSPITAL: _l("医院"),
        FacilityKind.CLINIC: _l("基层诊所"),
        FacilityKind.PHARMACY: _l("定点零售药店"),
    },
)

register_labels(
    HospitalLevel,
    {
        HospitalLevel.TERTIARY: _l("三级"),
        HospitalLevel.SECONDARY: _l("二级"),
        HospitalLevel.PRIMARY: _l("一级"),
        HospitalLevel.UNRATED: _l("未定级"),
    },
)

register_labels(
    Ownership,
    {
        Ownership.PUBLIC: _l("公立"),
        Ownership.PRIVATE: _l("非公立"),
    },
)

register_labels(
    FacilityStatus,
    {
        FacilityStatus.ACTIVE: _l("正常"),
        FacilityStatus.SUSPENDED: _l("暂停"),
        FacilityStatus.TERMINATED: _l("已解除"),
    },
)

register_labels(
    Profession,
    {
        Profession.DOCTOR: _l("医师"),
        Profession.NURSE: _l("护士"),
        Profession.PHARMACIST: _l("药师"),
        Profession.TECHNICIAN: _l("技师"),
        Profession.FEE_REVIEWER: _l("费用审核人员"),
        Profession.PHARMACY_PRINCIPAL: _l("药店主要负责人"),
    },
)

register_labels(
    Role,
    {
        Role.FACILITY: _l("定点机构用户"),
        Role.INSPECTOR: _l("检查员"),
        Role.CREDIT_OFFICER: _l("信用评价专员"),
        Role.APPROVER: _l("审批人"),
        Role.TIPOFF_HANDLER: _l("举报受理人"),
        Role.ADMIN: _l("系统管理员"),
        Role.AUDITOR: _l("审计员"),
    },
)

register_labels(
    Severity,
    {
        Severity.MINOR: _l("情节轻微（1–3分）"),
        Severity.MODERATE: _l("情节较重（4–6分）"),
        Severity.SERIOUS: _l("情节严重（7–9分）"),
        Severity.GRAVEST: _l("情节特别严重（10–12分）"),
    },
)

register_labels(
    Responsibility,
    {
        Responsibility.GENERAL: _l("一般责任"),
        Responsibility.IMPORTANT: _l("重要责任"),
        Responsibility.MAIN: _l("主要责任"),
    },
)

register_labels(
    PointSource,
    {
        PointSource.FINDING: _l("检查发现"),
        PointSource.SCREENING: _l("智能监控疑点"),
        PointSource.TIPOFF: _l("举报线索"),
        PointSource.MANUAL: _l("其他"),
    },
)

register_labels(
    RestorationKind,
    {
        RestorationKind.TRAINING: _l("参加医保政策培训"),
        RestorationKind.INSPECTION: _l("参与医保基金监督检查"),
    },
)

register_labels(
    AppealStatus,
    {
        AppealStatus.PENDING: _l("待处理"),
        AppealStatus.UPHELD: _l("异议成立（撤销记分）"),
        AppealStatus.REJECTED: _l("异议不成立"),
    },
)

register_labels(
    TaskStatus,
    {
        TaskStatus.OPEN: _l("待办"),
        TaskStatus.DONE: _l("已完成"),
        TaskStatus.CANCELLED: _l("已取消"),
    },
)

BUREAU_ROLES = frozenset(Role) - {Role.FACILITY}


def enum_column_type(enum_cls: type[LabelledEnum]) -> sa.Enum:
    """A portable VARCHAR column storing the enum's value, checked by a constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )
