"""Staff point records (医保支付资格记分), restorations, appeals and warning-talk tasks.

Nothing here is deleted: a revoked record stays visible with who revoked it and why;
standing and sanctions are computed from these rows by ``scoring.staff_points``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import (
    AppealStatus,
    PointSource,
    Responsibility,
    RestorationKind,
    Severity,
    TaskStatus,
    enum_column_type,
)
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.models.user import User


class PointRecord(db.Model):
    __tablename__ = "point_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    #: Facility where the violation happened.
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    violation: Mapped[str] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(enum_column_type(Severity))
    responsibility: Mapped[Responsibility] = mapped_column(enum_column_type(Responsibility))
    #: Points as the rulebook gave them when recorded (kept with the rulebook version).
    points: Mapped[int]
    rulebook_version: Mapped[str] = mapped_column(String(20))
    #: Decision date in China time; the cycle is its calendar year.
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[PointSource] = mapped_column(enum_column_type(PointSource))
    #: Decision document number (决定书文号).
    reference: Mapped[str] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    staff: Mapped[StaffMember] = relationship()
    facility: Mapped[Facility] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    appeals: Mapped[list[PointAppeal]] = relationship(
        back_populates="record", order_by="PointAppeal.id"
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def audit_summary(self) -> dict:
        return {
            "staff": self.staff.staff_code if self.staff else None,
            "facility": self.facility.site_code if self.facility else None,
            "severity": self.severity.value,
            "responsibility": self.responsibility.value,
            "points": self.points,
            "decided_on": self.decided_on.isoformat(),
            "source": self.source.value,
            "reference": self.reference,
            "revoked": self.revoked,
        }


class PointRestoration(db.Model):
    """One restored point for a qualifying training or participation in inspections."""

    __tablename__ = "point_restoration"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    kind: Mapped[RestorationKind] = mapped_column(enum_column_type(RestorationKind))
    granted_on: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(default=1)
    #: What proves it: certificate number, inspection reference.
    evidence: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[StaffMember] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class PointAppeal(db.Model):
    """An objection to a point record, decided by someone other than its recorder."""

    __tablename__ = "point_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("point_record.id"), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[AppealStatus] = mapped_column(
        enum_column_type(AppealStatus), default=AppealStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[PointRecord] = relationship(back_populates="appeals")
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class WarningTalkTask(db.Model):
    """A warning talk (约谈) the facility must hold when a person reaches the threshold."""

    __tablename__ = "warning_talk_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: The record whose points reached the threshold.
    record_id: Mapped[int] = mapped_column(ForeignKey("point_record.id"), index=True)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column_type(TaskStatus), default=TaskStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    staff: Mapped[StaffMember] = relationship()
    facility: Mapped[Facility] = relationship()
    record: Mapped[PointRecord] = relationship()
