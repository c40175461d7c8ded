import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms import RevealForm, StaffForm
from portal.bureau.id_search import id_search
from portal.bureau.loaders import get_staff_or_404
from portal.extensions import db
from portal.models.enums import Profession
from portal.models.facility import Facility
from portal.operations.registry import (
    RegistryError,
    create_staff,
    id_number_holder,
    record_id_number_taken,
    reveal_id_number,
    update_staff,
)
from portal.permissions import require
from portal.queries import get_facility_by_site_code, staff_search
from portal.views_common import (
    Show,
    changed_meanwhile,
    commit_or_errors,
    filter_value,
    on_form,
    snapshot,
)
from portal.web import china_today


def parse_site_codes(text: str) -> list[str]:
    seen: list[str] = []
    for code in re.split(r"[\s,，;；]+", (text or "").strip().upper()):
        if code and code not in seen:
            seen.append(code)
    return seen


def facilities_for_codes(codes: list[str]) -> tuple[list[Facility], list[str]]:
    """The facilities for ``codes`` in the given order, and the codes not found."""
    found = {
        f.site_code: f
        for f in db.session.scalars(select(Facility).where(Facility.site_code.in_(codes)))
    }
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def _staff_form_data(form: StaffForm) -> dict | None:
    codes = parse_site_codes(form.site_codes.data)
    facilities, missing = facilities_for_codes(codes)
    if missing:
        form.site_codes.errors.append(_("未找到定点机构：%(codes)s", codes="、".join(missing)))
        return None
    return {
        "staff_code": form.staff_code.data,
        "name": form.name.data,
        "id_number": (form.id_number.data or "").strip().upper(),
        "profession": Profession(form.profession.data),
        "facilities": facilities,
    }


def _audit_id_number_taken(form: StaffForm, staff) -> None:
    """After a refused save: an ID number registered to someone else was typed (the form
    says so, which confirms a guess), on the audit trail, committed on its own."""
    if (holder := id_number_holder((form.id_number.data or "").strip().upper(), staff)) is not None:
        record_id_number_taken(current_user, holder)
        db.session.commit()


def _on_staff_form(form: StaffForm) -> Show:
    """Registry errors on the staff form, where the facilities are typed as site codes."""
    return on_form(form, rename={"facilities": "site_codes"})


@bp.route("/staff")
@require("registry.view")
def staff_list():
    args = request.args
    search = id_search(args.get("q", ""))
    facility_id = None
    if site_code := args.get("facility", "").strip():
        facility = get_facility_by_site_code(site_code)
        facility_id = facility.id if facility else -1  # unknown code: an empty result
    stmt = staff_search(
        q=search.q,
        profession=filter_value(Profession, "profession"),
        facility_id=facility_id,
        by_id_number=search.by_id_number,
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    search.audit(page.total)
    return render_template(
        "bureau/staff_list.html", page=page, professions=Profession, id_search=search
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@require("registry.edit")
def staff_new():
    form = StaffForm()
    if form.validate_on_submit():
        if not form.id_number.data:
            form.id_number.errors.append(_("此项必填"))
        elif (data := _staff_form_data(form)) is not None:
            with commit_or_errors(RegistryError, _on_staff_form(form)) as step:
                staff = create_staff(current_user, data, china_today())
            if step.committed:
                flash(_("已登记人员：%(name)s", name=staff.name), "success")
                return redirect(url_for("bureau.staff_detail", staff_id=staff.id))
            _audit_id_number_taken(form, None)
    return render_template("bureau/staff_form.html", form=form, staff=None)


@bp.route("/staff/<int:staff_id>")
@require("registry.view")
def staff_detail(staff_id: int):
    staff = get_staff_or_404(staff_id)
    return render_template(
        "bureau/staff_detail.html", staff=staff, reveal_form=RevealForm(), **_points_context(staff)
    )


def _points_context(staff) -> dict:
    from portal.bureau.forms_points import RestorationForm
    from portal.models.points import PointRecord, PointRestoration
    from portal.operations.point_appeals import appeal_deadline
    from portal.operations.points import standing_for

    today = china_today()
    records = db.session.scalars(
        select(PointRecord)
        .where(PointRecord.staff_id == staff.id)
        .order_by(PointRecord.decided_on.desc(), PointRecord.id.desc())
    ).all()
    restorations = db.session.scalars(
        select(PointRestoration)
        .where(PointRestoration.staff_id == staff.id)
        .order_by(PointRestoration.granted_on.desc())
    ).all()
    restoration_form = RestorationForm()
    restoration_form.granted_on.data = today
    return {
        "standing": standing_for(staff, today),
        "records": records,
        "restorations": restorations,
        "deadlines": {r.id: appeal_deadline(r) for r in records if not r.revoked},
        "restoration_form": restoration_form,
        "today": today,
    }


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@require("registry.edit")
def staff_edit(staff_id: int):
    staff = get_staff_or_404(staff_id)
    form = StaffForm(obj=staff)
    if request.method == "GET":
        form.profession.data = staff.profession.value
        form.id_number.data = ""
        form.site_codes.data = " ".join(f.site_code for f in staff.facilities)
        form.seen.data = snapshot(staff.audit_summary())
    if (
        form.validate_on_submit()
        and not changed_meanwhile(form, "staff", staff.audit_summary())
        and (data := _staff_form_data(form)) is not None
    ):
        with commit_or_errors(RegistryError, _on_staff_form(form)) as step:
            update_staff(current_user, staff, data, china_today())
        if step.committed:
            flash(_("已保存修改"), "success")
            return redirect(url_for("bureau.staff_detail", staff_id=staff.id))
        _audit_id_number_taken(form, staff)
    return render_template("bureau/staff_form.html", form=form, staff=staff)


@bp.route("/staff/<int:staff_id>/reveal", methods=["POST"])
@require("identity.reveal")
def staff_reveal(staff_id: int):
    staff = get_staff_or_404(staff_id)
    form = RevealForm()
    if not form.validate_on_submit():
        # The reason's own error (left empty, too long, a control character), else the
        # form's (an expired page).
        errors = form.reason.errors or [e for field in form for e in field.errors]
        flash(_("未显示完整身份证号：%(why)s", why="；".join(map(str, errors))), "danger")
        return redirect(url_for("bureau.staff_detail", staff_id=staff.id))
    full = reveal_id_number(current_user, staff, form.reason.data)
    db.session.commit()
    return render_template(
        "bureau/staff_detail.html",
        staff=staff,
        reveal_form=form,
        revealed=full,
        **_points_context(staff),
    )
