from flask import abort, current_app, render_template, request

from portal.extensions import db
from portal.models.enums import FacilityKind
from portal.models.facility import facility_counties
from portal.public import bp
from portal.queries import (
    facility_search,
    get_facility_by_site_code,
    registry_counts,
    sanctioned_staff,
)
from portal.rules import credit_rulebook, staff_points_rulebook
from portal.validators import mask_name
from portal.views_common import filter_value
from portal.web import china_today


@bp.route("/")
def home():
    return render_template("public/home.html", counts=registry_counts())


@bp.route("/facilities")
def facilities():
    args = request.args
    stmt = facility_search(
        q=args.get("q", ""), county=args.get("county", ""), kind=filter_value(FacilityKind, "kind")
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
    sanctioned = []
    if staff_points_rulebook().show_individual_sanctions:
        # Only when the rulebook says so, and then with names masked.
        sanctioned = [
            (mask_name(person.name), person.profession.label, standing)
            for person, standing in sanctioned_staff(china_today(), site_code=facility.site_code)
        ]
    # The current grade is public, as on the QR page and in the API; a grade the rulebook in
    # force no longer names is shown without its label.
    bands = {band.grade: band.label for band in credit_rulebook().grades}
    return render_template(
        "public/facility.html",
        facility=facility,
        sanctioned=sanctioned,
        grade_label=bands.get(facility.credit_grade),
    )
