from flask import abort, current_app, jsonify, request, url_for
from sqlalchemy import select

from portal.api import bp
from portal.api.auth import token_required
from portal.extensions import db
from portal.models.staff import StaffMember
from portal.queries import facility_search, get_facility_by_site_code


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
        "url": url_for("api.facility", site_code=facility.site_code, _external=True),
    }


def _page_args() -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(100, max(1, int(request.args.get("per_page", 20))))
    except ValueError:
        abort(400, "page 和 per_page 必须为正整数")
    return page, per_page


@bp.route("/facilities")
def facilities():
    page_no, per_page = _page_args()
    stmt = facility_search(
        q=request.args.get("q", ""), county=request.args.get("county", ""),
        kind=request.args.get("kind", ""),
    )
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
    facility = get_facility_by_site_code(site_code)
    if facility is None:
        abort(404)
    return jsonify(facility_json(facility))


@bp.route("/staff/<staff_code>")
@token_required
def staff(staff_code: str):
    staff = db.session.scalar(
        select(StaffMember).where(StaffMember.staff_code == staff_code.upper())
    )
    if staff is None:
        abort(404)
    return jsonify(
        {
            "staff_code": staff.staff_code,
            "name": staff.name,
            "id_number": staff.id_number_masked,
            "profession": staff.profession.value,
            "facilities": [
                {"site_code": p.facility.site_code, "primary": p.is_primary,
                 "since": p.start_date.isoformat()}
                for p in staff.practices if p.end_date is None
            ],
        }
    )


@bp.route("/health")
def health():
    db.session.execute(select(1))
    return jsonify({"status": "ok", "version": current_app.config.get("VERSION", "0.1.0")})
