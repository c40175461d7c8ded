from flask import abort, current_app, g, jsonify, request, url_for
from sqlalchemy import select

from portal import text_limits
from portal.api import bp
from portal.api.auth import token_required
from portal.api.fields import read_date, read_text, refuse_unknown, text_limit
from portal.extensions import db
from portal.models.enums import FacilityKind
from portal.models.points import PointRecord
from portal.models.staff import StaffMember
from portal.queries import facility_search, get_facility_by_site_code
from portal.validators import has_visible
from portal.web import china_iso, last_day


def facility_json(facility) -> dict:
    return {
        "site_code": facility.site_code,
        "credit_code": facility.credit_code,
        "name": facility.name,
        "kind": facility.kind.value,
        "level": facility.level.value,
        "ownership": facility.ownership.value,
        "county": facility.county,
        "address": facility.address,
        "status": facility.status.value,
        "agreement_start": facility.agreement_start.isoformat(),
        # Current credit grade and score (null until graded); details at the credit URL.
        "grade": facility.credit_grade,
        "score": float(facility.credit_score) if facility.credit_score is not None else None,
        "graded_at": china_iso(facility.graded_at),
        "url": url_for("api.facility", site_code=facility.site_code, _external=True),
        "credit_url": url_for("api.facility_credit", site_code=facility.site_code, _external=True),
    }


#: Paging of list endpoints: per_page defaults to DEFAULT_PER_PAGE; a larger value than
#: MAX_PER_PAGE is served as MAX_PER_PAGE (documented in the OpenAPI parameters).
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
BAD_PAGING = "page 和 per_page 必须为正整数"
#: Digits of page and per_page read: more than any page count or cap.
PAGING_DIGITS = 12
FACILITY_NOT_FOUND = "未找到该医保定点编码的机构"
#: The longest decision reference a point record holds (also in the OpenAPI document).
POINTS_REFERENCE_MAX = text_limit(PointRecord.reference)


def facility_or_404(site_code: str):
    """The facility with ``site_code`` (any case), or a JSON 404 saying what was not found."""
    facility = get_facility_by_site_code(site_code)
    if facility is None:
        abort(404, FACILITY_NOT_FOUND)
    return facility


