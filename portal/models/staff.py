"""Medical-insurance related staff (医保相关人员) and where they practise."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import Profession, enum_column_type
from portal.models.facility import Facility


class StaffMember(db.Model):
    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: National staff code (医保相关人员代码), one record for every facility ("一医一档").
    staff_code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    #: ID number encrypted with the identity key (Fernet); a dump does not reveal it.
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    #: Keyed hash (HMAC-SHA256) of the ID number: exact search and uniqueness, not reversible.
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Masked form kept for display (e.g. 3206**********123X).
    id_number_masked: Mapped[str] = mapped_column(String(24))
    profession: Mapped[Profession] = mapped_column(enum_column_type(Profession))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    practices: Mapped[list[StaffPractice]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="StaffPractice.id"
    )

    def __repr__(self) -> str:
        return f"<StaffMember {self.staff_code} {self.name}>"

    @property
    def facilities(self) -> list[Facility]:
        return [p.facility for p in self.practices if p.end_date is None]

    def audit_summary(self) -> dict:
        return {
            "staff_code": self.staff_code,
            "name": self.name,
            "id_number": self.id_number_masked,
            "profession": self.profession.value if self.profession else None,
            "facilities": sorted(
                p.facility.site_code for p in self.practices if p.facility and p.end_date is None
            ),
        }


class StaffPractice(db.Model):
    """A practice link (执业) between a staff member and a facility."""

    __tablename__ = "staff_practice"
    __table_args__ = (UniqueConstraint("staff_id", "facility_id", name="staff_facility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    #: Whether this is the person's main practice site (第一执业地点).
    is_primary: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    staff: Mapped[StaffMember] = relationship(back_populates="practices")
    facility: Mapped[Facility] = relationship(back_populates="practices")
