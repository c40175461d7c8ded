"""Inspections (监督检查), their findings (违规认定) and facilities' self-inspection reports.

Findings are never deleted once confirmed: revoking one keeps it with who revoked it and
why. Only confirmed findings feed the facility's credit grade.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import LabelledEnum, enum_column_type, register_labels
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.models.user import User


class InspectionKind(LabelledEnum):
    ROUTINE = "routine"
    SPECIAL = "special"
    FLIGHT = "flight"
    RECHECK = "recheck"
    DOUBLE_RANDOM = "double_random"
    CROSS = "cross"


class InspectionTrigger(LabelledEnum):
    PLAN = "plan"
    TIPOFF = "tipoff"
    SCREENING = "screening"
    REFERRAL = "referral"


class InspectionStatus(LabelledEnum):
    OPEN = "open"
    CLOSED = "closed"
    #: Recorded by mistake or not carried out: kept, with who cancelled it and why, but it
    #: takes no findings and no edits.
    CANCELLED = "cancelled"


class FindingStatus(LabelledEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"


#: Kinds that are on-site by nature; a special inspection (专项检查) may be a desk review.
ALWAYS_ON_SITE = frozenset(InspectionKind) - {InspectionKind.SPECIAL}

register_labels(
    InspectionKind,
    {
        "routine": _l("日常巡查"),
        "special": _l("专项检查"),
        "flight": _l("飞行检查"),
        "recheck": _l("抽查复查"),
        "double_random": _l("双随机抽查"),
        "cross": _l("交叉检查"),
    },
)
register_labels(
    InspectionTrigger,
    {
        "plan": _l("年度计划"),
        "tipoff": _l("举报线索"),
        "screening": _l("智能监控疑点"),
        "referral": _l("上级交办或部门移送"),
    },
)
register_labels(
    InspectionStatus, {"open": _l("进行中"), "closed": _l("已结束"), "cancelled": _l("已撤销")}
)
register_labels(
    FindingStatus, {"draft": _l("草稿"), "confirmed": _l("已认定"), "revoked": _l("已撤销")}
)

inspection_inspector = Table(
    "inspection_inspector",
    db.Model.metadata,
    Column("inspection_id", ForeignKey("inspection.id"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)

finding_staff = Table(
    "finding_staff",
    db.Model.metadata,
    Column("finding_id", ForeignKey("finding.id"), primary_key=True),
    Column("staff_id", ForeignKey("staff_member.id"), primary_key=True, index=True),
)


class Inspection(db.Model):
    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Inspection notice number (检查通知书编号), if any.
    reference: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[InspectionKind] = mapped_column(enum_column_type(InspectionKind))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    trigger: Mapped[InspectionTrigger] = mapped_column(enum_column_type(InspectionTrigger))
    #: On-site work needs at least two inspectors (条例 Art 29).
    on_site: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    #: Last day of the inspection; required to close it.
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[InspectionStatus] = mapped_column(
        enum_column_type(InspectionStatus), default=InspectionStatus.OPEN
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was cancelled, by whom and when (status CANCELLED).
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    facility: Mapped[Facility] = relationship()
    inspectors: Mapped[list[User]] = relationship(
        secondary=inspection_inspector, order_by="User.display_name"
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="inspection", order_by="Finding.id"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def live_findings(self) -> list[Finding]:
        """Its findings that are not revoked: drafts and confirmed ones."""
        return [f for f in self.findings if f.status is not FindingStatus.REVOKED]

    def audit_summary(self) -> dict:
        return {
            "reference": self.reference,
            "kind": self.kind.value,
            "facility": self.facility.site_code if self.facility else None,
            "trigger": self.trigger.value,
            "on_site": self.on_site,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "status": self.status.value if self.status else None,
            "inspectors": sorted(u.username for u in self.inspectors),
            "notes": self.notes,
        }


class SelfInspectionReport(db.Model):
    """A facility's self-inspection and self-correction report (自查自纠报告)."""

    __tablename__ = "self_inspection_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: Evaluation cycle (calendar year) the report belongs to.
    cycle: Mapped[int]
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: Problems the facility found in itself and how it corrected them.
    problems: Mapped[str] = mapped_column(Text)
    #: Money refunded to the fund (integer fen).
    amount_refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    filed_on: Mapped[date] = mapped_column(Date)
    #: The rulebook's deadline when filed, kept with the report.
    deadline: Mapped[date] = mapped_column(Date)
    #: Filed by the deadline: findings it discloses count as self-corrected.
    on_time: Mapped[bool]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    filed_by: Mapped[User | None] = relationship()


class Finding(db.Model):
    __tablename__ = "finding"
    __table_args__ = (
        # A facility's findings of a status in date order, with what the credit engine reads
        # of them: a batch recompute reads them by index only (PostgreSQL), in engine order.
        # The confirmation time finds those a credit repair does not cover, likewise.
        Index(
            "ix_finding_credit",
            "facility_id",
            "status",
            "decision_date",
            "id",
            postgresql_include=[
                "category",
                "amount_involved_fen",
                "self_corrected",
                "confirmed_at",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    #: Same as the inspection's facility; kept here for fast credit queries.
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    #: Violation category code from scoring/data/violations.toml, of the facility's kind.
    category: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text)
    #: Period in which the violations happened.
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    #: Money involved (涉及金额), refunded (退回) and recovered (追回), integer fen.
    amount_involved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Article of the regulation applied (e.g. "38"), see scoring/rulebooks/penalties.toml.
    legal_article: Mapped[str] = mapped_column(String(10), default="")
    fine_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Decision document number and date; the decision date dates the credit deduction.
    decision_number: Mapped[str] = mapped_column(String(80), default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    #: Corrected before the self-inspection deadline: the rulebook's leniency applies.
    self_corrected: Mapped[bool] = mapped_column(default=False)
    #: The self-inspection report that disclosed it, if any.
    self_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("self_inspection_report.id"))
    status: Mapped[FindingStatus] = mapped_column(
        enum_column_type(FindingStatus), default=FindingStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    facility: Mapped[Facility] = relationship()
    staff: Mapped[list[StaffMember]] = relationship(
        secondary=finding_staff, order_by="StaffMember.name"
    )
    results: Mapped[list[FindingResult]] = relationship(
        cascade="all, delete-orphan", order_by="FindingResult.code"
    )
    self_inspection: Mapped[SelfInspectionReport | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def result_codes(self) -> list[str]:
        return [r.code for r in self.results]

    def audit_summary(self) -> dict:
        return {
            "inspection": self.inspection_id,
            "facility": self.facility.site_code if self.facility else None,
            "category": self.category,
            "amount_involved_fen": self.amount_involved_fen,
            "amount_refunded_fen": self.amount_refunded_fen,
            "amount_recovered_fen": self.amount_recovered_fen,
            "legal_article": self.legal_article,
            "fine_fen": self.fine_fen,
            "decision_number": self.decision_number,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "self_corrected": self.self_corrected,
            "results": sorted(self.result_codes),
            "staff": sorted(s.staff_code for s in self.staff),
            "status": self.status.value if self.status else None,
        }


class FindingResult(db.Model):
    """One handling result (annex 2) of a finding."""

    __tablename__ = "finding_result"

    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"), primary_key=True)
    #: Code from scoring/data/handling_results.toml.
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
