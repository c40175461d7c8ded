"""Staff points in the bureau area: record, restore, appeals, sanctioned staff."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms_points import (
    AppealForm,
    DecisionForm,
    PointRecordForm,
    RestorationForm,
    RevokeForm,
)
from portal.bureau.id_search import id_search
from portal.bureau.loaders import get_or_404, get_staff_or_404
from portal.extensions import db
from portal.models.enums import (
    AppealStatus,
    PointSource,
    Responsibility,
    RestorationKind,
    Severity,
)
from portal.models.facility import Facility
from portal.models.points import PointAppeal, PointRecord
from portal.operations.point_appeals import decide_appeal, file_appeal
from portal.operations.points import PointsError, add_restoration, record_points, revoke_record
from portal.permissions import require
from portal.queries import sanctioned_staff
from portal.views_common import commit_or_errors, filter_choice, flashed, on_field, say_if_decided
from portal.web import china_today


def _staff_page(staff_id: int):
    return redirect(url_for("bureau.staff_detail", staff_id=staff_id) + "#points")


@bp.route("/staff/<int:staff_id>/points/new", methods=["GET", "POST"])
@require("points.record")
def points_new(staff_id: int):
    staff = get_staff_or_404(staff_id)
    form = PointRecordForm()
    form.facility_id.choices = [(p.facility.id, p.facility.name) for p in staff.practices]
    if request.method == "GET":
        form.decided_on.data = china_today()
    if form.validate_on_submit():
        with commit_or_errors(PointsError, on_field(form.violation)) as step:
            record = record_points(
                current_user,
                staff,
                facility=db.session.get(Facility, form.facility_id.data),
                violation=form.violation.data,
                severity=Severity(form.severity.data),
                responsibility=Responsibility(form.responsibility.data),
                decided_on=form.decided_on.data,
                source=PointSource(form.source.data),
                reference=form.reference.data,
                today=china_today(),
            )
        if step.committed:
            flash(_("已记 %(n)d 分", n=record.points), "success")
            return _staff_page(staff.id)
    rb_points = _points_table()
    return render_template("bureau/points_form.html", staff=staff, form=form, table=rb_points)


def _points_table():
    from portal.rules import staff_points_rulebook

    rb = staff_points_rulebook()
    return [(s, [(r, rb.points_for(s.value, r.value)) for r in Responsibility]) for s in Severity]


@bp.route("/staff/<int:staff_id>/restorations", methods=["POST"])
@require("points.record")
def points_restore(staff_id: int):
    staff = get_staff_or_404(staff_id)
    form = RestorationForm()
    if not form.validate_on_submit():
        flash(_("请完整填写修复信息"), "danger")
        return _staff_page(staff.id)
    with commit_or_errors(PointsError, flashed("danger")) as step:
        add_restoration(
            current_user,
            staff,
            kind=RestorationKind(form.kind.data),
            granted_on=form.granted_on.data,
            evidence=form.evidence.data,
            today=china_today(),
        )
    if step.committed:
        flash(_("已修复 1 分"), "success")
    return _staff_page(staff.id)


def _on_appeal_form(form: AppealForm):
    """A refused appeal's message on the field it is about (the reason otherwise)."""

    def show(exc: PointsError) -> None:
        on_field(getattr(form, exc.field or "reason", form.reason))(exc)

    return show


@bp.route("/points/<int:record_id>/appeal", methods=["GET", "POST"])
@require("points.record")
def points_appeal(record_id: int):
    record = get_or_404(PointRecord, record_id)
    form = AppealForm()
    if request.method == "GET":
        form.filed_on.data = china_today()
    if form.validate_on_submit():
        with commit_or_errors(PointsError, _on_appeal_form(form)) as step:
            file_appeal(
                current_user,
                record,
                reason=form.reason.data,
                filed_on=form.filed_on.data,
                today=china_today(),
            )
        if step.committed:
            flash(_("已登记异议"), "success")
            return _staff_page(record.staff_id)
    return render_template("bureau/appeal_form.html", record=record, form=form)


@bp.route("/points/<int:record_id>/revoke", methods=["GET", "POST"])
@require("points.decide")
def points_revoke(record_id: int):
    record = get_or_404(PointRecord, record_id)
    form = RevokeForm()
    if form.validate_on_submit():
        if record.recorded_by_id == current_user.id:
            form.reason.errors.append(_("记分人不能撤销本人录入的记分，请由其他人员处理"))
        else:
            with commit_or_errors(PointsError, on_field(form.reason)) as step:
                revoke_record(current_user, record, form.reason.data, china_today())
            if step.committed:
                flash(_("记分已撤销"), "success")
                return _staff_page(record.staff_id)
    return render_template("bureau/revoke_form.html", record=record, form=form)


@bp.route("/appeals")
@require("registry.view")
def appeals():
    status = filter_choice(AppealStatus, "status", "pending")
    stmt = select(PointAppeal).order_by(PointAppeal.filed_on, PointAppeal.id)
    if status:
        stmt = stmt.where(PointAppeal.status == status)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("bureau/appeals.html", page=page, statuses=AppealStatus, status=status)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@require("points.decide")
def appeal_decide(appeal_id: int):
    appeal = get_or_404(PointAppeal, appeal_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with commit_or_errors(PointsError, on_field(form.reason)) as step:
            decide_appeal(
                current_user,
                appeal,
                upheld=form.outcome.data == "upheld",
                reason=form.reason.data,
                today=china_today(),
            )
        if step.committed:
            flash(_("异议已处理"), "success")
            return redirect(url_for("bureau.appeals"))
    say_if_decided(appeal.status is AppealStatus.PENDING)
    return render_template("bureau/appeal_decide.html", appeal=appeal, form=form)


@bp.route("/sanctions")
@require("registry.view")
def sanctions():
    today = china_today()
    search = id_search(request.args.get("q", ""))
    rows = sanctioned_staff(
        today,
        q=search.q,
        site_code=request.args.get("facility", ""),
        by_id_number=search.by_id_number,
    )
    search.audit(len(rows))
    return render_template("bureau/sanctions.html", rows=rows, today=today, id_search=search)
