"""Facility credit grades (信用评价): the append-only history of every computation,
two-person manual adjustments, objections (异议) and credit repair (信用修复)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import LabelledEnum, enum_column_type, register_labels
from portal.models.facility import Facility
from portal.models.inspections import Finding
from portal.models.user import User

SCORE = Numeric(5, 1)


class AdjustmentStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CreditAppealStatus(LabelledEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


class RepairStatus(LabelledEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REJECTED = "rejected"


register_labels(
    AdjustmentStatus, {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}
)
register_labels(
    CreditAppealStatus,
    {"pending": _l("待处理"), "upheld": _l("异议成立"), "rejected": _l("异议不成立")},
)
register_labels(
    RepairStatus, {"pending": _l("待决定"), "granted": _l("准予修复"), "rejected": _l("不予修复")}
)


class CreditBreakdownLine(db.Model):
    """One line of breakdowns (an item but the record it names), stored once and shared by
    every breakdown with a line alike: a finding's line, say, reads the same for every
    finding of its category, year and amount band. Rows are only ever added."""

    __tablename__ = "credit_breakdown_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: BLAKE2b (128-bit, hex) of the line (``_token_of`` in
    #: ``portal.operations.credit_breakdowns``).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    points: Mapped[Decimal] = mapped_column(Numeric(7, 1))
    rule: Mapped[str] = mapped_column(String(60))
    source_type: Mapped[str | None] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(Text)
    changes_on: Mapped[date | None] = mapped_column(Date)


class CreditBreakdown(db.Model):
    """The items of a computed grade, stored once per facility and distinct content:
    every computation is a ``credit_grade`` row, and a daily recompute that finds the
    same facts points at the breakdown it found before instead of copying it."""

    __tablename__ = "credit_breakdown"
    __table_args__ = (
        UniqueConstraint("facility_id", "digest", name="uq_credit_breakdown_facility_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The facility: no foreign key, a trigger checks it once per statement on PostgreSQL
    #: (and refuses to delete a facility with breakdowns, or a breakdown in use; migration
    #: 0018).
    facility_id: Mapped[int]
    #: BLAKE2b (128-bit, hex) of the items, line by line (``items_digest`` in
    #: ``portal.operations.credit_breakdowns``).
    digest: Mapped[str] = mapped_column(String(32))
    #: The items in order, each ``<line id>:<source id>`` (no source id after the colon
    #: when the item names no record), separated by spaces; see ``items``.
    lines: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def items(self) -> list[dict]:
        """Items ``{points, rule, source_type, source_id, label, changes_on}`` (points a
        float, ``changes_on`` an ISO date or None); they sum to the score minus the base."""
        cached = self.__dict__.get("_items")
        if cached is None:
            cached = self.__dict__["_items"] = breakdown_items(self.lines)
        return cached


def breakdown_items(lines: str) -> list[dict]:
    """The items a breakdown's ``lines`` text stands for (one query for its lines)."""
    refs = [ref.partition(":") for ref in lines.split()]
    if not refs:
        return []
    wanted = {int(line_id) for line_id, _colon, _source in refs}
    found = {
        line.id: line
        for line in db.session.scalars(
            select(CreditBreakdownLine).where(CreditBreakdownLine.id.in_(wanted))
        )
    }
    items = []
    for line_id, _colon, source in refs:
        line = found[int(line_id)]
        items.append(
            item_json(
                line.points, line.rule, line.source_type, int(source) if source else None,
                line.label, line.changes_on,
            )
        )  # fmt: skip
    return items


def item_json(points, rule, source_type, source_id, label, changes_on) -> dict:
    """A breakdown item as ``CreditBreakdown.items`` gives it (the fields of
    ``scoring.credit.Item``: points as a float, the change date in ISO form)."""
    return {
        "points": float(points),
        "rule": rule,
        "source_type": source_type,
        "source_id": source_id,
        "label": label,
        "changes_on": changes_on.isoformat() if changes_on else None,
    }


#: Trigger of the recompute an approved adjustment causes; the stored trigger adds
#: ``:<adjustment id>``.
APPROVE_TRIGGER = "adjustment.approve"


