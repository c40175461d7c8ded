"""Inspectors' posting checks: is the pledge posted (张贴公示) at the facility, with a photo."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pledges.uploads import UploadRejected, check_upload
from portal.database import utcnow
from portal.extensions import db
from portal.models.facility import Facility
from portal.models.pledge_extras import PledgePostingCheck
from portal.models.pledges import Pledge, PledgeCampaign
from portal.operations.audit import record_audit
from portal.operations.locks import lock_row
from portal.operations.pledges import PledgeError
from portal.pledge_queries import china_date
from portal.pledge_text import upload_message


def inspection_for(facility: Facility, inspection_id: int | None):
    """The inspection ``inspection_id`` at ``facility``; PledgeError when it is another's
    or cancelled."""
    if inspection_id is None:
        return None
    from portal.models.inspections import Inspection, InspectionStatus

    # Locked: an inspection being cancelled meanwhile is seen cancelled.
    inspection = db.session.get(
        Inspection, inspection_id, with_for_update=True, populate_existing=True
    )
    if inspection is None or inspection.facility_id != facility.id:
        raise PledgeError({"inspection_id": _("未找到该机构的这条检查记录")})
    if inspection.status is InspectionStatus.CANCELLED:
        raise PledgeError({"inspection_id": _("该检查已撤销，不能关联")})
    return inspection


def record_posting_check(
    actor,
    facility: Facility,
    campaign: PledgeCampaign,
    *,
    posted: bool,
    checked_on: date,
    note: str,
    inspection_id: int | None,
    photo: bytes | None,
    photo_name: str | None,
    files,
    max_bytes: int,
    today: date,
) -> PledgePostingCheck:
    """Record whether the pledge of ``campaign`` is posted at ``facility``, with an optional
    photo (JPEG or PNG, checked by content)."""
    errors: dict[str, str] = {}
    opened = china_date(campaign.created_at)
    if checked_on > today:
        errors["checked_on"] = _("检查日期不能晚于今天")
    elif checked_on < opened:
        # The pledge of this campaign did not exist yet: it could not have been posted.
        errors["checked_on"] = _(
            "检查日期不能早于该承诺书活动的发起日（%(d)s）", d=opened.isoformat()
        )
    in_campaign = db.session.scalar(
        select(Pledge.id).where(
            Pledge.campaign_id == campaign.id, Pledge.facility_id == facility.id
        )
    )
    if in_campaign is None:
        errors["campaign_id"] = _("该机构不在此承诺书活动范围内")
    if errors:
        raise PledgeError(errors)
    inspection_for(facility, inspection_id)
    # The facility's row is locked: the same check sent twice at once (a double click) is
    # recorded once, the second waiting to find the first below. Each check found "not
    # posted" deducts from the grade, and a check cannot be withdrawn.
    lock_row(Facility, facility.id)
    # One finding a day: the same result that day, however it was recorded (with or
    # without the inspection it belongs to), deducts once. A later check the same day may
    # find it otherwise (posted while the inspectors were there).
    same = select(PledgePostingCheck.id).where(
        PledgePostingCheck.facility_id == facility.id,
        PledgePostingCheck.campaign_id == campaign.id,
        PledgePostingCheck.checked_on == checked_on,
        PledgePostingCheck.posted == posted,
    )
    if db.session.scalar(same) is not None:
        raise PledgeError(
            {
                "checked_on": _(
                    "该机构 %(d)s 已记录过“%(result)s”的张贴检查，同一天同一结果只记录一次，"
                    "请勿重复提交",
                    d=checked_on.isoformat(),
                    result=_("已张贴") if posted else _("未张贴"),
                )
            }
        )
    checked = None
    if photo:
        try:
            checked = check_upload(photo, photo_name, max_bytes=max_bytes, allowed=("jpeg", "png"))
        except UploadRejected as exc:
            raise PledgeError({"photo": upload_message(exc)}) from exc
    check = PledgePostingCheck(
        facility_id=facility.id,
        campaign_id=campaign.id,
        inspection_id=inspection_id,
        posted=posted,
        checked_on=checked_on,
        note=(note or "").strip()[:2000],
        checked_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    if checked is not None:
        check.photo_key = files.store(photo).key
        check.photo_media_type = checked.media_type
    db.session.add(check)
    db.session.flush()
    record_audit(
        actor, "pledge.posting_check", "pledge_posting_check", check.id, after=check.audit_summary()
    )
    if not posted:
        # "Not posted when inspected" deducts: recompute in the same transaction.
        from portal.operations.credit import recompute_grade

        recompute_grade(facility, "pledge.posting", today=today, actor=actor)
    return check
