"""Pledge documents and the render cache.

A rendered PDF is cached under (template version, variant, hash of every printed value): a
repeat download reads the stored file and never renders again. Looking a document up is
cheap: template texts are parsed once per text (by digest), and a found cache entry is
remembered in the process, checked against the storage on every use (the file is named by
its content, so a remembered key is either the right file or gone).
"""

from __future__ import annotations

from functools import cache

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

import pledges.render as pledge_render
from pledges.render import PledgeDocument
from pledges.templates import TemplateText, template_from_dict
from portal.database import utcnow
from portal.extensions import db
from portal.models.facility import Facility
from portal.models.pledge_extras import RenderedPledgeFile
from portal.models.pledges import Pledge, PledgeCampaign, PledgeTemplateKind
from portal.models.pledges import PledgeTemplateVersion as Version
from portal.operations.pledges import PledgeError

_TEXTS: dict[str, TemplateText] = {}
_KIND_LABELS: dict[str, str] = {}
#: (template version id, variant, data hash) -> storage key of the rendered PDF.
_RENDERED: dict[tuple[int, str, str], str] = {}
_MEMO_LIMIT = 100_000


def public_base_url() -> str:
    """``PUBLIC_BASE_URL``, else the address of the current request."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/")
    if has_request_context():
        return (request.host_url.rstrip("/") + request.script_root).rstrip("/")
    raise PledgeError(_("请设置 PUBLIC_BASE_URL（公众访问地址），以便在承诺书上印制核验二维码"))


def verify_url(site_code: str, base_url: str | None = None) -> str:
    """The short public URL printed as the QR code: ``<base>/v/<site code>``."""
    return f"{(base_url or public_base_url()).rstrip('/')}/v/{site_code}"


def template_text(body: dict, digest: str) -> TemplateText:
    """The parsed text of a template version, once per distinct text."""
    text = _TEXTS.get(digest)
    if text is None:
        text = _TEXTS[digest] = template_from_dict(body)
    return text


def version_label(kind, version: int) -> str:
    kind = PledgeTemplateKind(kind)
    label = _KIND_LABELS.get(kind.value)
    if label is None:
        label = _KIND_LABELS[kind.value] = kind.label
    return f"{label} 第{version}版"  # as PledgeTemplateVersion.label


def build_document(v, base_url: str | None = None) -> PledgeDocument:
    """A document from anything with the attributes of :data:`DOCUMENT_COLUMNS`."""
    return PledgeDocument(
        template=template_text(v.body, v.text_sha256),
        template_label=version_label(v.kind, v.version),
        facility_name=v.name,
        credit_code=v.credit_code,
        site_code=v.site_code,
        legal_representative=v.legal_representative,
        county=v.county,
        campaign_title=v.title,
        campaign_year=v.year,
        deadline=v.deadline,
        document_number=v.document_number,
        verify_url=verify_url(v.site_code, base_url),
        issuer=current_app.config.get("BUREAU_NAME") or "",
    )


#: Everything printed on a pledge, for one query straight from the tables.
DOCUMENT_COLUMNS = (
    Pledge.id,
    Pledge.template_version_id,
    Pledge.document_number,
    Facility.name,
    Facility.credit_code,
    Facility.site_code,
    Facility.legal_representative,
    Facility.county,
    PledgeCampaign.title,
    PledgeCampaign.year,
    PledgeCampaign.deadline,
    Version.kind,
    Version.version,
    Version.body,
    Version.text_sha256,
)


@cache
def _current_document_statement():
    # Built once: constructing a 15-column joined SELECT costs more than running it.
    return (
        select(*DOCUMENT_COLUMNS)
        .join(Facility, Facility.id == Pledge.facility_id)
        .join(PledgeCampaign, PledgeCampaign.id == Pledge.campaign_id)
        .join(Version, Version.id == Pledge.template_version_id)
        .where(Facility.site_code == bindparam("site_code"))
        .order_by(PledgeCampaign.year.desc(), PledgeCampaign.id.desc())
        .limit(1)
    )


def current_document_row(site_code: str):
    """The printed data of a facility's current pledge (latest campaign), or None."""
    return (
        db.session.connection()
        .execute(_current_document_statement(), {"site_code": site_code.upper()})
        .first()
    )


