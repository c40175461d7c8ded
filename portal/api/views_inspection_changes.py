"""Listing, reading, correcting, closing and cancelling recorded inspections through the API
(staff tokens), as the bureau's inspection pages do: the same operations
(``portal.operations.inspection_changes``), checks and audit rows.

A correction sends only the fields it changes. It is refused whole (422, ``fields`` naming
each problem) when any field is invalid or may no longer change: a closed inspection takes
its reference and notes only, a cancelled one nothing. A correction to the facility, kind
and start date of another inspection not cancelled is refused with 409 unless confirmed,
as when recording one (``distinct_from`` or ``confirm_distinct``).
"""

from __future__ import annotations

from flask import abort, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import text_limits
from portal.api import bp
from portal.api.auth import token_required
from portal.api.fields import read_bool, read_date, read_text, refuse_unknown
from portal.api.views import FACILITY_NOT_FOUND, invalid_choice, page_args, unprocessable
from portal.api.views_inspections import (
    REFERENCE_MAX,
    read_enum,
    read_facility,
    read_ids,
    read_inspectors,
    refused,
)
from portal.extensions import db
from portal.models.inspections import (
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.operations.inspection_changes import (
    cancel_inspection,
    close_inspection,
    inspection_data,
    update_inspection,
)
from portal.operations.inspections import (
    InspectionError,
    inspection_errors,
)
from portal.permissions import can
from portal.queries import get_facility_by_site_code
from portal.web import china_iso, china_today

NOT_FOUND = "未找到该检查记录"
#: What a correction may send besides the confirmation: the fields of ``POST /inspections``
#: but its findings (recorded and corrected one by one, on the bureau's pages).
CORRECTABLE = (
    "facility", "kind", "trigger", "on_site", "start_date", "end_date", "reference", "notes",
    "inspectors",
)  # fmt: skip


def inspection_json(inspection: Inspection) -> dict:
    return {
        "id": inspection.id,
        "reference": inspection.reference,
        "facility": {"site_code": inspection.facility.site_code, "name": inspection.facility.name},
        "kind": inspection.kind.value,
        "trigger": inspection.trigger.value,
        "on_site": inspection.on_site,
        "start_date": inspection.start_date.isoformat(),
        "end_date": inspection.end_date.isoformat() if inspection.end_date else None,
        "status": inspection.status.value,
        "inspectors": sorted(u.username for u in inspection.inspectors),
        "notes": inspection.notes,
        "closed_at": china_iso(inspection.closed_at),
        "cancelled_at": china_iso(inspection.cancelled_at),
        "cancel_reason": inspection.cancel_reason or None,
        "findings": [
            {"id": f.id, "status": f.status.value, "category": f.category}
            for f in sorted(inspection.findings, key=lambda f: f.id)
        ],
        "url": url_for("api.inspection", inspection_id=inspection.id, _external=True),
        "page_url": url_for(
            "bureau.inspection_detail", inspection_id=inspection.id, _external=True
        ),
    }


def _inspection_or_404(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404, NOT_FOUND)
    return inspection


def _may_record() -> None:
    if not can("inspections.record", g.api_user):
        abort(403, "该令牌的账号无权修改检查")


def _body(empty_ok: bool = False) -> dict | None:
    """The JSON object sent, or None when the body is not one (a form, say); with
    ``empty_ok``, no body at all reads as ``{}``. The length is asked, not the body: a
    form's body has been read by then (``portal.security``) and would look empty."""
    if empty_ok and not request.content_length:
        return {}
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/inspections", methods=["GET"])
@token_required
def inspections():
    """Inspections, the latest begun first, by facility, status, kind and start date
    (paginated): a client that lost the answer to a request finds what it recorded."""
    page_no, per_page = page_args()
    args, errors = request.args, {}
    stmt = select(Inspection).options(
        selectinload(Inspection.facility),
        selectinload(Inspection.inspectors),
        selectinload(Inspection.findings),
    )
    if code := args.get("facility", "").strip():
        facility = get_facility_by_site_code(code)
        if facility is None:
            errors["facility"] = FACILITY_NOT_FOUND
        else:
            stmt = stmt.where(Inspection.facility_id == facility.id)
    for field, cls, column in (
        ("status", InspectionStatus, Inspection.status),
        ("kind", InspectionKind, Inspection.kind),
    ):
        if value := args.get(field, "").strip():
            if value in {m.value for m in cls}:
                stmt = stmt.where(column == cls(value))
            else:
                errors[field] = invalid_choice(cls)
    days = {field: read_date({field: args.get(field, "").strip()}, field, errors)
            for field in ("start_from", "start_to")}  # fmt: skip
    if days["start_from"] is not None:
        stmt = stmt.where(Inspection.start_date >= days["start_from"])
    if days["start_to"] is not None:
        stmt = stmt.where(Inspection.start_date <= days["start_to"])
        if days["start_from"] is not None and days["start_from"] > days["start_to"]:
            errors["start_to"] = "不能早于 start_from"
    if errors:
        return unprocessable(errors)
    page = db.paginate(
        stmt.order_by(Inspection.start_date.desc(), Inspection.id.desc()),
        page=page_no,
        per_page=per_page,
        error_out=False,
    )
    return jsonify(
        {
            "items": [inspection_json(i) for i in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }
    )


@bp.route("/inspections/<int:inspection_id>", methods=["GET"])
@token_required
def inspection(inspection_id: int):
    """An inspection: what was recorded, its status and its findings."""
    return jsonify(inspection_json(_inspection_or_404(inspection_id)))


def _correction(body: dict, errors: dict) -> dict:
    """The fields ``body`` sends, read as ``POST /inspections`` reads them."""
    data: dict = {}
    if "facility" in body:
        data["facility"] = read_facility(body, errors)
    if "kind" in body:
        data["kind"] = read_enum(body, "kind", InspectionKind, errors)
    if "trigger" in body:
        data["trigger"] = read_enum(body, "trigger", InspectionTrigger, errors)
    if "on_site" in body:
        data["on_site"] = read_bool(body, "on_site", errors)
    if "start_date" in body:
        data["start_date"] = read_date(body, "start_date", errors, required=True)
    if "end_date" in body:
        data["end_date"] = read_date(body, "end_date", errors)
    if "reference" in body:
        data["reference"] = read_text(
            body, "reference", errors, max_length=REFERENCE_MAX, multiline=False
        )
    if "notes" in body:
        data["notes"] = read_text(body, "notes", errors, max_length=text_limits.INSPECTION_NOTES)
    if "inspectors" in body:
        data["inspectors"] = read_inspectors(body, errors)
    return data


@bp.route("/inspections/<int:inspection_id>", methods=["PATCH"])
@token_required
def inspection_update(inspection_id: int):
    """Correct an inspection: the fields sent change, the others stay."""
    _may_record()
    inspection = _inspection_or_404(inspection_id)
    body = _body()
    if body is None:
        return unprocessable({"body": "请求体必须是 JSON 对象"})
    known = (*CORRECTABLE, "confirm_distinct", "distinct_from")
    errors = {field: "不能通过本接口修改" for field in body if field not in known}
    if not any(field in body for field in CORRECTABLE):
        errors["body"] = "请至少给出一项要修改的内容：" + "、".join(CORRECTABLE)
    data = _correction(body, errors)
    confirm_distinct = read_bool(body, "confirm_distinct", errors)
    distinct_from = read_ids(body.get("distinct_from"), "distinct_from", errors)
    today = china_today()
    if errors:
        # The operation's own checks too, on the fields read (the others as recorded), so
        # that one answer names every problem, as POST /inspections does.
        current = inspection_data(inspection)
        wanted = current | {f: v for f, v in data.items() if f not in errors}
        checks = inspection_errors(wanted, today, named=current["inspectors"])
        return unprocessable(checks | errors)
    try:
        changed = update_inspection(
            g.api_user,
            inspection,
            data,
            today,
            confirm_distinct=confirm_distinct or distinct_from is not None,
            shown=distinct_from,
        )
    except InspectionError as exc:
        return refused(exc)
    db.session.commit()
    return jsonify(inspection_json(inspection) | {"changed": changed})


@bp.route("/inspections/<int:inspection_id>/close", methods=["POST"])
@token_required
def inspection_close(inspection_id: int):
    """Close an inspection, on ``end_date`` (default: the end date recorded, else today)."""
    _may_record()
    inspection = _inspection_or_404(inspection_id)
    body = _body(empty_ok=True)
    if body is None:
        return unprocessable({"body": "请求体必须是 JSON 对象，或为空"})
    errors: dict[str, str] = {}
    refuse_unknown(body, "InspectionClose", errors)
    end_date = read_date(body, "end_date", errors)
    if errors:
        return unprocessable(errors)
    try:
        close_inspection(g.api_user, inspection, end_date, china_today())
    except InspectionError as exc:
        return refused(exc)
    db.session.commit()
    return jsonify(inspection_json(inspection))


@bp.route("/inspections/<int:inspection_id>/cancel", methods=["POST"])
@token_required
def inspection_cancel(inspection_id: int):
    """Cancel an inspection recorded by mistake or not carried out, with a reason; refused
    while any finding under it is not revoked."""
    _may_record()
    inspection = _inspection_or_404(inspection_id)
    body = _body()
    if body is None:
        return unprocessable({"body": "请求体必须是 JSON 对象"})
    errors: dict[str, str] = {}
    refuse_unknown(body, "InspectionCancel", errors)
    reason = read_text(body, "reason", errors, max_length=text_limits.REVOKE_REASON)
    if errors:
        return unprocessable(errors)
    try:
        cancel_inspection(g.api_user, inspection, reason)
    except InspectionError as exc:
        return refused(exc)
    db.session.commit()
    return jsonify(inspection_json(inspection))
