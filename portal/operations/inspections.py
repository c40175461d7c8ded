"""Recording inspections (监督检查): who inspected what, when and why. Closing,
correcting and cancelling one are in ``portal.operations.inspection_changes``.

Findings are recorded under an inspection (``portal.operations.findings``); facilities'
self-inspection reports are in ``portal.operations.self_inspections``. None of this
touches a facility's grade: the grade reads confirmed findings (their own dates, amounts
and facility), never the inspection they were recorded under.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models.enums import BUREAU_ROLES, FacilityKind, Role
from portal.models.facility import Facility
from portal.models.inspections import (
    ALWAYS_ON_SITE,
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.models.user import User
from portal.operations.audit import record_audit
from portal.operations.locks import lock_row
from portal.rules import handling_results, taxonomy
from portal.web import china_today

#: Who may be named as an inspector: any bureau role but the auditor, who reviews the
#: inspections afterwards and so takes no part in them.
INSPECTOR_ROLES = BUREAU_ROLES - {Role.AUDITOR}


class InspectionError(ValueError):
    """Invalid inspection data. ``errors`` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DuplicateInspection(InspectionError):
    """An inspection like one already recorded: the same facility, kind and start date,
    not cancelled (``same_inspections``). Most likely the same inspection entered twice (a
    double click, the page sent again, a colleague entering the same paper record), which
    would dock the facility's grade twice once its findings are confirmed.

    ``existing``: those inspections, oldest first. ``recorded_since``: those of them
    recorded after the user, shown the others, confirmed this a distinct inspection (the
    same confirmed form sent twice finds the first); empty when nothing was confirmed."""

    def __init__(self, existing: list[Inspection], recorded_since: list[Inspection] = ()):
        self.existing = existing
        self.recorded_since = list(recorded_since)
        if self.recorded_since:
            message = _(
                "打开本页后又登记了相同的检查（检查记录 %(n)s），请核对后再确认",
                n="、".join(f"#{i.id}" for i in self.recorded_since),
            )
        else:
            message = _(
                "该机构已有同一天开始的同类检查（检查记录 %(n)s），可能重复登记；"
                "如确是另一次检查，请勾选确认后再保存",
                n="、".join(f"#{i.id}" for i in existing),
            )
        super().__init__({"confirm_distinct": message})


def subject_of(facility: Facility) -> str:
    """The taxonomy part for a facility: pharmacies have their own categories."""
    return "pharmacy" if facility.kind is FacilityKind.PHARMACY else "institution"


def categories_for(facility: Facility) -> list:
    subject = subject_of(facility)
    return [c for c in taxonomy().values() if c.subject == subject]


def facility_results() -> list:
    return [r for r in handling_results().values() if r.subject == "facility"]


def inspection_errors(data: dict, today: date, named: Iterable[User] = ()) -> dict[str, str]:
    """What is wrong with an inspection's ``data`` (the fields ``create_inspection``
    takes). ``named``: the inspectors an inspection being corrected already has, who stay
    acceptable though they have left or changed role since."""
    errors: dict[str, str] = {}
    if not isinstance(data.get("facility"), Facility):
        errors["facility"] = _("请选择被检查的定点机构")
    kind = data.get("kind")
    if not isinstance(kind, InspectionKind):
        errors["kind"] = _("检查类型无效")
    if not isinstance(data.get("trigger"), InspectionTrigger):
        errors["trigger"] = _("检查来由无效")
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date):
        errors["start_date"] = _("请填写有效的开始日期")
    elif start > today:
        # Recorded once it has begun: an inspection dated ahead could never be closed,
        # nor take findings (both must fall between its start and today).
        errors["start_date"] = _("开始日期不能晚于今天")
    elif end is not None and end < start:
        errors["end_date"] = _("结束日期不能早于开始日期")
    elif end is not None and end > today:
        errors["end_date"] = _("结束日期不能晚于今天")
    on_site = bool(data.get("on_site", True))
    if kind in ALWAYS_ON_SITE and not on_site:
        errors["on_site"] = _("%(k)s为现场检查", k=kind.label)
    inspectors = data.get("inspectors") or []
    kept = {u.id for u in named}
    if any(
        u.id not in kept and (not u.active or u.role not in INSPECTOR_ROLES) for u in inspectors
    ):
        errors["inspectors"] = _("检查人员须为在职的医保局工作人员账号（审计员除外）")
    elif len({u.id for u in inspectors}) < (2 if on_site else 1):
        errors["inspectors"] = (
            _("现场检查须由2名以上检查人员实施（条例第二十九条）")
            if on_site
            else _("请至少选择1名检查人员")
        )
    return errors


