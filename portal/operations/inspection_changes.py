"""Changing a recorded inspection: closing it, correcting one recorded with a mistake, and
cancelling one recorded by mistake (recording is in ``portal.operations.inspections``).
Each locks the inspection first and is audited with what changed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.database import utcnow
from portal.extensions import db
from portal.models.facility import Facility
from portal.models.inspections import FindingStatus, Inspection, InspectionStatus
from portal.models.pledge_extras import PledgePostingCheck
from portal.operations.audit import record_audit
from portal.operations.inspections import (
    IDENTIFYING,
    InspectionError,
    apply_fields,
    corrected_into,
    inspection_errors,
    lock_inspection,
    refuse_unconfirmed,
)
from portal.operations.locks import lock_row
from portal.validators import has_visible
from portal.web import china_today

#: What a closed inspection still lets one correct. Its findings were decided on the
#: strength of the rest (facility, dates, kind, who was on site), which so stays.
EDITABLE_WHEN_CLOSED = frozenset({"reference", "notes"})


def close_inspection(actor, inspection: Inspection, end_date: date | None, today: date) -> None:
    lock_inspection(inspection)
    if inspection.status is InspectionStatus.CLOSED:
        raise InspectionError({"end_date": _("该检查已结束")})
    if inspection.status is InspectionStatus.CANCELLED:
        raise InspectionError({"end_date": _("该检查已撤销")})
    end = end_date or inspection.end_date or today
    if end < inspection.start_date or end > today:
        raise InspectionError({"end_date": _("结束日期须在开始日期与今天之间")})
    if any(f.status is FindingStatus.DRAFT for f in inspection.findings):
        raise InspectionError({"end_date": _("尚有未认定的违规发现草稿，请先认定或作废")})
    before = inspection.audit_summary()
    inspection.end_date = end
    inspection.status = InspectionStatus.CLOSED
    inspection.closed_at = utcnow()
    inspection.closed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(
        actor,
        "inspection.close",
        "inspection",
        inspection.id,
        before=before,
        after=inspection.audit_summary(),
    )


def inspection_data(inspection: Inspection) -> dict:
    """An inspection's fields as ``create_inspection`` takes them."""
    return {
        "facility": inspection.facility,
        "kind": inspection.kind,
        "trigger": inspection.trigger,
        "on_site": inspection.on_site,
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
        "reference": inspection.reference,
        "notes": inspection.notes,
        "inspectors": list(inspection.inspectors),
    }


def _comparable(field: str, value):
    if field == "facility":
        return getattr(value, "id", value)
    if field == "inspectors":
        return sorted({getattr(u, "id", u) for u in value or []})
    if field in ("reference", "notes"):
        return (value or "").strip()
    if field == "on_site":
        return bool(value)
    return value


def facility_fixed(inspection: Inspection) -> str | None:
    """Why the inspection's facility can no longer be changed, if it cannot: findings carry
    the facility too (and were checked against its kind), posting checks were made at it."""
    if inspection.findings:
        return _("该检查下已录入违规发现，不能更换被检查机构")
    checks = db.session.scalar(
        select(func.count())
        .select_from(PledgePostingCheck)
        .where(PledgePostingCheck.inspection_id == inspection.id)
    )
    if checks:
        return _("该检查已关联承诺书张贴检查记录，不能更换被检查机构")
    return None


def _correction_errors(inspection: Inspection, wanted: dict, changed: set[str]) -> dict[str, str]:
    """What a correction may not do to what was recorded under the inspection."""
    errors: dict[str, str] = {}
    if "facility" in changed and (reason := facility_fixed(inspection)):
        errors["facility"] = reason
    start = wanted.get("start_date")
    if "start_date" in changed and isinstance(start, date):
        # A finding is decided on or after the inspection's start (findings.finding_errors).
        decided = [f.decision_date for f in inspection.live_findings if f.decision_date]
        if decided and min(decided) < start:
            errors["start_date"] = _(
                "该检查下违规发现的决定日期最早为%(d)s，开始日期不能晚于该日",
                d=min(decided).isoformat(),
            )
    return errors