class CreditGrade(db.Model):
    """One computation of a facility's credit grade. Rows are only ever added."""

    __tablename__ = "credit_grade"
    __table_args__ = (
        Index("ix_credit_grade_cycle_facility", "cycle", "facility_id"),
        # A facility's computations, newest first (history, chart, latest grade).
        Index("ix_credit_grade_facility_history", "facility_id", "id"),
        # No foreign keys for the breakdown and facility: a trigger checks that the
        # breakdown is one of this facility's (and so that the facility exists), once per
        # statement on PostgreSQL rather than once per row (migration 0016).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The facility (checked through its breakdown, see ``__table_args__``).
    facility_id: Mapped[int]
    #: Evaluation cycle (calendar year of ``as_of``).
    cycle: Mapped[int]
    #: China-time date the facts were taken at.
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: False while the agreement is too young to be graded (score and grade are empty).
    graded: Mapped[bool]
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    grade: Mapped[str | None] = mapped_column(String(2))
    #: The facility's grade and score just before this computation.
    previous_grade: Mapped[str | None] = mapped_column(String(2))
    previous_score: Mapped[Decimal | None] = mapped_column(SCORE)
    rulebook_version: Mapped[str] = mapped_column(String(20))
    #: No index: nothing reads by it, and breakdowns are never deleted.
    breakdown_id: Mapped[int]
    #: Caps applied (``fraud``, ``terminated``, ``blacklisted``).
    caps: Mapped[list] = mapped_column(JSON)
    #: Why the facility was not graded, if it was not.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: What caused the computation, e.g. ``finding.confirm``, ``batch``.
    trigger: Mapped[str] = mapped_column(String(80))
    #: The person whose action caused it (None for batch runs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    facility: Mapped[Facility] = relationship(
        primaryjoin="foreign(CreditGrade.facility_id) == Facility.id"
    )
    actor: Mapped[User | None] = relationship()
    breakdown_row: Mapped[CreditBreakdown] = relationship(
        primaryjoin="foreign(CreditGrade.breakdown_id) == CreditBreakdown.id"
    )

    @property
    def breakdown(self) -> list[dict]:
        """The items of this computation (shared with computations that found the same)."""
        return self.breakdown_row.items

    @property
    def changed(self) -> bool:
        return self.grade != self.previous_grade


class CreditAdjustment(db.Model):
    """A manual change proposed by one person and decided by another (four eyes)."""

    __tablename__ = "credit_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: Points added (positive) or deducted (negative); or else a grade, never both.
    points: Mapped[Decimal | None] = mapped_column(SCORE)
    grade: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    #: What supports it: document numbers, a description of attached papers.
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AdjustmentStatus] = mapped_column(
        enum_column_type(AdjustmentStatus), default=AdjustmentStatus.PENDING, index=True
    )
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: China-time date of approval: the adjustment counts in that date's cycle.
    approved_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    facility: Mapped[Facility] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    attachments: Mapped[list[CreditAttachment]] = relationship(
        back_populates="adjustment", order_by="CreditAttachment.id"
    )

    def audit_summary(self) -> dict:
        return {
            "facility": self.facility.site_code if self.facility else None,
            "points": str(self.points) if self.points is not None else None,
            "grade": self.grade,
            "status": self.status.value if self.status else None,
        }


class CreditAppeal(db.Model):
    """A facility's objection to a finding or to its grade."""

    __tablename__ = "credit_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: The disputed finding; empty when the grade itself is disputed.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id"), index=True)
    #: The grade computation disputed (the current one when filed).
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("credit_grade.id"))
    reason: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[date] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Last working day for the decision; empty while the calendar lacks that year.
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CreditAppealStatus] = mapped_column(
        enum_column_type(CreditAppealStatus), default=CreditAppealStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The reason given to the facility with the decision.
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    finding: Mapped[Finding | None] = relationship()
    grade_row: Mapped[CreditGrade | None] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    attachments: Mapped[list[CreditAttachment]] = relationship(
        back_populates="appeal", order_by="CreditAttachment.id"
    )


class CreditAttachment(db.Model):
    """An evidence file (PDF, JPEG or PNG) attached to a manual adjustment or to an
    objection, exactly one of the two. Append-only: files are never replaced."""

    __tablename__ = "credit_attachment"
    __table_args__ = (
        CheckConstraint("(adjustment_id IS NULL) <> (appeal_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adjustment_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_adjustment.id"), index=True
    )
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("credit_appeal.id"), index=True)
    #: SHA-256 of the content, which is also its storage key.
    file_key: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    #: The uploader's file name, cleaned, for display only (never used as a path).
    original_name: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    adjustment: Mapped[CreditAdjustment | None] = relationship(back_populates="attachments")
    appeal: Mapped[CreditAppeal | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    def audit_summary(self) -> dict:
        return {
            "id": self.id,
            "sha256": self.file_key,
            "name": self.original_name,
            "media_type": self.media_type,
            "size": self.size,
        }


class CreditRepair(db.Model):
    """An application for credit repair after rectification."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: The facility's rectification statement (整改情况说明).
    statement: Mapped[str] = mapped_column(Text)
    #: Date the new integrity pledge was signed, as declared with the application.
    pledge_signed_on: Mapped[date] = mapped_column(Date)
    filed_on: Mapped[date] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Last working day for the decision; empty while the calendar lacks that year.
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RepairStatus] = mapped_column(
        enum_column_type(RepairStatus), default=RepairStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: China-time date of the grant; the repair takes effect from the next cycle.
    granted_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
