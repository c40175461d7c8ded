"""The credit card of a facility's home page: the latest computation, the last grade
changes, and what awaits the bureau or was just decided (objections, repair applications,
objections to its staff's points). Only the user's own facility."""

from datetime import timedelta

from flask import url_for
from flask_login import current_user

from portal.credit_notes import stored_grade_note
from portal.credit_queries import credit_context, grade_changes
from portal.database import utcnow
from portal.facility.views_credit import own_requests
from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditRepair, RepairStatus
from portal.operations.credit import latest_grade
from portal.queries import point_appeals_to_show
from portal.rules import credit_rulebook
from portal.validators import mask_name
from portal.web import page_of

#: Grade changes the home page lists; the credit page has the whole history.
HOME_GRADE_CHANGES = 5
#: Days a decided objection or repair application stays on the home page.
RECENT_DECISION_DAYS = 30


def credit_card() -> dict:
    """What the facility's home page shows of its credit: the latest computation, the last
    grade changes, and the objections and repair applications awaiting the bureau's
    decision or decided in the last ``RECENT_DECISION_DAYS`` days, and the objections to
    its staff's points likewise."""
    facility_id = current_user.facility_id
    appeals = own_requests(CreditAppeal)
    repairs = own_requests(CreditRepair)
    since = utcnow() - timedelta(days=RECENT_DECISION_DAYS)

    def decided(rows):
        recent = [r for r in rows if r.decided_at is not None and r.decided_at >= since]
        return sorted(recent, key=lambda r: r.decided_at, reverse=True)

    current = latest_grade(facility_id)
    return {
        "current": current,
        # Why the grade is not the one the score gives (a cap, an adjustment), as on the
        # credit page.
        "note": stored_grade_note(current, current.breakdown if current else []),
        "changes": grade_changes(facility_id, limit=HOME_GRADE_CHANGES),
        "pending_appeals": [a for a in appeals if a.status is CreditAppealStatus.PENDING],
        "pending_repairs": [r for r in repairs if r.status is RepairStatus.PENDING],
        "decided_appeals": decided(appeals),
        "decided_repairs": decided(repairs),
        "point_appeals": _point_appeals(facility_id, since),
        # The page of the credit page's list that shows each one (newest first, as here).
        "appeal_pages": {a.id: page_of(i) for i, a in enumerate(appeals)},
        "repair_pages": {r.id: page_of(i) for i, r in enumerate(repairs)},
        "recent_days": RECENT_DECISION_DAYS,
        "rb": credit_rulebook(),
        **credit_context(),
    }


def _point_appeals(facility_id: int, since) -> list[dict]:
    """Objections to points recorded at the facility awaiting the bureau or decided since
    ``since``, as the home page lists them: the person named as on the staff pages, with a
    link to the record there; one who no longer practises at the facility, and so is not
    on those pages, by a masked name and without a link."""
    results = []
    for appeal, practising in point_appeals_to_show(facility_id, since):
        record, url = appeal.record, None
        if practising:
            url = url_for("facility.staff_points", staff_id=record.staff_id) + f"#point-{record.id}"
        name = record.staff.name if practising else mask_name(record.staff.name)
        results.append({"appeal": appeal, "name": name, "url": url})
    return results