def lock_inspection(inspection: Inspection) -> None:
    """Re-read the inspection under a row lock (PostgreSQL; SQLite serialises writers), its
    findings afresh: adding a finding and correcting, closing or cancelling the inspection
    then happen one after the other, the later one seeing what the earlier one did."""
    db.session.flush()
    db.session.refresh(inspection, with_for_update=True)
    db.session.expire(inspection, ["findings"])


#: What makes two inspections most likely the same one (``same_inspections``).
IDENTIFYING = frozenset({"facility", "kind", "start_date"})


def same_inspections(
    facility: Facility, kind: InspectionKind, start: date, *, besides: Inspection | None = None
) -> list[Inspection]:
    """The inspections of ``facility`` of ``kind`` that began on ``start`` and are not
    cancelled, oldest first: what a new one with these would most likely repeat. A
    cancelled one was recorded by mistake, or not carried out, and repeats nothing.
    ``besides``: an inspection being corrected to these, which does not repeat itself."""
    stmt = select(Inspection).where(
        Inspection.facility_id == facility.id,
        Inspection.kind == kind,
        Inspection.start_date == start,
        Inspection.status != InspectionStatus.CANCELLED,
    )
    if besides is not None and besides.id is not None:
        stmt = stmt.where(Inspection.id != besides.id)
    return list(db.session.scalars(stmt.order_by(Inspection.id)))


def corrected_into(
    inspection: Inspection, facility: Facility, kind: InspectionKind, start: date
) -> list[Inspection]:
    """The inspections ``inspection`` would repeat once corrected to ``facility``, ``kind``
    and ``start`` (``same_inspections``, itself aside). None while these are what it has:
    a correction leaving them be repeats nothing it did not already (a pair confirmed
    distinct when recorded stays so), and so needs no confirmation."""
    if (facility.id, kind, start) == (
        inspection.facility_id,
        inspection.kind,
        inspection.start_date,
    ):
        return []
    return same_inspections(facility, kind, start, besides=inspection)


def refuse_unconfirmed(
    same: list[Inspection], confirm_distinct: bool, shown: Collection[int] | None
) -> None:
    """Refuse with ``DuplicateInspection`` unless the user confirmed the inspection is not
    one of ``same``, having been shown them all (when ``shown`` is given)."""
    if same and not confirm_distinct:
        raise DuplicateInspection(same)
    if shown is not None and (unseen := [i for i in same if i.id not in shown]):
        # Recorded since the page was shown only when the page named some of them: a tick
        # given for other inspections (the facility, kind or date changed on the form
        # since) confirms nothing about these, which may have been there all along.
        seen = any(i.id in shown for i in same)
        raise DuplicateInspection(same, recorded_since=unseen if seen else ())


def apply_fields(inspection: Inspection, data: dict) -> None:
    inspection.facility = data["facility"]
    inspection.kind = data["kind"]
    inspection.trigger = data["trigger"]
    inspection.on_site = bool(data.get("on_site", True))
    inspection.start_date = data["start_date"]
    inspection.end_date = data.get("end_date")
    inspection.reference = (data.get("reference") or "").strip()
    inspection.notes = (data.get("notes") or "").strip()
    inspection.inspectors = list({u.id: u for u in data["inspectors"]}.values())


def create_inspection(
    actor,
    data: dict,
    today: date | None = None,
    *,
    confirm_distinct: bool = False,
    shown: Collection[int] | None = None,
) -> Inspection:
    """Record an inspection: facility, kind, trigger, on_site, start_date, end_date,
    reference, notes and inspectors (User objects). ``today`` defaults to China's.

    Refused with ``DuplicateInspection`` while the facility has an inspection of the same
    kind begun the same day, not cancelled, unless ``confirm_distinct``: the user's word
    that this is another inspection. ``shown``, if given, the ids of the inspections the
    user was shown when confirming: the word covers those only, so the same confirmed form
    sent twice (a double click) is refused the second time, for the first; a word given for
    none of them (the form changed to another facility, kind or date since) is asked for
    again, as if none had been given. The audit row of an inspection so confirmed names the
    inspections it was confirmed distinct from."""
    errors = inspection_errors(data, today or china_today())
    if errors:
        raise InspectionError(errors)
    facility = data["facility"]
    # Two like inspections recorded at once (a double click, two people with the same
    # paper record) look through the facility's inspections in turn.
    lock_row(Facility, facility.id)
    same = same_inspections(facility, data["kind"], data["start_date"])
    refuse_unconfirmed(same, confirm_distinct, shown)
    inspection = Inspection(created_by_id=getattr(actor, "id", None), status=InspectionStatus.OPEN)
    apply_fields(inspection, data)
    db.session.add(inspection)
    db.session.flush()
    record_audit(
        actor,
        "inspection.create",
        "inspection",
        inspection.id,
        after=inspection.audit_summary()
        | ({"confirmed_distinct_from": [i.id for i in same]} if same else {}),
    )
    return inspection
