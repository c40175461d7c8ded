"""Designated medical institutions and retail pharmacies (定点医药机构)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, Numeric, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    enum_column_type,
)

if TYPE_CHECKING:
    from portal.models.staff import StaffPractice


class Facility(db.Model):
    __tablename__ = "facility"
    #: Pages filled to half on PostgreSQL (migration 0013), so a recompute that changes
    #: every current grade updates each row on its own page (a HOT update).
    __table_args__ = {"postgresql_with": {"fillfactor": 50}}

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 统一社会信用代码 (GB 32100); several sites may share one credit subject.
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    #: 医保定点机构编码: H or P followed by 11 digits; identifies the site.
    site_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[FacilityKind] = mapped_column(enum_column_type(FacilityKind))
    #: Hospital level; clinics and pharmacies are "unrated".
    level: Mapped[HospitalLevel] = mapped_column(enum_column_type(HospitalLevel))
    ownership: Mapped[Ownership] = mapped_column(enum_column_type(Ownership))
    #: County or district (县区), e.g. 崇川区.
    county: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(300))
    legal_representative: Mapped[str] = mapped_column(String(60))
    #: Start date of the current service agreement (定点协议).
    agreement_start: Mapped[date] = mapped_column(Date)
    status: Mapped[FacilityStatus] = mapped_column(
        enum_column_type(FacilityStatus), default=FacilityStatus.ACTIVE
    )
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    #: Listed on the medical-insurance blacklist (a confirmed finding's handling result);
    #: caps the credit grade.
    blacklisted: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Current credit grade and score, kept in step with the newest ``credit_grade`` row
    #: for fast lists and filters; empty until first computed or while not graded.
    #: Not indexed: a recompute that changes the grade then updates the row in place (a
    #: HOT update) instead of adding an entry to each of the table's indexes; lists by
    #: grade read the facility table whole, which is small.
    credit_grade: Mapped[str | None] = mapped_column(String(2))
    credit_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    practices: Mapped[list[StaffPractice]] = relationship(back_populates="facility")

    def __repr__(self) -> str:
        return f"<Facility {self.site_code} {self.name}>"

    def audit_summary(self) -> dict:
        return {
            "credit_code": self.credit_code,
            "site_code": self.site_code,
            "name": self.name,
            "kind": self.kind.value if self.kind else None,
            "level": self.level.value if self.level else None,
            "ownership": self.ownership.value if self.ownership else None,
            "county": self.county,
            "address": self.address,
            "legal_representative": self.legal_representative,
            "agreement_start": self.agreement_start.isoformat() if self.agreement_start else None,
            "status": self.status.value if self.status else None,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
        }


def facility_counties() -> list[str]:
    """Counties that have at least one facility, sorted, for filters."""
    return list(
        db.session.scalars(
            db.select(Facility.county).group_by(Facility.county).order_by(Facility.county)
        )
    )


__all__ = ["Facility", "facility_counties"]
