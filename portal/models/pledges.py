"""Integrity pledges (维护医保基金安全承诺书): template versions, campaigns, each facility's
pledge, its uploaded scans and the bureau's decisions.

Nothing here is overwritten: a template change is a new version, every upload is a new
``PledgeUpload`` row and every verify/reject is a ``PledgeDecision`` row. ``Pledge`` keeps
the current state of the workflow for lists and counts.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pledges.templates import TemplateText, template_from_dict
from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import FacilityKind, LabelledEnum, enum_column_type, register_labels
from portal.models.facility import Facility
from portal.models.user import User


class PledgeTemplateKind(LabelledEnum):
    INSTITUTION = "institution"
    PHARMACY = "pharmacy"

    @classmethod
    def for_facility(cls, kind: FacilityKind) -> PledgeTemplateKind:
        """Hospitals and clinics sign the institution text; pharmacies their own."""
        return cls.PHARMACY if kind is FacilityKind.PHARMACY else cls.INSTITUTION


class PledgeStatus(LabelledEnum):
    NOT_DOWNLOADED = "not_downloaded"
    DOWNLOADED = "downloaded"
    UPLOADED = "uploaded"
    VERIFIED = "verified"
    REJECTED = "rejected"


class PledgeOutcome(LabelledEnum):
    VERIFIED = "verified"
    REJECTED = "rejected"


class ReminderKind(LabelledEnum):
    REMINDER = "reminder"
    REJECTED = "rejected"
    VERIFIED = "verified"


PLEDGE_LABELS = {
    PledgeTemplateKind: {
        "institution": _l("定点医疗机构"),
        "pharmacy": _l("定点零售药店"),
    },
    PledgeStatus: {
        "not_downloaded": _l("未下载"),
        "downloaded": _l("已下载"),
        "uploaded": _l("已上传待审核"),
        "verified": _l("已核验"),
        "rejected": _l("已退回"),
    },
    PledgeOutcome: {"verified": _l("核验通过"), "rejected": _l("退回")},
    ReminderKind: {
        "reminder": _l("催报提醒"),
        "rejected": _l("退回通知"),
        "verified": _l("核验通过通知"),
    },
}
for _enum_cls, _labels in PLEDGE_LABELS.items():
    register_labels(_enum_cls, _labels)


class PledgeTemplateVersion(db.Model):
    """One issued text of a template; immutable once issued."""

    __tablename__ = "pledge_template_version"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PledgeTemplateKind] = mapped_column(enum_column_type(PledgeTemplateKind))
    #: 1, 2, 3 ... within the kind.
    version: Mapped[int]
    #: The text as ``pledges.templates.TemplateText.as_dict()``.
    body: Mapped[dict] = mapped_column(JSON)
    #: SHA-256 of the canonical text (equal texts, equal digests).
    text_sha256: Mapped[str] = mapped_column(String(64))
    #: Why this version was issued (e.g. the bureau's document number).
    note: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issued_by: Mapped[User | None] = relationship()

    @property
    def text(self) -> TemplateText:
        return template_from_dict(self.body)

    @property
    def label(self) -> str:
        return f"{self.kind.label} 第{self.version}版"


class PledgeCampaign(db.Model):
    """A year's signing round: which text each kind signs, the deadline, the targets."""

    __tablename__ = "pledge_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(120))
    #: Last day (China time) to file the signed original.
    deadline: Mapped[date] = mapped_column(Date)
    institution_template_id: Mapped[int] = mapped_column(ForeignKey("pledge_template_version.id"))
    pharmacy_template_id: Mapped[int] = mapped_column(ForeignKey("pledge_template_version.id"))
    #: Target filter as opened: county names and facility kinds; empty means all.
    target_counties: Mapped[list] = mapped_column(JSON, default=list)
    target_kinds: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution_template: Mapped[PledgeTemplateVersion] = relationship(
        foreign_keys=[institution_template_id]
    )
    pharmacy_template: Mapped[PledgeTemplateVersion] = relationship(
        foreign_keys=[pharmacy_template_id]
    )
    created_by: Mapped[User | None] = relationship()

    def template_for(self, kind: FacilityKind) -> PledgeTemplateVersion:
        if PledgeTemplateKind.for_facility(kind) is PledgeTemplateKind.PHARMACY:
            return self.pharmacy_template
        return self.institution_template

    def audit_summary(self) -> dict:
        return {
            "year": self.year,
            "title": self.title,
            "deadline": self.deadline.isoformat(),
            # The versions as people name them ("定点医疗机构 第2版"), not row ids.
            "institution_template": self.institution_template.label,
            "pharmacy_template": self.pharmacy_template.label,
            "target_counties": list(self.target_counties or []),
            "target_kinds": list(self.target_kinds or []),
        }