def _positive_int(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    text = text.strip()
    # Digits only: int() would also take "+5", "1_0" and non-ASCII digits.
    if not (text.isascii() and text.isdigit()):
        abort(400, BAD_PAGING)
    digits = text.lstrip("0")
    if not digits:
        abort(400, BAD_PAGING)
    # A longer number is past any page there is (the caller caps it), and is never
    # converted whole: Python refuses over 4,300 digits (a 500 error).
    return int(digits) if len(digits) <= PAGING_DIGITS else 10**PAGING_DIGITS


def page_args() -> tuple[int, int]:
    """(page, per_page) from the query string; 400 unless both are whole numbers >= 1."""
    page = _positive_int("page", 1)
    per_page = min(MAX_PER_PAGE, _positive_int("per_page", DEFAULT_PER_PAGE))
    return page, per_page


@bp.route("/facilities")
def facilities():
    page_no, per_page = page_args()
    # An unknown kind or grade is refused rather than ignored: ignoring it would list every
    # facility as if the filter had matched. Kinds are the documented values, as written.
    errors = {}
    kind = request.args.get("kind", "").strip()
    if kind and kind not in {m.value for m in FacilityKind}:
        errors["kind"] = invalid_choice(FacilityKind)
    stmt = facility_search(
        q=request.args.get("q", "").strip(),
        county=request.args.get("county", "").strip(),
        kind=kind,
    )
    grade = request.args.get("grade", "").strip().upper()
    if grade:
        from portal.api.views_credit import grade_filter

        stmt, problem = grade_filter(stmt, grade)
        if problem:
            errors["grade"] = problem
    if errors:
        return unprocessable(errors)
    page = db.paginate(stmt, page=page_no, per_page=per_page, error_out=False)
    return jsonify(
        {
            "items": [facility_json(f) for f in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }
    )


@bp.route("/facilities/<site_code>")
def facility(site_code: str):
    facility = facility_or_404(site_code)
    from portal.pledge_queries import current_pledge_by_site_code, is_overdue
    from portal.web import china_today

    body = facility_json(facility)
    _facility, pledge = current_pledge_by_site_code(facility.site_code)
    body["pledge"] = {
        "status": pledge.status.value if pledge else None,
        "campaign_year": pledge.campaign.year if pledge else None,
        "overdue": is_overdue(pledge, china_today()) if pledge else False,
        # The full pledge record (files, hashes, verification page) has its own URL.
        "url": url_for("api.facility_pledge", site_code=facility.site_code, _external=True),
    }
    return jsonify(body)


@bp.route("/staff/<staff_code>")
@token_required
def staff(staff_code: str):
    staff = _staff_or_404(staff_code)
    return jsonify(
        {
            "staff_code": staff.staff_code,
            "name": staff.name,
            "id_number": staff.id_number_masked,
            "profession": staff.profession.value,
            "facilities": [
                {
                    "site_code": p.facility.site_code,
                    "primary": p.is_primary,
                    "since": p.start_date.isoformat(),
                }
                for p in staff.practices
                if p.end_date is None
            ],
        }
    )


@bp.route("/health")
def health():
    db.session.execute(select(1))
    return jsonify({"status": "ok", "version": current_app.config.get("VERSION", "0.1.0")})


def _staff_or_404(staff_code: str) -> StaffMember:
    staff = db.session.scalar(
        select(StaffMember).where(StaffMember.staff_code == staff_code.upper())
    )
    if staff is None:
        abort(404, "未找到该人员编码的人员")
    return staff


def _points_json(staff: StaffMember) -> dict:
    from portal.operations.points import standing_for
    from portal.web import china_today

    standing = standing_for(staff, china_today())
    current = standing.current
    records = db.session.scalars(
        select(PointRecord)
        .where(PointRecord.staff_id == staff.id)
        .order_by(PointRecord.decided_on, PointRecord.id)
    ).all()
    return {
        "staff_code": staff.staff_code,
        "cycle": standing.cycle,
        "total": standing.total,
        "restored": standing.restored,
        "status": standing.status.value,
        "sanction": None
        if current is None
        else {
            "kind": current.kind.value,
            "start": current.start.isoformat(),
            # The last day in force (the engine keeps exclusive ends).
            "end": last_day(current.end).isoformat(),
        },
        "ledger": [
            {
                "id": r.id,
                "decided_on": r.decided_on.isoformat(),
                "facility": r.facility.site_code,
                "violation": r.violation,
                "severity": r.severity.value,
                "responsibility": r.responsibility.value,
                "points": r.points,
                "source": r.source.value,
                "reference": r.reference,
                "revoked": r.revoked,
                "revoke_reason": r.revoke_reason or None,
            }
            for r in records
        ],
    }


@bp.route("/staff/<staff_code>/points", methods=["GET"])
@token_required
def staff_points(staff_code: str):
    return jsonify(_points_json(_staff_or_404(staff_code)))


@bp.route("/staff/<staff_code>/points", methods=["POST"])
@token_required
def staff_points_create(staff_code: str):
    """Record points. Body: facility (site code), violation, severity, responsibility,
    decided_on (YYYY-MM-DD), source, reference. Errors name the field."""
    from portal.models.enums import PointSource, Responsibility, Severity
    from portal.operations.points import DuplicatePoints, PointsError, record_points
    from portal.permissions import can
    from portal.web import china_today

    if not can("points.record", g.api_user):
        abort(403, "该令牌的账号无权记分")
    staff = _staff_or_404(staff_code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _field_error("body", "请求体必须是 JSON 对象")
    errors = {}
    refuse_unknown(body, "PointsCreate", errors)
    facility = get_facility_by_site_code(str(body.get("facility", "")))
    if facility is None:
        errors["facility"] = FACILITY_NOT_FOUND
    enums = {"severity": Severity, "responsibility": Responsibility, "source": PointSource}
    values = {}
    for field, cls in enums.items():
        try:
            values[field] = cls(body.get(field))
        except ValueError:
            errors[field] = invalid_choice(cls)
    decided_on = read_date(body, "decided_on", errors, required=True)
    texts = {
        field: read_text(body, field, errors, max_length=limit, multiline=field == "violation")
        for field, limit in (
            ("violation", text_limits.POINTS_VIOLATION),
            ("reference", POINTS_REFERENCE_MAX),
        )
    }
    for field, text in texts.items():
        if field not in errors and not has_visible(text):
            errors[field] = "此项必填"
    if errors:
        return unprocessable(errors)
    try:
        record = record_points(
            g.api_user,
            staff,
            facility=facility,
            violation=texts["violation"],
            decided_on=decided_on,
            reference=texts["reference"],
            today=china_today(),
            **values,
        )
    except DuplicatePoints as exc:
        # The same decision sent again (a retry after a timeout): 409 naming the record,
        # as an inspection recorded twice is.
        existing = {
            "id": exc.existing.id,
            "points": exc.existing.points,
            "decided_on": exc.existing.decided_on.isoformat(),
            "reference": exc.existing.reference,
        }
        db.session.rollback()
        error = {"code": 409, "message": str(exc), "existing": existing}
        return jsonify({"error": error}), 409
    except PointsError as exc:
        db.session.rollback()
        return _field_error(exc.field or "record", str(exc))
    db.session.commit()
    return jsonify({"id": record.id, "points": record.points} | _points_json(staff)), 201


def invalid_choice(choices) -> str:
    """The message for a value not among ``choices`` (an enum class, or strings)."""
    return "取值无效，可选：" + "、".join(str(getattr(c, "value", c)) for c in choices)


def unprocessable(errors: dict[str, str]):
    """422 naming each field's problem."""
    return jsonify({"error": {"code": 422, "message": "数据校验失败", "fields": errors}}), 422


def _field_error(field: str, message: str):
    return jsonify({"error": {"code": 422, "message": message, "fields": {field: message}}}), 422
