from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.bureau import bp
from portal.bureau.forms import FacilityForm
from portal.bureau.loaders import get_facility_or_404
from portal.extensions import db
from portal.models.enums import FacilityKind, FacilityStatus, Ownership
from portal.models.facility import facility_counties
from portal.operations.registry import RegistryError, create_facility, update_facility
from portal.permissions import require
from portal.queries import facility_search, staff_search
from portal.views_common import changed_meanwhile, commit_or_errors, filter_value, on_form, snapshot


@bp.route("/facilities")
@require("registry.view")
def facilities():
    args = request.args
    stmt = facility_search(
        q=args.get("q", ""),
        county=args.get("county", ""),
        kind=filter_value(FacilityKind, "kind"),
        status=filter_value(FacilityStatus, "status"),
        ownership=filter_value(Ownership, "ownership"),
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "bureau/facilities.html",
        page=page,
        counties=facility_counties(),
        kinds=FacilityKind,
        statuses=FacilityStatus,
        ownerships=Ownership,
    )


@bp.route("/facilities/new", methods=["GET", "POST"])
@require("registry.edit")
def facility_new():
    form = FacilityForm()
    form.set_county_choices()
    if form.validate_on_submit():
        with commit_or_errors(RegistryError, on_form(form)) as step:
            facility = create_facility(current_user, form.typed_data())
        if step.committed:
            flash(_("已登记定点机构：%(name)s", name=facility.name), "success")
            return redirect(url_for("bureau.facility_detail", facility_id=facility.id))
    return render_template("bureau/facility_form.html", form=form, facility=None)


@bp.route("/facilities/<int:facility_id>")
@require("registry.view")
def facility_detail(facility_id: int):
    facility = get_facility_or_404(facility_id)
    staff_page = db.paginate(
        staff_search(facility_id=facility.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("bureau/facility_detail.html", facility=facility, staff_page=staff_page)


@bp.route("/facilities/<int:facility_id>/edit", methods=["GET", "POST"])
@require("registry.edit")
def facility_edit(facility_id: int):
    facility = get_facility_or_404(facility_id)
    form = FacilityForm(obj=facility)
    form.set_county_choices(facility.county)
    if request.method == "GET":
        for field in ("kind", "level", "ownership", "status"):
            getattr(form, field).data = getattr(facility, field).value
        form.seen.data = snapshot(facility.audit_summary())
    if form.validate_on_submit() and not changed_meanwhile(
        form, "facility", facility.audit_summary()
    ):
        with commit_or_errors(RegistryError, on_form(form)) as step:
            update_facility(current_user, facility, form.typed_data())
        if step.committed:
            flash(_("已保存修改"), "success")
            return redirect(url_for("bureau.facility_detail", facility_id=facility.id))
    return render_template("bureau/facility_form.html", form=form, facility=facility)
