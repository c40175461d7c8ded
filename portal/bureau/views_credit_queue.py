"""Queues with deadlines: facilities' objections to findings and grades, credit-repair
applications, and the self-inspection reports facilities filed."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms_credit import CreditAppealDecisionForm, RepairDecisionForm
from portal.bureau.loaders import get_or_404
from portal.credit_notes import override_still_in_force_message
from portal.extensions import db
from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditRepair, RepairStatus
from portal.models.facility import Facility
from portal.models.inspections import SelfInspectionReport
from portal.operations.credit_appeals import decide_credit_appeal
from portal.operations.credit_repair import decide_repair, repair_review
from portal.operations.credit_workflow import CreditError
from portal.permissions import can, ensure, require
from portal.views_common import commit_or_errors, filter_choice, on_form, say_if_decided
from portal.web import china_today


def _queue(model, status_enum, default="pending"):
    status = filter_choice(status_enum, "status", default)
    # Oldest deadline first: what must be decided soonest is on top.
    stmt = select(model).order_by(model.deadline.is_(None), model.deadline, model.id)
    if status:
        stmt = stmt.where(model.status == status)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return page, status


@bp.route("/credit/appeals")
@require("registry.view")
def credit_appeals():
    page, status = _queue(CreditAppeal, CreditAppealStatus)
    return render_template(
        "bureau/credit_appeals.html",
        page=page,
        statuses=CreditAppealStatus,
        status=status,
        today=china_today(),
    )


@bp.route("/credit/appeals/<int:credit_appeal_id>", methods=["GET", "POST"])
@require("registry.view")
def credit_appeal_decide(credit_appeal_id: int):
    appeal = get_or_404(CreditAppeal, credit_appeal_id)
    form = CreditAppealDecisionForm()
    if request.method == "POST":
        ensure("credit.decide")
        if form.validate_on_submit():
            with commit_or_errors(CreditError, on_form(form)) as step:
                decide_credit_appeal(
                    current_user,
                    appeal,
                    upheld=form.outcome.data == "upheld",
                    reason=form.reason.data,
                    today=china_today(),
                )
            if step.committed:
                flash(_("异议已处理，机构可在其信用页面查看处理结果"), "success")
                if appeal.status is CreditAppealStatus.UPHELD:
                    warning = override_still_in_force_message(appeal.facility_id)
                    if warning:
                        flash(warning, "warning")
                return redirect(url_for("bureau.credit_appeals"))
    say_if_decided(appeal.status is CreditAppealStatus.PENDING)
    return render_template(
        "bureau/credit_appeal_decide.html",
        appeal=appeal,
        form=form,
        may_decide=can("credit.decide") and appeal.status is CreditAppealStatus.PENDING,
        today=china_today(),
    )


@bp.route("/credit/repairs")
@require("registry.view")
def repairs():
    page, status = _queue(CreditRepair, RepairStatus)
    return render_template(
        "bureau/repairs.html", page=page, statuses=RepairStatus, status=status, today=china_today()
    )


@bp.route("/credit/repairs/<int:repair_id>", methods=["GET", "POST"])
@require("registry.view")
def repair_decide(repair_id: int):
    repair = get_or_404(CreditRepair, repair_id)
    form = RepairDecisionForm()
    today = china_today()
    if request.method == "POST":
        ensure("credit.decide")
        if form.validate_on_submit():
            with commit_or_errors(CreditError, on_form(form)) as step:
                decide_repair(
                    current_user,
                    repair,
                    grant=form.outcome.data == "grant",
                    reason=form.reason.data,
                    today=today,
                    original_checked=bool(form.original_checked.data),
                )
            if step.committed:
                flash(_("信用修复申请已决定，机构可在其信用页面查看结果"), "success")
                return redirect(url_for("bureau.repairs"))
    say_if_decided(repair.status is RepairStatus.PENDING)
    check = basis = None
    if repair.status is RepairStatus.PENDING:
        check, basis = repair_review(repair, today)
    return render_template(
        "bureau/repair_decide.html",
        repair=repair,
        form=form,
        check=check,
        basis=basis,
        may_decide=can("credit.decide") and repair.status is RepairStatus.PENDING,
        today=today,
    )


@bp.route("/self-inspections")
@require("registry.view")
def self_inspections():
    stmt = select(SelfInspectionReport).join(Facility)
    q = request.args.get("q", "").strip()
    if q:
        from portal.queries import contains

        stmt = stmt.where(contains(q, Facility.name, Facility.site_code))
    late = request.args.get("late")
    if late == "1":
        stmt = stmt.where(SelfInspectionReport.on_time.is_(False))
    stmt = stmt.order_by(SelfInspectionReport.filed_on.desc(), SelfInspectionReport.id.desc())
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("bureau/self_inspections.html", page=page)
