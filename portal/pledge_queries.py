"""Read queries for pledges: loaders with their object checks, the current pledge of a
facility, overdue, compliance counts by county and kind."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from flask import abort
from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models.enums import FacilityKind, Role
from portal.models.facility import Facility
from portal.models.pledge_extras import PledgeReminder
from portal.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeStatus,
    PledgeTemplateKind,
    PledgeTemplateVersion,
    PledgeUpload,
)
from portal.web import CHINA

#: Still to be filed: past the deadline these are overdue.
OUTSTANDING = (PledgeStatus.NOT_DOWNLOADED, PledgeStatus.DOWNLOADED, PledgeStatus.REJECTED)
STATUS_FILTERS = [s.value for s in PledgeStatus] + ["overdue"]


def end_of_day(day: date) -> datetime:
    """The first instant (UTC) after ``day`` ends in China time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA).astimezone(UTC)


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def is_overdue(pledge: Pledge, today: date) -> bool:
    return today > pledge.campaign.deadline and pledge.status in OUTSTANDING


def overdue_condition(campaign: PledgeCampaign, today: date):
    """SQL: the pledge is past its campaign's deadline and still not filed."""
    if today <= campaign.deadline:
        return false()
    return Pledge.status.in_(OUTSTANDING)


def get_pledge_or_404(pledge_id: int, for_user=None) -> Pledge:
    """The pledge, or 404 when it does not exist or (for a facility user) belongs to
    another facility: facility users learn nothing about other facilities' pledges."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)
    facility_user = for_user is not None and for_user.role is Role.FACILITY
    if facility_user and pledge.facility_id != for_user.facility_id:
        abort(404)
    return pledge


def own_pledge_or_404(user, campaign_id: int | None) -> Pledge:
    """A facility user's pledge in ``campaign_id`` (their current one when None)."""
    if campaign_id is None:
        pledge = current_pledge(user.facility_id)
    else:
        pledge = db.session.scalar(
            select(Pledge).where(
                Pledge.campaign_id == campaign_id, Pledge.facility_id == user.facility_id
            )
        )
    if pledge is None:
        abort(404)
    return pledge


def own_upload_or_404(user, upload_id: int) -> PledgeUpload:
    upload = db.session.get(PledgeUpload, upload_id)
    if upload is None or upload.pledge.facility_id != user.facility_id:
        abort(404)
    return upload


def current_pledge(facility_id: int) -> Pledge | None:
    """The facility's pledge in its latest campaign (by year, then opening order)."""
    return db.session.scalar(
        select(Pledge)
        .join(Pledge.campaign)
        .options(
            joinedload(Pledge.campaign),
            joinedload(Pledge.facility),
            joinedload(Pledge.template_version),
        )
        .where(Pledge.facility_id == facility_id)
        .order_by(PledgeCampaign.year.desc(), PledgeCampaign.id.desc())
        .limit(1)
    )


def current_pledge_by_site_code(site_code: str) -> tuple[Facility | None, Pledge | None]:
    facility = db.session.scalar(select(Facility).where(Facility.site_code == site_code.upper()))
    if facility is None:
        return None, None
    return facility, current_pledge(facility.id)


def facility_pledges(facility_id: int) -> list[Pledge]:
    return list(
        db.session.scalars(
            select(Pledge)
            .join(Pledge.campaign)
            .where(Pledge.facility_id == facility_id)
            .order_by(PledgeCampaign.year.desc(), PledgeCampaign.id.desc())
        )
    )


def latest_templates() -> dict[PledgeTemplateKind, PledgeTemplateVersion | None]:
    latest = {}
    for kind in PledgeTemplateKind:
        latest[kind] = db.session.scalar(
            select(PledgeTemplateVersion)
            .where(PledgeTemplateVersion.kind == kind)
            .order_by(PledgeTemplateVersion.version.desc())
            .limit(1)
        )
    return latest