def update_inspection(
    actor,
    inspection: Inspection,
    data: dict,
    today: date | None = None,
    *,
    confirm_distinct: bool = False,
    shown: Collection[int] | None = None,
) -> bool:
    """Correct a recorded inspection. ``data`` holds fields of ``create_inspection`` (those
    left out stay as they are) and is checked as at creation. An open inspection may change
    in all of them, a closed one in its reference and notes only (``EDITABLE_WHEN_CLOSED``),
    a cancelled one not at all. The facility stays once anything was recorded under the
    inspection, and the start may not move past a finding's decision date. Audited with the
    fields that changed, before and after; nothing changed, nothing recorded. Returns
    whether anything changed.

    A correction of the facility, kind or start date that makes the inspection like others
    (``corrected_into``) is refused with ``DuplicateInspection`` unless confirmed, as at
    creation (``confirm_distinct`` and ``shown`` alike), and its audit row names the
    inspections it was confirmed distinct from. One leaving those three be is never
    refused so, whatever the inspection was already like.

    Every field given is compared with what is recorded, not only those still editable:
    a form filled in before the inspection was closed (or a finding fixed its facility)
    that changes what is no longer editable is refused, not saved in part."""
    lock_inspection(inspection)
    if inspection.status is InspectionStatus.CANCELLED:
        raise InspectionError({"status": _("该检查已撤销，不能修改")})
    current = inspection_data(inspection)
    changed = {
        f for f in data if f in current and _comparable(f, data[f]) != _comparable(f, current[f])
    }
    if inspection.status is InspectionStatus.CLOSED:
        locked = changed - EDITABLE_WHEN_CLOSED
        if locked:
            message = _("检查已结束，只能修改检查通知书编号和备注")
            raise InspectionError(dict.fromkeys(sorted(locked), message))
    wanted = current | {f: data[f] for f in data if f in current}
    errors = inspection_errors(wanted, today or china_today(), named=current["inspectors"])
    errors = _correction_errors(inspection, wanted, changed) | errors
    if errors:
        raise InspectionError(errors)
    same: list[Inspection] = []
    if changed & IDENTIFYING:
        # The inspection's row, locked above, then the facility it is to be at: the order
        # in which recording a posting check at an inspection locks them too. Creation
        # locks the facility alone, and the facility left behind need not be locked (an
        # inspection moving away from it makes none there alike).
        lock_row(Facility, wanted["facility"].id)
        same = corrected_into(inspection, wanted["facility"], wanted["kind"], wanted["start_date"])
        refuse_unconfirmed(same, confirm_distinct, shown)
    before = inspection.audit_summary()
    apply_fields(inspection, wanted)
    db.session.flush()
    after = inspection.audit_summary()
    if after == before:
        return False
    record_audit(
        actor,
        "inspection.update",
        "inspection",
        inspection.id,
        before=before,
        after=after | ({"confirmed_distinct_from": [i.id for i in same]} if same else {}),
    )
    return True


def cancellation_problems(inspection: Inspection) -> dict[str, str]:
    """Why ``inspection`` cannot be cancelled (empty when it can)."""
    if inspection.status is InspectionStatus.CANCELLED:
        return {"status": _("该检查已撤销")}
    live = inspection.live_findings
    confirmed = sum(f.status is FindingStatus.CONFIRMED for f in live)
    if confirmed:
        return {
            "status": _(
                "该检查下有%(n)d项已认定的违规发现，不能撤销检查；如认定有误，请先撤销违规认定",
                n=confirmed,
            )
        }
    if live:
        return {"status": _("该检查下有%(n)d项违规发现草稿，请先作废草稿再撤销检查", n=len(live))}
    return {}


def cancel_inspection(actor, inspection: Inspection, reason: str) -> None:
    """Cancel an inspection recorded by mistake or not carried out, open or closed. It is
    kept, with the reason, who cancelled it and when, but takes no findings and no edits.

    Refused while any finding under it is not revoked: a confirmed one counts for the
    facility's grade and must be revoked first (by someone entitled to), a draft
    discarded. So the grade is as it was and nothing is recomputed. Posting checks
    recorded at the inspection stay: each is a fact of its own date, counted without
    regard to the inspection."""
    lock_inspection(inspection)
    problems = cancellation_problems(inspection)
    if problems:
        raise InspectionError(problems)
    reason = (reason or "").strip()
    if not has_visible(reason):
        raise InspectionError({"reason": _("请填写撤销理由")})
    before = inspection.audit_summary()
    inspection.status = InspectionStatus.CANCELLED
    inspection.cancel_reason = reason
    inspection.cancelled_at = utcnow()
    inspection.cancelled_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(
        actor,
        "inspection.cancel",
        "inspection",
        inspection.id,
        before=before,
        after=inspection.audit_summary(),
        note=reason,
    )
