"""Around the pledge workflow: the render cache, posting checks at inspections, reminders
and the address a facility wants pledge notices sent to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import enum_column_type
from portal.models.facility import Facility
from portal.models.pledges import Pledge, PledgeCampaign, PledgeTemplateVersion, ReminderKind
from portal.models.user import User


class RenderedPledgeFile(db.Model):
    """A rendered PDF, cached by template version, variant and a hash of the printed data:
    a repeat download is served from storage without rendering again."""

    __tablename__ = "pledge_rendered_file"
    __table_args__ = (UniqueConstraint("template_version_id", "variant", "data_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("pledge_template_version.id"))
    #: ``pledge`` (A4) or ``poster`` (600 mm x 800 mm).
    variant: Mapped[str] = mapped_column(String(10))
    #: ``pledges.render.PledgeDocument.data_hash()``.
    data_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the PDF: its storage key.
    file_key: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template_version: Mapped[PledgeTemplateVersion] = relationship()


class PledgePostingCheck(db.Model):
    """An inspector's finding on site: is the pledge posted (张贴公示)? With a photo."""

    __tablename__ = "pledge_posting_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("pledge_campaign.id"), index=True)
    #: The inspection this was recorded at, when there is one.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    posted: Mapped[bool]
    #: China date of the check.
    checked_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    #: SHA-256 (storage key) of the photo, if one was taken.
    photo_key: Mapped[str | None] = mapped_column(String(64), index=True)
    photo_media_type: Mapped[str | None] = mapped_column(String(40))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    campaign: Mapped[PledgeCampaign] = relationship()
    checked_by: Mapped[User | None] = relationship()

    def audit_summary(self) -> dict:
        return {
            "facility": self.facility.site_code if self.facility else None,
            "campaign_id": self.campaign_id,
            "inspection_id": self.inspection_id,
            "posted": self.posted,
            "checked_on": self.checked_on.isoformat(),
            "photo_sha256": self.photo_key,
        }


class PledgeReminder(db.Model):
    """A notice to a facility about its pledge: shown in its area, emailed when possible."""

    __tablename__ = "pledge_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column_type(ReminderKind))
    message: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where and when it was emailed; empty when SMTP is not configured or no address.
    emailed_to: Mapped[str] = mapped_column(String(254), default="")
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str] = mapped_column(String(200), default="")

    pledge: Mapped[Pledge] = relationship()
    created_by: Mapped[User | None] = relationship()


class PledgeContact(db.Model):
    """The address a facility wants pledge notices emailed to."""

    __tablename__ = "pledge_contact"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
