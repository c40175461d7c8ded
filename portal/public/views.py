from flask import abort, current_app, render_template, request

from portal.extensions import db
from portal.models.enums import FacilityKind
from portal.models.facility import facility_counties
from portal.public import bp
from portal.queries import facility_search, get_facility_by_site_code, registry_counts


@bp.route("/")
def home():
    return render_template("public/home.html", counts=registry_counts())


@bp.route("/facilities")
def facilities():
    args = request.args
    stmt = facility_search(
        q=args.get("q", ""), county=args.get("county", ""), kind=args.get("kind", "")
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "public/facilities.html", page=page, counties=facility_counties(), kinds=FacilityKind
    )


@bp.route("/facilities/<site_code>")
def facility(site_code: str):
    facility = get_facility_by_site_code(site_code)
    if facility is None:
        abort(404)
    return render_template("public/facility.html", facility=facility)