def campaign_pledges(
    campaign: PledgeCampaign, today: date, county: str = "", kind: str = "", status: str = ""
) -> Select:
    """The campaign's pledges, filtered, by county and facility name."""
    stmt = (
        select(Pledge)
        .join(Pledge.facility)
        .options(joinedload(Pledge.facility))
        .where(Pledge.campaign_id == campaign.id)
    )
    if county:
        stmt = stmt.where(Facility.county == county)
    if kind and (member := FacilityKind.from_label_or_value(kind)):
        stmt = stmt.where(Facility.kind == member)
    if status == "overdue":
        stmt = stmt.where(overdue_condition(campaign, today))
    elif status and status in {s.value for s in PledgeStatus}:
        stmt = stmt.where(Pledge.status == PledgeStatus(status))
    return stmt.order_by(Facility.county, Facility.name, Facility.id)


def compliance(campaign: PledgeCampaign, today: date, county: str = "", kind: str = "") -> dict:
    """Counts per (county, facility kind): each status, overdue and the total, plus totals.

    ``{"rows": [{"county", "kind", "counts": {status: n, "overdue": n, "total": n}}],
    "totals": {...}}``
    """
    overdue = overdue_condition(campaign, today)
    stmt = (
        select(
            Facility.county,
            Facility.kind,
            Pledge.status,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
        )
        .join(Pledge.facility)
        .where(Pledge.campaign_id == campaign.id)
        .group_by(Facility.county, Facility.kind, Pledge.status)
    )
    if county:
        stmt = stmt.where(Facility.county == county)
    if kind and (member := FacilityKind.from_label_or_value(kind)):
        stmt = stmt.where(Facility.kind == member)
    keys = [s.value for s in PledgeStatus] + ["overdue", "total"]
    groups: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(keys, 0))
    totals = dict.fromkeys(keys, 0)
    for row_county, row_kind, status, count, late in db.session.execute(stmt):
        counts = groups[(row_county, row_kind)]
        for target in (counts, totals):
            target[status.value] += count
            target["overdue"] += int(late or 0)
            target["total"] += count
    rows = [
        {"county": c, "kind": k, "counts": groups[(c, k)]}
        for c, k in sorted(groups, key=lambda ck: (ck[0], list(FacilityKind).index(ck[1])))
    ]
    return {"rows": rows, "totals": totals}


def reminders_for(pledge: Pledge, limit: int = 10) -> list[PledgeReminder]:
    return list(
        db.session.scalars(
            select(PledgeReminder)
            .where(PledgeReminder.pledge_id == pledge.id)
            .order_by(PledgeReminder.created_at.desc(), PledgeReminder.id.desc())
            .limit(limit)
        )
    )


def review_queue() -> Select:
    """Pledges with a scan waiting for review, oldest upload first."""
    return (
        select(Pledge)
        .join(Pledge.facility)
        .options(joinedload(Pledge.facility), joinedload(Pledge.campaign))
        .where(Pledge.status == PledgeStatus.UPLOADED)
        .order_by(Pledge.last_uploaded_at, Pledge.id)
    )


def campaign_counts(campaign_ids: list[int], today: date) -> dict[int, dict]:
    """Per campaign: total, verified, awaiting review and outstanding pledges."""
    counts: dict[int, dict] = {
        cid: {"total": 0, "verified": 0, "uploaded": 0, "outstanding": 0} for cid in campaign_ids
    }
    if not campaign_ids:
        return counts
    rows = db.session.execute(
        select(Pledge.campaign_id, Pledge.status, func.count())
        .where(Pledge.campaign_id.in_(campaign_ids))
        .group_by(Pledge.campaign_id, Pledge.status)
    )
    for cid, status, n in rows:
        entry = counts[cid]
        entry["total"] += n
        if status is PledgeStatus.VERIFIED:
            entry["verified"] += n
        elif status is PledgeStatus.UPLOADED:
            entry["uploaded"] += n
        else:
            entry["outstanding"] += n
    return counts


def search_filter(stmt: Select, q: str) -> Select:
    q = (q or "").strip()
    if not q:
        return stmt
    from portal.queries import contains

    return stmt.where(contains(q, Facility.name, Facility.site_code))
