"""Recording an inspection with its findings through the API (staff tokens).

All or nothing: any invalid field rejects the whole request with 422 and a ``fields``
object naming each problem (``findings[0].category``); nothing is stored. A valid request
for an inspection the facility already has (the same kind begun the same day, not
cancelled) is refused with 409 naming it, unless ``confirm_distinct`` says it is another,
or ``distinct_from`` lists the ids of those it is another from (the 409's ``existing``): with
that list, an inspection alike recorded since (the same confirmed request sent twice, after
a timeout) is refused with 409 too, naming it in ``recorded_since``.
"""

from __future__ import annotations

import json

from flask import abort, g, jsonify, request, url_for
from sqlalchemy import select

from portal import text_limits
from portal.api import bp
from portal.api.auth import token_required
from portal.api.fields import read_bool, read_date, read_text, refuse_unknown, text_limit
from portal.api.views import FACILITY_NOT_FOUND, facility_json, invalid_choice, unprocessable
from portal.extensions import db
from portal.models.inspections import Finding, Inspection, InspectionKind, InspectionTrigger
from portal.models.staff import StaffMember
from portal.models.user import User
from portal.operations.bulk import rows_in
from portal.operations.findings import (
    add_finding,
    confirm_finding,
    finding_errors,
    missing_for_confirmation,
)
from portal.operations.inspections import (
    DuplicateInspection,
    InspectionError,
    create_inspection,
    inspection_errors,
)
from portal.permissions import can
from portal.queries import get_facility_by_site_code
from portal.rules import taxonomy
from portal.web import china_today

#: Operation field names that differ in the API.
API_NAMES = {"results": "handling_results"}
MONEY_FIELDS = ("amount_involved_fen", "amount_refunded_fen", "amount_recovered_fen", "fine_fen")
#: Text fields stored in columns of a fixed length, and that length (also in the OpenAPI
#: document). Category and legal article are checked against their lists instead.
REFERENCE_MAX = text_limit(Inspection.reference)
DECISION_NUMBER_MAX = text_limit(Finding.decision_number)


def conflict(exc: DuplicateInspection):
    """409: the inspections the request would repeat, and the field that records it
    anyway (in ``fields``, as a validation error names its field)."""
    ids = [i.id for i in exc.existing]
    if exc.recorded_since:
        message = (
            "请求所列之外，该机构又有同一天开始的同类检查（检查记录 "
            + "、".join(f"#{i.id}" for i in exc.recorded_since)
            + "），可能是同一请求发送了两次；请核对后再确认"
        )
        field = "distinct_from"
    else:
        message = (
            "该机构已有同一天开始的同类检查（检查记录 "
            + "、".join(f"#{i}" for i in ids)
            + '），可能重复登记；如确是另一次检查，请在请求中加上 "distinct_from": '
            + json.dumps(ids)
            + '（或 "confirm_distinct": true）'
        )
        field = "confirm_distinct"
    existing = [
        {
            "id": i.id,
            "reference": i.reference,
            "kind": i.kind.value,
            "start_date": i.start_date.isoformat(),
            "end_date": i.end_date.isoformat() if i.end_date else None,
            "status": i.status.value,
            "url": url_for("bureau.inspection_detail", inspection_id=i.id, _external=True),
        }
        for i in exc.existing
    ]
    error = {
        "code": 409,
        "message": message,
        "fields": {field: message},
        "existing": existing,
        "recorded_since": [i.id for i in exc.recorded_since],
    }
    return jsonify({"error": error}), 409


def refused(exc: InspectionError):
    """The answer to a refused inspection operation, its changes rolled back: 409 naming
    the inspections a likely duplicate would repeat, 422 naming the fields otherwise."""
    answer = conflict(exc) if isinstance(exc, DuplicateInspection) else unprocessable(exc.errors)
    db.session.rollback()
    return answer


def read_enum(body: dict, field: str, cls, errors: dict):
    try:
        return cls(body.get(field))
    except ValueError:
        errors[field] = invalid_choice(cls)
        return None


def _codes(value, field: str, errors: dict) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[field] = "应为字符串数组"
        return []
    return value


