"""Building pledge data for tests: template versions, a campaign, uploads and decisions."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfWriter

from pledges.templates import load_sample
from portal.models.pledges import Pledge, PledgeTemplateKind
from portal.operations.pledge_campaigns import issue_template_version, open_campaign
from portal.operations.pledge_posting import record_posting_check
from portal.operations.pledges import decide_pledge, record_upload
from portal.storage import FileBatch, get_storage
from portal.web import china_today
from tests.pledges import samples

TODAY = china_today()
DEADLINE = TODAY + timedelta(days=60)


def issue_samples(actor=None):
    return {
        kind: issue_template_version(
            actor, kind, load_sample(kind.value).as_dict(), "依据示例文本签发"
        )
        for kind in PledgeTemplateKind
    }


def make_campaign(
    actor=None, templates=None, *, today=TODAY, deadline=DEADLINE, title=None, **filters
):
    templates = templates or issue_samples(actor)
    return open_campaign(
        actor,
        year=deadline.year,
        title=title or f"{deadline.year}年度维护医保基金安全承诺书签署",
        deadline=deadline,
        institution_template=templates[PledgeTemplateKind.INSTITUTION],
        pharmacy_template=templates[PledgeTemplateKind.PHARMACY],
        counties=filters.get("counties", []),
        kinds=filters.get("kinds", []),
        note="",
        today=today,
    )


def pledge_of(db, campaign, facility) -> Pledge:
    return db.session.scalar(
        db.select(Pledge).where(
            Pledge.campaign_id == campaign.id, Pledge.facility_id == facility.id
        )
    )


def upload(actor, pledge, data: bytes | None = None, name="scan.pdf", today=TODAY):
    return record_upload(
        actor,
        pledge,
        data or samples.good_pdf(),
        name,
        FileBatch(get_storage()),
        max_bytes=10 * 1024 * 1024,
        max_pages=20,
        today=today,
    )


def verify(actor, pledge):
    return decide_pledge(actor, pledge, verify=True, reason="")[0]


def reject(actor, pledge, reason="公章不清晰"):
    return decide_pledge(actor, pledge, verify=False, reason=reason)[0]


def posting_check(actor, facility, campaign, posted=False, checked_on=TODAY, photo=None):
    return record_posting_check(
        actor,
        facility,
        campaign,
        posted=posted,
        checked_on=checked_on,
        note="",
        inspection_id=None,
        photo=photo,
        photo_name="photo.jpg" if photo else None,
        files=FileBatch(get_storage()),
        max_bytes=10 * 1024 * 1024,
        today=checked_on,
    )


def fake_pdf(doc, variant="pledge") -> bytes:
    """A small real PDF standing in for wkhtmltopdf where rendering is not under test."""
    writer = PdfWriter()
    if variant == "poster":
        writer.add_blank_page(width=1700.79, height=2267.72)
    else:
        writer.add_blank_page(width=595.28, height=841.89)
    writer.add_metadata({"/Title": f"{doc.document_number} {variant} {doc.data_hash()}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
