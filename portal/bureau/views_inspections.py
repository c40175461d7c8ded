"""Inspections in the bureau area: list and search, record, view, correct, close, cancel."""

from collections.abc import Iterable

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.bureau import bp
from portal.bureau.forms_inspections import (
    ButtonForm,
    CancelInspectionForm,
    CloseInspectionForm,
    InspectionForm,
    InspectionNotesForm,
)
from portal.bureau.loaders import get_facility_or_404, get_or_404
from portal.extensions import db
from portal.models.facility import Facility, facility_counties
from portal.models.inspections import (
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.models.user import User
from portal.operations.inspection_changes import (
    cancel_inspection,
    cancellation_problems,
    close_inspection,
    facility_fixed,
    update_inspection,
)
from portal.operations.inspections import (
    INSPECTOR_ROLES,
    InspectionError,
    corrected_into,
    create_inspection,
    same_inspections,
)
from portal.permissions import require
from portal.queries import contains, get_facility_by_site_code
from portal.views_common import commit_or_errors, filter_choice, on_form
from portal.web import china_today, id_arg


def flash_errors(exc: InspectionError) -> None:
    """Flash an inspection operation's messages together, for the views that redirect back
    to the inspection or finding rather than show their form again."""
    flash("；".join(exc.errors.values()), "danger")


def inspector_choices(named: Iterable[User] = ()) -> list[tuple[int, str]]:
    """Who may be ticked as an inspector; with ``named``, the inspectors an inspection
    already has, who stay on offer though they have left or changed role since."""
    users = list(
        db.session.scalars(
            select(User)
            .where(User.active, User.role.in_(INSPECTOR_ROLES))
            .order_by(User.display_name, User.id)
        )
    )
    users += [u for u in named if u not in users]
    return [
        (u.id, f"{u.display_name}（{u.role.label if u.active else _('已停用')}）") for u in users
    ]


def get_inspection_or_404(inspection_id: int) -> Inspection:
    return get_or_404(Inspection, inspection_id)


@bp.route("/inspections")
@require("registry.view")
def inspections():
    args = request.args
    stmt = select(Inspection).join(Facility)
    q = args.get("q", "").strip()
    if q:
        stmt = stmt.where(contains(q, Facility.name, Facility.site_code, Inspection.reference))
    if kind := filter_choice(InspectionKind, "kind"):
        stmt = stmt.where(Inspection.kind == kind)
    if trigger := filter_choice(InspectionTrigger, "trigger"):
        stmt = stmt.where(Inspection.trigger == trigger)
    if status := filter_choice(InspectionStatus, "status"):
        stmt = stmt.where(Inspection.status == status)
    if county := args.get("county", ""):
        stmt = stmt.where(Facility.county == county)
    stmt = stmt.order_by(Inspection.start_date.desc(), Inspection.id.desc()).options(
        # Counted on each row (those not revoked, and those revoked).
        selectinload(Inspection.findings)
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "bureau/inspections.html",
        page=page,
        kinds=InspectionKind,
        triggers=InspectionTrigger,
        statuses=InspectionStatus,
        counties=facility_counties(),
    )


def _typed(form: InspectionForm) -> dict:
    """The form's fields as the operations take them (the facility only when offered)."""
    data = {
        "kind": InspectionKind(form.kind.data),
        "trigger": InspectionTrigger(form.trigger.data),
        "on_site": form.on_site.data,
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "reference": form.reference.data,
        "notes": form.notes.data,
        "inspectors": list(
            db.session.scalars(select(User).where(User.id.in_(form.inspectors.data or [])))
        ),
    }
    if "site_code" in form:
        data["facility"] = get_facility_by_site_code(form.site_code.data.strip())
    return data


def _same_as_typed(form: InspectionForm, inspection: Inspection | None = None) -> list[Inspection]:
    """The inspections the form's facility, kind and start date would repeat, while all
    three are valid (none otherwise). ``inspection``: the one the form corrects, at its own
    facility where the form no longer offers it, which repeats others only where the form
    changes one of the three (``corrected_into``), and only while it is open."""
    if inspection is not None and inspection.status is not InspectionStatus.OPEN:
        return []
    if "site_code" in form:
        facility = get_facility_by_site_code((form.site_code.data or "").strip())
    else:
        facility = inspection.facility
    kind = InspectionKind.from_label_or_value(form.kind.data)
    start = form.start_date.data
    if facility is None or kind is None or start is None:
        return []
    if inspection is None:
        return same_inspections(facility, kind, start)
    return corrected_into(inspection, facility, kind, start)


def _offer_confirmation(form: InspectionForm, same: list[Inspection]) -> None:
    """Ready the form, shown again, to confirm it is not one of ``same``: the tick stays
    where it covers them all, and the form carries their ids for the next submission."""
    ids = [i.id for i in same]
    if form.confirm_distinct.data and set(ids) - form.shown_ids():
        form.confirm_distinct.data = False  # one recorded since: looked at before ticked
    form.shown.data = ",".join(str(n) for n in ids)
    form.shown.raw_data = [form.shown.data]


@bp.route("/inspections/new", methods=["GET", "POST"])
@require("inspections.record")
def inspection_new():
    """Record an inspection. One the facility already has of the same kind, begun the same
    day and not cancelled, is most likely this one entered again (a double click, the page
    sent again, a colleague with the same paper record): the form is shown again naming
    it, and records this one only with a tick that it is another."""
    form = InspectionForm()
    form.inspectors.choices = inspector_choices()
    if request.method == "GET":
        form.start_date.data = china_today()
        form.inspectors.data = [current_user.id]
        facility_id = request.args.get("facility", type=id_arg)
        if facility_id:
            form.site_code.data = get_facility_or_404(facility_id).site_code
    if form.validate_on_submit():
        # The facility is chosen by its site code on the form.
        show = on_form(form, rename={"facility": "site_code"})
        with commit_or_errors(InspectionError, show) as step:
            inspection = create_inspection(
                current_user,
                _typed(form),
                confirm_distinct=form.confirm_distinct.data,
                shown=form.shown_ids(),
            )
        if step.committed:
            flash(_("已登记检查，可继续录入违规发现"), "success")
            return redirect(url_for("bureau.inspection_detail", inspection_id=inspection.id))
    # Shown again: with any inspection what was typed would repeat, whatever else is wrong.
    same = _same_as_typed(form) if request.method == "POST" else []
    _offer_confirmation(form, same)
    return render_template("bureau/inspection_form.html", form=form, same=same)


#: The fields the whole form has and the reference-and-notes one has not. A submission
#: carrying any of them was made on the whole form (select and date inputs are always sent).
OPEN_ONLY_FIELDS = (
    "site_code",
    "kind",
    "trigger",
    "on_site",
    "start_date",
    "end_date",
    "inspectors",
)


def _edit_form(inspection: Inspection, closed: bool, fixed: str | None):
    """The form the edit page offers: the whole of it while the inspection is open (less
    the facility once it is fixed), the reference and notes once closed.

    A submission is read on the form it was made on, which may offer more than the
    inspection now allows: it was closed, or had a finding recorded, in another tab since
    the page was opened. All it carries goes to ``update_inspection``, which refuses a
    change to what is no longer editable rather than the change being dropped unseen."""
    if request.method == "POST":
        whole = any(name in request.form for name in OPEN_ONLY_FIELDS)
        with_facility = "site_code" in request.form
    else:
        whole = not closed
        with_facility = whole and not fixed
    if not whole:
        return InspectionNotesForm()
    form = InspectionForm()
    form.inspectors.choices = inspector_choices(inspection.inspectors)
    # What ticking it does here: the correction is saved (recording says 仍要登记).
    form.confirm_distinct.label.text = _("确认这是另一次检查，仍要保存更正")
    if not with_facility:
        del form.site_code
    return form


def _outdated(form, inspection: Inspection) -> str | None:
    """Why ``form``, refused on fields the inspection no longer lets one change, offered
    them: what happened to the inspection since the page was opened."""
    if not any(form[name].errors for name in OPEN_ONLY_FIELDS if name in form):
        return None
    if "kind" in form and inspection.status is InspectionStatus.CLOSED:
        return _("打开本页后该检查已结束，现只能修改检查通知书编号和备注，其他各项须与当前记录一致")
    if "site_code" in form and (fixed := facility_fixed(inspection)):
        return _("打开本页后%(reason)s", reason=fixed)
    return None


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@require("inspections.record")
def inspection_edit(inspection_id: int):
    """Correct an inspection: every field while it is open, its reference and notes once
    closed; the facility only while nothing is recorded under it. Corrected to the facility,
    kind and start date of another inspection not cancelled, it is shown again naming that
    one and saved only with a tick that it is another, as when recording one."""
    inspection = get_inspection_or_404(inspection_id)
    detail = url_for("bureau.inspection_detail", inspection_id=inspection.id)
    if inspection.status is InspectionStatus.CANCELLED:
        flash(_("该检查已撤销，不能修改"), "danger")
        return redirect(detail)
    closed = inspection.status is InspectionStatus.CLOSED
    fixed = None if closed else facility_fixed(inspection)
    form = _edit_form(inspection, closed, fixed)
    if request.method == "GET":
        form.reference.data = inspection.reference
        form.notes.data = inspection.notes
        if not closed:
            if not fixed:
                form.site_code.data = inspection.facility.site_code
            form.kind.data = inspection.kind.value
            form.trigger.data = inspection.trigger.value
            form.on_site.data = inspection.on_site
            form.start_date.data = inspection.start_date
            form.end_date.data = inspection.end_date
            form.inspectors.data = [u.id for u in inspection.inspectors]
    whole = "kind" in form
    if form.validate_on_submit():
        if whole:
            data = _typed(form)
            confirmation = {
                "confirm_distinct": form.confirm_distinct.data,
                "shown": form.shown_ids(),
            }
        else:
            data = {"reference": form.reference.data, "notes": form.notes.data}
            confirmation = {}
        show = on_form(form, rename={"facility": "site_code"})
        with commit_or_errors(InspectionError, show) as step:
            changed = update_inspection(
                current_user, inspection, data, china_today(), **confirmation
            )
        if step.committed:
            if changed:
                flash(_("已保存对检查信息的修改"), "success")
            else:
                flash(_("未作修改"), "info")
            return redirect(detail)
        # Refused, and rolled back: what the inspection is now (it may have changed since
        # the page was opened), and what was typed, shown again.
        if outdated := _outdated(form, inspection):
            form.form_errors.insert(0, _("%(why)s；本次修改未保存", why=outdated))
        closed = inspection.status is InspectionStatus.CLOSED
        fixed = None if closed else facility_fixed(inspection)
    same: list[Inspection] = []
    if whole:
        # Shown again: with any inspection what was typed would repeat, whatever else is
        # wrong (none when the form leaves facility, kind and start date as recorded).
        same = _same_as_typed(form, inspection) if request.method == "POST" else []
        _offer_confirmation(form, same)
    return render_template(
        "bureau/inspection_edit.html",
        form=form,
        inspection=inspection,
        closed=closed,
        facility_fixed=fixed,
        same=same,
    )


@bp.route("/inspections/<int:inspection_id>/cancel", methods=["GET", "POST"])
@require("inspections.record")
def inspection_cancel(inspection_id: int):
    """Cancel an inspection recorded by mistake: a reason and a tick to confirm; refused,
    with why, while findings under it are not revoked."""
    inspection = get_inspection_or_404(inspection_id)
    detail = url_for("bureau.inspection_detail", inspection_id=inspection.id)
    if inspection.status is InspectionStatus.CANCELLED:
        flash(_("该检查已撤销"), "info")
        return redirect(detail)
    form = CancelInspectionForm()
    problems = cancellation_problems(inspection)
    if not problems and form.validate_on_submit():
        with commit_or_errors(InspectionError, on_form(form)) as step:
            cancel_inspection(current_user, inspection, form.reason.data)
        if step.committed:
            flash(_("检查已撤销"), "success")
            return redirect(detail)
    return render_template(
        "bureau/inspection_cancel.html",
        form=form,
        inspection=inspection,
        problems=list(problems.values()),
        # What stands in the way, each with its way out (discard or revoke).
        live_findings=inspection.live_findings if problems else [],
    )


@bp.route("/inspections/<int:inspection_id>")
@require("registry.view")
def inspection_detail(inspection_id: int):
    inspection = get_inspection_or_404(inspection_id)
    return render_template(
        "bureau/inspection_detail.html",
        inspection=inspection,
        close_form=CloseInspectionForm(),
        button_form=ButtonForm(),
    )


@bp.route("/inspections/<int:inspection_id>/close", methods=["POST"])
@require("inspections.record")
def inspection_close(inspection_id: int):
    inspection = get_inspection_or_404(inspection_id)
    form = CloseInspectionForm()
    if not form.validate_on_submit():
        flash(_("请填写有效的结束日期"), "danger")
    else:
        with commit_or_errors(InspectionError, flash_errors) as step:
            close_inspection(current_user, inspection, form.end_date.data, china_today())
        if step.committed:
            flash(_("检查已结束"), "success")
    return redirect(url_for("bureau.inspection_detail", inspection_id=inspection.id))