class Pledge(db.Model):
    """One facility's pledge in one campaign, with the current state of its workflow."""

    __tablename__ = "pledge"
    __table_args__ = (UniqueConstraint("campaign_id", "facility_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("pledge_campaign.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("pledge_template_version.id"))
    #: Printed on the document, e.g. YBCN2026-001-H32060200001.
    document_number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[PledgeStatus] = mapped_column(
        enum_column_type(PledgeStatus), default=PledgeStatus.NOT_DOWNLOADED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_downloaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    upload_count: Mapped[int] = mapped_column(default=0)
    last_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The reason of the latest rejection while the pledge stays rejected.
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``PledgeUpload.version`` of the verified scan.
    verified_upload_version: Mapped[int | None]

    campaign: Mapped[PledgeCampaign] = relationship()
    facility: Mapped[Facility] = relationship()
    template_version: Mapped[PledgeTemplateVersion] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    uploads: Mapped[list[PledgeUpload]] = relationship(
        back_populates="pledge", order_by="PledgeUpload.version"
    )
    decisions: Mapped[list[PledgeDecision]] = relationship(
        back_populates="pledge", order_by="PledgeDecision.id"
    )

    @property
    def latest_upload(self) -> PledgeUpload | None:
        return self.uploads[-1] if self.uploads else None

    @property
    def verified_upload(self) -> PledgeUpload | None:
        for upload in self.uploads:
            if upload.version == self.verified_upload_version:
                return upload
        return None

    def audit_summary(self) -> dict:
        return {
            "campaign_id": self.campaign_id,
            "facility": self.facility.site_code if self.facility else None,
            "document_number": self.document_number,
            "status": self.status.value,
            "upload_count": self.upload_count,
            "rejection_reason": self.rejection_reason,
            "verified_upload_version": self.verified_upload_version,
        }


class PledgeUpload(db.Model):
    """One uploaded scan of the signed and sealed pledge. Append-only."""

    __tablename__ = "pledge_upload"
    __table_args__ = (UniqueConstraint("pledge_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    #: 1, 2, 3 ... within the pledge.
    version: Mapped[int]
    #: SHA-256 of the content, which is also its storage key.
    file_key: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(40))
    page_count: Mapped[int] = mapped_column(default=1)
    #: The uploader's file name, cleaned, for display only (never used as a path).
    original_name: Mapped[str] = mapped_column(String(120), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Uploaded after the campaign's deadline (China date).
    late: Mapped[bool] = mapped_column(default=False)

    pledge: Mapped[Pledge] = relationship(back_populates="uploads")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    def audit_summary(self) -> dict:
        return {
            "version": self.version,
            "sha256": self.file_key,
            "size": self.size,
            "media_type": self.media_type,
            "pages": self.page_count,
            "late": self.late,
        }


class PledgeDecision(db.Model):
    """A reviewer's verify or reject of one upload: who, when and why. Append-only."""

    __tablename__ = "pledge_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("pledge_upload.id"))
    outcome: Mapped[PledgeOutcome] = mapped_column(enum_column_type(PledgeOutcome))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="decisions")
    upload: Mapped[PledgeUpload] = relationship()
    decided_by: Mapped[User | None] = relationship()