class _PledgeView:
    """An ORM pledge seen through the attribute names of DOCUMENT_COLUMNS."""

    def __init__(self, pledge: Pledge):
        facility, campaign, version = pledge.facility, pledge.campaign, pledge.template_version
        self.name, self.credit_code, self.site_code = (
            facility.name,
            facility.credit_code,
            facility.site_code,
        )
        self.legal_representative, self.county = facility.legal_representative, facility.county
        self.title, self.year, self.deadline = campaign.title, campaign.year, campaign.deadline
        self.kind, self.version = version.kind, version.version
        self.body, self.text_sha256 = version.body, version.text_sha256
        self.document_number = pledge.document_number


def pledge_document(pledge: Pledge, base_url: str | None = None) -> PledgeDocument:
    return build_document(_PledgeView(pledge), base_url)


def find_rendered(pledge: Pledge, variant: str, doc: PledgeDocument) -> RenderedPledgeFile | None:
    return _find(pledge.template_version_id, variant, doc.data_hash())


def _find(template_version_id: int, variant: str, data_hash: str) -> RenderedPledgeFile | None:
    return db.session.scalar(
        select(RenderedPledgeFile).where(
            RenderedPledgeFile.template_version_id == template_version_id,
            RenderedPledgeFile.variant == variant,
            RenderedPledgeFile.data_hash == data_hash,
        )
    )


def cached_key(template_version_id: int, variant: str, doc: PledgeDocument, storage) -> str | None:
    """The storage key of the cached PDF of ``doc``, or None (not rendered, or its file
    has gone). Reads nothing from the database when this process has served it before."""
    memo = (template_version_id, variant, doc.data_hash())
    key = _RENDERED.get(memo)
    if key is None:
        row = _find(*memo)
        key = row.file_key if row is not None else None
    if key is not None and storage.exists(key):
        if len(_RENDERED) >= _MEMO_LIMIT:
            _RENDERED.clear()
        _RENDERED[memo] = key
        return key
    _RENDERED.pop(memo, None)
    return None


def save_rendered(
    pledge: Pledge, variant: str, doc: PledgeDocument, pdf: bytes, files
) -> RenderedPledgeFile:
    """Store a freshly rendered PDF and remember it under its cache key."""
    stored = files.store(pdf)
    row = find_rendered(pledge, variant, doc)
    if row is not None:  # the cached file had gone missing: point at the new one
        row.file_key, row.size, row.created_at = stored.key, stored.size, utcnow()
        db.session.flush()
        return row
    row = RenderedPledgeFile(
        template_version_id=pledge.template_version_id,
        variant=variant,
        data_hash=doc.data_hash(),
        file_key=stored.key,
        size=stored.size,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # Another request rendered the same document meanwhile: keep theirs, drop ours.
        row = find_rendered(pledge, variant, doc)
        if stored.created and stored.key != row.file_key:
            from portal.storage import is_referenced

            if not is_referenced(stored.key):
                files.storage.delete(stored.key)
    return row


def rendered_pdf(pledge: Pledge, variant: str, files) -> tuple[str, bool]:
    """The storage key of ``pledge``'s PDF, rendering it on a cache miss; True when it was
    rendered now."""
    if variant not in pledge_render.VARIANTS:
        raise ValueError(variant)
    doc = pledge_document(pledge)
    key = cached_key(pledge.template_version_id, variant, doc, files.storage)
    if key is not None:
        return key, False
    pdf = pledge_render.render_pdf(doc, variant)
    return save_rendered(pledge, variant, doc, pdf, files).file_key, True
