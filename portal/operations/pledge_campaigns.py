"""Writes that set up pledges: template versions and campaigns with their targets.

Like every operation: takes the acting user, flushes but never commits, writes an audit row.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pledges.templates import TemplateError, numbering_error, template_from_dict
from portal.database import utcnow
from portal.extensions import db
from portal.models.enums import FacilityKind, FacilityStatus
from portal.models.facility import Facility
from portal.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeStatus,
    PledgeTemplateKind,
    PledgeTemplateVersion,
)
from portal.operations.audit import record_audit
from portal.operations.locks import lock_name
from portal.operations.pledges import PledgeError
from portal.validators import has_visible

# --- Templates ----------------------------------------------------------------------------


def issue_template_version(
    actor, kind: PledgeTemplateKind, data: dict, note: str, *, seen_latest: int | None = None
) -> PledgeTemplateVersion:
    """Issue the next version of ``kind`` with the text in ``data`` (title, label, opening,
    items, closing, signature). Earlier versions stay as they were. ``seen_latest`` is the
    newest version when the text was begun (0 for none): a version issued since is not
    followed unseen, as its changes would be lost from the next one."""
    # The newest version, locked: two administrators issuing at once act in turn, and a
    # version issued since the form was opened is said first, whatever else is wrong.
    latest = db.session.scalar(
        select(PledgeTemplateVersion)
        .where(PledgeTemplateVersion.kind == kind)
        .order_by(PledgeTemplateVersion.version.desc())
        .limit(1)
        .with_for_update()
    )
    if seen_latest is not None and (latest.version if latest else 0) != seen_latest:
        if latest is None or seen_latest < 0:
            raise PledgeError(
                {"latest": _("未能确认编辑时的现行版本，本次未签发：请刷新页面后再签发。")}
            )
        raise PledgeError(
            {
                "latest": _(
                    "编辑期间已签发了%(label)s，本次未签发：请先查看该版本，再在其基础上修改。",
                    label=latest.label,
                )
            }
        )
    try:
        text = template_from_dict(dict(data) | {"kind": kind.value})
    except TemplateError as exc:
        raise PledgeError(exc.errors) from exc
    if message := numbering_error(text.items):
        raise PledgeError({"items": message})
    if not has_visible(note or ""):
        raise PledgeError({"note": _("请填写签发说明（如文件文号或修订原因）")})
    if latest is not None and latest.text_sha256 == text.sha256:
        raise PledgeError(
            {"items": _("内容与现行第%(n)d版完全相同，无需签发新版本", n=latest.version)}
        )
    version = PledgeTemplateVersion(
        kind=kind,
        version=(latest.version + 1) if latest else 1,
        body=text.as_dict(),
        text_sha256=text.sha256,
        note=note.strip()[:2000],
        issued_by_id=getattr(actor, "id", None),
        issued_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    record_audit(
        actor,
        "pledge_template.issue",
        "pledge_template_version",
        version.id,
        after={"kind": kind.value, "version": version.version, "sha256": text.sha256},
        note=version.note[:200],
    )
    return version


# --- Campaigns ----------------------------------------------------------------------------


def _targets(counties: list[str], kinds: list[FacilityKind], year: int | None = None):
    """Active facilities of the filter; with ``year``, only those without a pledge of that
    year yet. A facility signs one pledge a year: a further campaign in the same year
    (补充签署: facilities designated since, say) takes only those not in one already, and
    leaves a pledge already signed, or awaiting review, where it is."""
    stmt = select(Facility).where(Facility.status == FacilityStatus.ACTIVE)
    if year is not None:
        of_year = select(Pledge.facility_id).join(PledgeCampaign).where(PledgeCampaign.year == year)
        stmt = stmt.where(Facility.id.not_in(of_year))
    if counties:
        stmt = stmt.where(Facility.county.in_(counties))
    if kinds:
        stmt = stmt.where(Facility.kind.in_(kinds))
    return stmt.order_by(Facility.id)


def _add_pledges(campaign: PledgeCampaign, facilities) -> int:
    added = 0
    for facility in facilities:
        db.session.add(
            Pledge(
                campaign_id=campaign.id,
                facility_id=facility.id,
                template_version_id=campaign.template_for(facility.kind).id,
                document_number=f"YBCN{campaign.year}-{campaign.id:03d}-{facility.site_code}",
                status=PledgeStatus.NOT_DOWNLOADED,
                upload_count=0,
                rejection_reason="",
            )
        )
        added += 1
    db.session.flush()
    return added


def open_campaign(
    actor,
    *,
    year: int,
    title: str,
    deadline: date,
    institution_template: PledgeTemplateVersion | None,
    pharmacy_template: PledgeTemplateVersion | None,
    counties: list[str],
    kinds: list[FacilityKind],
    note: str,
    today: date,
) -> PledgeCampaign:
    """Open a campaign and create a pledge for every active facility it targets (all of
    them when ``counties`` and ``kinds`` are empty)."""
    errors: dict[str, str] = {}
    # A campaign is for last year (signed late), this year or next: a year mistyped by
    # decades would otherwise stand as every facility's current pledge until then.
    if abs(year - today.year) > 1:
        errors["year"] = _(
            "年度应为%(first)d至%(last)d年之间", first=today.year - 1, last=today.year + 1
        )
    if not has_visible(title or ""):
        errors["title"] = _("此项必填")
    if deadline < today:
        errors["deadline"] = _("截止日期不能早于今天")
    elif "year" not in errors and deadline.year not in (year, year + 1):
        errors["deadline"] = _("截止日期应在%(year)d年或%(next)d年内", year=year, next=year + 1)
    if (
        institution_template is None
        or institution_template.kind is not PledgeTemplateKind.INSTITUTION
    ):
        errors["institution_template"] = _("请选择定点医疗机构承诺书模板版本")
    if pharmacy_template is None or pharmacy_template.kind is not PledgeTemplateKind.PHARMACY:
        errors["pharmacy_template"] = _("请选择定点零售药店承诺书模板版本")
    if not errors:
        # The templates' rows are locked: the same form sent twice at once (a double
        # click) is opened once, the second waiting to find the first below.
        db.session.execute(
            select(PledgeTemplateVersion.id)
            .where(PledgeTemplateVersion.id.in_([institution_template.id, pharmacy_template.id]))
            .with_for_update()
        )
        same = select(PledgeCampaign.id).where(
            PledgeCampaign.year == year, PledgeCampaign.title == title.strip()[:120]
        )
        if db.session.scalar(same) is not None:
            errors["title"] = _(
                "%(year)d年度已有同名的签署活动，请勿重复发起；补充签署请另拟活动名称"
                "（补充签署只纳入本年度尚无承诺书的机构）",
                year=year,
            )
    if not errors:
        # One pledge a facility a year, kept by whoever adds pledges to a year's campaigns
        # taking this lock first (opening one, or bringing one up to date).
        lock_name("pledge_campaign_year", year)
    facilities = list(db.session.scalars(_targets(counties, kinds, year))) if not errors else []
    if not errors and not facilities:
        if db.session.scalar(_targets(counties, kinds).limit(1)) is not None:
            errors["counties"] = _(
                "符合条件的定点机构%(year)d年度均已纳入签署活动（每家机构每年签署一份承诺书）",
                year=year,
            )
        else:
            errors["counties"] = _("没有符合条件的在册（正常状态）定点机构")
    if errors:
        raise PledgeError(errors)
    campaign = PledgeCampaign(
        year=year,
        title=title.strip()[:120],
        deadline=deadline,
        institution_template_id=institution_template.id,
        pharmacy_template_id=pharmacy_template.id,
        target_counties=sorted(set(counties)),
        target_kinds=sorted({k.value for k in kinds}),
        note=(note or "").strip()[:2000],
        created_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    db.session.add(campaign)
    db.session.flush()
    added = _add_pledges(campaign, facilities)
    record_audit(
        actor,
        "pledge_campaign.open",
        "pledge_campaign",
        campaign.id,
        after=campaign.audit_summary() | {"pledges": added},
    )
    return campaign


def sync_campaign(actor, campaign: PledgeCampaign) -> int:
    """Add pledges for active facilities that match the campaign's filter but joined (or
    became active) after it opened, and have no pledge of the campaign's year yet. Returns
    how many were added."""
    kinds = [FacilityKind(k) for k in campaign.target_kinds or []]
    lock_name("pledge_campaign_year", campaign.year)
    stmt = _targets(list(campaign.target_counties or []), kinds, campaign.year)
    added = _add_pledges(campaign, db.session.scalars(stmt))
    if added:
        record_audit(
            actor, "pledge_campaign.sync", "pledge_campaign", campaign.id, after={"added": added}
        )
    return added