def read_ids(value, field: str, errors: dict) -> set[int] | None:
    """An optional array of record ids (positive integers)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        errors[field] = "应为检查记录编号（正整数）数组"
        return None
    return set(value)


def read_facility(body: dict, errors: dict):
    """The facility whose site code ``facility`` gives (a string; any case)."""
    code = body.get("facility")
    if code is not None and not isinstance(code, str):
        errors["facility"] = "应为字符串（医保定点编码）"
        return None
    facility = get_facility_by_site_code(code or "")
    if facility is None:
        errors["facility"] = FACILITY_NOT_FOUND
    return facility


def read_inspectors(body: dict, errors: dict) -> list[User]:
    """The accounts ``inspectors`` names (usernames); an unknown one is an error."""
    names = _codes(body.get("inspectors"), "inspectors", errors)
    inspectors = rows_in(select(User), User.username, names)
    unknown = sorted(set(names) - {u.username for u in inspectors})
    if unknown:
        errors["inspectors"] = "未找到账号：" + "、".join(unknown)
    return inspectors


def _finding_data(raw, i: int, errors: dict) -> dict:
    prefix = f"findings[{i}]."
    if not isinstance(raw, dict):
        errors[f"findings[{i}]"] = "应为 JSON 对象"
        return {}
    refuse_unknown(raw, "FindingCreate", errors, prefix)
    data = {
        field: read_text(raw, field, errors, prefix, multiline=field == "description")
        for field in ("category", "legal_article")
    }
    data["description"] = read_text(
        raw, "description", errors, prefix, max_length=text_limits.FINDING_DESCRIPTION
    )
    data["decision_number"] = read_text(
        raw, "decision_number", errors, prefix, max_length=DECISION_NUMBER_MAX, multiline=False
    )
    data["self_corrected"] = read_bool(raw, "self_corrected", errors, prefix)
    data["self_inspection"] = None
    for field in MONEY_FIELDS:
        value = raw.get(field, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[prefix + field] = "应为非负整数（单位：分）"
            value = 0
        data[field] = value
    for field in ("period_start", "period_end", "decision_date"):
        data[field] = read_date(raw, field, errors, prefix)
    codes = _codes(raw.get("staff"), prefix + "staff", errors)
    staff = rows_in(select(StaffMember), StaffMember.staff_code, [c.upper() for c in codes])
    unknown = sorted({c.upper() for c in codes} - {s.staff_code for s in staff})
    if unknown:
        errors[prefix + "staff"] = "未找到人员编码：" + "、".join(unknown)
    data["staff"] = staff
    data["results"] = _codes(raw.get("handling_results"), prefix + "handling_results", errors)
    data["confirm"] = read_bool(raw, "confirm", errors, prefix)
    return data


def _finding_errors(facility, start, findings: list[dict], today) -> dict[str, str]:
    """Every finding checked as the operations will check it, before anything is
    recorded, so that one answer names every problem."""
    errors = {}
    for i, data in enumerate(findings):
        if not data:
            continue
        found = finding_errors(facility, start, data, today)
        if data["confirm"]:
            category = taxonomy().get(data["category"])
            article = data["legal_article"] or (category.article if category else "")
            missing = missing_for_confirmation(
                data["decision_number"], data["decision_date"], article, data["results"]
            )
            if "category" in found:
                # The article defaults to the category's: named once the category is valid.
                missing.pop("legal_article", None)
            found = missing | found
        errors |= {f"findings[{i}].{API_NAMES.get(k, k)}": v for k, v in found.items()}
    return errors


@bp.route("/inspections", methods=["POST"])
@token_required
def inspections_create():
    """Record an inspection and its findings (drafts, or confirmed with ``confirm``)."""
    if not can("inspections.record", g.api_user):
        abort(403, "该令牌的账号无权登记检查")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return unprocessable({"body": "请求体必须是 JSON 对象"})
    errors: dict[str, str] = {}
    refuse_unknown(body, "InspectionCreate", errors)
    facility = read_facility(body, errors)
    inspectors = read_inspectors(body, errors)
    data = {
        "facility": facility,
        "kind": read_enum(body, "kind", InspectionKind, errors),
        "trigger": read_enum(body, "trigger", InspectionTrigger, errors),
        "on_site": read_bool(body, "on_site", errors, default=True),
        "start_date": read_date(body, "start_date", errors, required=True),
        "end_date": read_date(body, "end_date", errors),
        "reference": read_text(
            body, "reference", errors, max_length=REFERENCE_MAX, multiline=False
        ),
        "notes": read_text(body, "notes", errors, max_length=text_limits.INSPECTION_NOTES),
        "inspectors": inspectors,
    }
    confirm_distinct = read_bool(body, "confirm_distinct", errors)
    # The inspections the caller was shown (a 409's ``existing``) and confirms this is not.
    distinct_from = read_ids(body.get("distinct_from"), "distinct_from", errors)
    raw_findings = body.get("findings", [])
    if not isinstance(raw_findings, list):
        errors["findings"] = "应为数组"
        raw_findings = []
    findings = [_finding_data(raw, i, errors) for i, raw in enumerate(raw_findings)]
    today = china_today()
    # The operations' own checks, for every field not already refused above.
    if facility is not None and data["start_date"] is not None:
        checks = inspection_errors(data, today) | _finding_errors(
            facility, data["start_date"], findings, today
        )
        errors = checks | errors
    if errors:
        return unprocessable(errors)
    try:
        inspection = create_inspection(
            g.api_user,
            data,
            confirm_distinct=confirm_distinct or distinct_from is not None,
            shown=distinct_from,
        )
        created = []
        for i, finding_data in enumerate(findings):
            try:
                finding = add_finding(g.api_user, inspection, finding_data, today)
                if finding_data["confirm"]:
                    confirm_finding(g.api_user, finding, today)
            except InspectionError as exc:
                exc.errors = {
                    f"findings[{i}].{API_NAMES.get(k, k)}": v for k, v in exc.errors.items()
                }
                raise
            created.append(finding)
    except InspectionError as exc:
        return refused(exc)
    db.session.commit()
    return (
        jsonify(
            {
                "id": inspection.id,
                "facility": facility_json(facility),
                "findings": [
                    {"id": f.id, "status": f.status.value, "category": f.category} for f in created
                ],
                "credit_url": url_for(
                    "api.facility_credit", site_code=facility.site_code, _external=True
                ),
            }
        ),
        201,
    )
