"""“我的信用”: a facility's own grade, why, how it changed, what would lift it;
objections, credit repair and self-inspection reports (the home page's credit card is
``portal.facility.home_card``). Only the user's own facility, which comes from the
account, never from the URL."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.credit_files import (
    accepts_evidence,
    describe_limits,
    read_uploads,
    send_attachment,
    upload_limits,
)
from portal.credit_notes import grade_page_context
from portal.credit_queries import (
    chart_rows,
    credit_context,
    credit_view,
    grade_changes,
    history_stmt,
    source_links,
    source_references,
)
from portal.extensions import db
from portal.facility import bp
from portal.facility.forms_credit import CreditAppealForm, RepairForm, SelfInspectionForm
from portal.models.credit import (
    CreditAppeal,
    CreditAppealStatus,
    CreditAttachment,
    CreditRepair,
)
from portal.models.inspections import Finding, FindingStatus, SelfInspectionReport
from portal.models.staff import StaffPractice
from portal.operations.credit import latest_grade
from portal.operations.credit_appeals import file_credit_appeal
from portal.operations.credit_repair import apply_repair, pending_repair, repair_check
from portal.operations.credit_workflow import CreditError
from portal.operations.inspections import InspectionError
from portal.operations.self_inspections import file_self_inspection
from portal.rules import credit_rulebook, taxonomy
from portal.storage import commit_with_files
from portal.views_common import commit_or_errors, on_form
from portal.web import china_today, page_of, page_url


def _own_findings_stmt(what=Finding, confirmed_only: bool = False):
    """The facility's findings (or ``what`` of them, such as their ids), newest first."""
    stmt = select(what).where(
        Finding.facility_id == current_user.facility_id,
        Finding.status != FindingStatus.DRAFT,
    )
    if confirmed_only:
        stmt = stmt.where(Finding.status == FindingStatus.CONFIRMED)
    return stmt.order_by(Finding.decision_date.desc(), Finding.id.desc())


def _own_findings(confirmed_only: bool = False) -> list[Finding]:
    return list(db.session.scalars(_own_findings_stmt(confirmed_only=confirmed_only)))


def _facility_source_url(source_type: str, source_id: int, staff_id):
    if source_type == "finding":
        return f"#finding-{source_id}"
    if source_type in ("pledge", "posting_check"):
        return url_for("facility.pledge")
    if source_type == "point_record" and staff_id:
        practising = db.session.scalar(
            select(StaffPractice.id).where(
                StaffPractice.staff_id == staff_id,
                StaffPractice.facility_id == current_user.facility_id,
                StaffPractice.end_date.is_(None),
            )
        )
        if practising:
            return url_for("facility.staff_points", staff_id=staff_id)
    return None


def _source_urls(findings):
    """``_facility_source_url`` for the credit page showing ``findings`` (a page of the
    list of findings): a finding listed on another page is linked to that page's row, the
    other lists' pages kept."""
    order = None

    def url(source_type: str, source_id: int, staff_id):
        nonlocal order
        if source_type == "finding" and all(f.id != source_id for f in findings.items):
            if order is None:
                order = list(db.session.scalars(_own_findings_stmt(Finding.id)))
            if source_id in order:
                page = page_of(order.index(source_id))
                return page_url(page, findings.page_arg) + f"#finding-{source_id}"
        return _facility_source_url(source_type, source_id, staff_id)

    return url


def _own_requests_stmt(model):
    """The facility's objections or repair applications (``model``), newest first."""
    return (
        select(model).where(model.facility_id == current_user.facility_id).order_by(model.id.desc())
    )


def own_requests(model) -> list:
    """The facility's objections or repair applications (``model``), newest first."""
    return list(db.session.scalars(_own_requests_stmt(model)))


def _objection_subjects() -> tuple[dict[str, int], dict[str, int]]:
    """What the facility's objections are about, as the objection form's subject field names
    them ("grade", its grade, or a finding id), each with the page of the credit page's list
    of objections that shows the objection: the pending ones, and the findings whose
    objection has been decided (a finding takes one objection)."""
    pending, decided = {}, {}
    for position, a in enumerate(own_requests(CreditAppeal)):
        if a.status is CreditAppealStatus.PENDING:
            pending["grade" if a.finding_id is None else str(a.finding_id)] = page_of(position)
        elif a.finding_id is not None:
            decided[str(a.finding_id)] = page_of(position)
    return pending, decided


@bp.route("/credit")
def credit():
    facility = current_user.facility
    today = china_today()
    pending, decided = _objection_subjects()
    current = latest_grade(facility.id)
    items = current.breakdown if current else []
    per_page = current_app.config["PAGE_SIZE"]
    history = db.paginate(history_stmt(facility.id), per_page=per_page, error_out=False)
    # Each list numbers its pages with an argument of its own: paging one keeps the others.
    findings, appeals, repairs = (
        db.paginate(stmt, page_arg=arg, per_page=per_page, error_out=False)
        for stmt, arg in (
            (_own_findings_stmt(), "findings_page"),
            (_own_requests_stmt(CreditAppeal), "appeals_page"),
            (_own_requests_stmt(CreditRepair), "repairs_page"),
        )
    )
    return render_template(
        "facility/credit.html",
        facility=facility,
        current=current,
        items=items,
        links=source_links(items, _source_urls(findings)),
        references=source_references(items, facility.id),
        view=credit_view(facility, today),
        history=history,
        changes=grade_changes(facility.id, limit=10),
        rb=credit_rulebook(),
        **credit_context(),
        **grade_page_context(current, items, history),
        findings=findings,
        taxonomy=taxonomy(),
        appeals=appeals,
        repairs=repairs,
        pending_subjects=pending,
        decided_findings=decided,
        today=today,
    )


@bp.route("/credit/chart.png")
def credit_chart():
    from portal.charts import grade_history_png

    png = grade_history_png(
        chart_rows(current_user.facility_id), credit_rulebook(), _("本机构信用评分变化")
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.route("/credit/appeal", methods=["GET", "POST"])
@accepts_evidence
def credit_appeal():
    facility = current_user.facility
    findings = _own_findings(confirmed_only=True)
    form = CreditAppealForm()
    describe_limits(form.attachments)
    labels = taxonomy()
    # Only a graded computation can be objected to: without one the objection is refused.
    grade_row = latest_grade(facility.id)
    graded = grade_row is not None and grade_row.graded
    form.subject.choices = ([("grade", _("本机构信用评价结果"))] if graded else []) + [
        (
            str(f.id),
            _(
                "违规认定：%(c)s（%(n)s）",
                c=labels[f.category].label if f.category in labels else f.category,
                n=f.decision_number,
            ),
        )
        for f in findings
    ]
    waiting, decided = _objection_subjects()
    pending = waiting | decided
    if request.method == "GET":
        # A subject with an objection pending, or a finding whose objection was decided, is
        # not offered: a second one is refused.
        form.subject.choices = [c for c in form.subject.choices if c[0] not in pending]
        if request.args.get("finding"):
            form.subject.data = request.args["finding"]
    if form.validate_on_submit():
        finding = None
        if form.subject.data != "grade":
            finding = next((f for f in findings if str(f.id) == form.subject.data), None)
        try:
            with commit_with_files() as files:
                appeal = file_credit_appeal(
                    current_user,
                    facility,
                    finding=finding,
                    reason=form.reason.data,
                    today=china_today(),
                    attachments=read_uploads(form.attachments),
                    files=files,
                    **upload_limits(),
                )
        except CreditError as exc:
            targets = {"finding": form.subject, "attachments": form.attachments}
            for field, message in exc.errors.items():
                target = targets.get(field, form.reason)
                target.errors = [*target.errors, message]
        else:
            if appeal.deadline:
                flash(
                    _("异议已提交，医保局将于 %(d)s 前作出处理", d=appeal.deadline.isoformat()),
                    "success",
                )
            else:
                flash(_("异议已提交，医保局将在规定的工作日内作出处理"), "success")
            return redirect(url_for("facility.credit") + "#appeals")
    return render_template(
        "facility/credit_appeal.html",
        form=form,
        graded=graded,
        any_finding=bool(findings),
        working_days=credit_rulebook().appeal_working_days,
        # The page of the credit page's list of objections showing the newest pending one.
        pending_page=min(waiting.values(), default=1),
        # Sent when nothing could be objected to any more: the reason typed is shown back.
        unsent=form.reason.data if request.method == "POST" else None,
    )


@bp.route("/credit/attachments/<int:attachment_id>")
def credit_attachment(attachment_id: int):
    """An evidence file of one of the facility's own objections; any other is 404."""
    attachment = db.session.get(CreditAttachment, attachment_id)
    if (
        attachment is None
        or attachment.appeal is None
        or attachment.appeal.facility_id != current_user.facility_id
    ):
        abort(404)
    return send_attachment(attachment)


@bp.route("/credit/repair", methods=["GET", "POST"])
def credit_repair():
    facility = current_user.facility
    today = china_today()
    form = RepairForm()
    pending = pending_repair(facility)
    # Checked with today as the pledge date, the latest the form takes: what still stands
    # in the way (no finding to repair, the clean months not up) does not depend on the
    # date typed, so the form is not offered; a submission would only be refused.
    can_apply = repair_check(facility, today, today).eligible
    if pending is None and can_apply and form.validate_on_submit():
        with commit_or_errors(CreditError, on_form(form, fallback=form.statement)) as step:
            apply_repair(
                current_user,
                facility,
                statement=form.statement.data,
                pledge_signed_on=form.pledge_signed_on.data,
                today=today,
            )
        if step.committed:
            flash(_("信用修复申请已提交"), "success")
            return redirect(url_for("facility.credit") + "#repairs")
    if request.method == "GET":
        # Offer the date of the latest verified pledge scan the bureau already holds.
        from portal.operations.pledges import latest_pledge_signed_on

        form.pledge_signed_on.data = latest_pledge_signed_on(facility.id, today)
    # A date the form refused (later than today, say) is no pledge date to check against:
    # the conditions are shown as without one, beside the field's error.
    signed = None if form.pledge_signed_on.errors else form.pledge_signed_on.data
    return render_template(
        "facility/credit_repair.html",
        form=form,
        pending=pending,
        can_apply=can_apply,
        check=repair_check(facility, today, signed),
        rb=credit_rulebook(),
        signed=signed,
        # Sent when the form was no longer offered (an application filed meanwhile, a new
        # finding): the statement typed is shown back.
        unsent=form.statement.data if request.method == "POST" else None,
    )


@bp.route("/self-inspections", methods=["GET", "POST"])
def self_inspections():
    facility = current_user.facility
    today = china_today()
    form = SelfInspectionForm()
    if form.validate_on_submit():
        # The form takes the refunded amount in yuan, the operation in fen.
        show = on_form(
            form, rename={"amount_refunded_fen": "amount_refunded"}, fallback=form.problems
        )
        with commit_or_errors(InspectionError, show) as step:
            report = file_self_inspection(
                current_user,
                facility,
                {
                    "period_start": form.period_start.data,
                    "period_end": form.period_end.data,
                    "problems": form.problems.data,
                    "amount_refunded_fen": form.amount_refunded.data,
                },
                today,
            )
        if step.committed:
            if report.on_time:
                flash(_("自查自纠报告已按期报送，其中披露并经核实的问题可依规从轻处理"), "success")
            else:
                flash(
                    _(
                        "自查自纠报告已报送（已超过本年度报送期限 %(d)s）",
                        d=report.deadline.isoformat(),
                    ),
                    "warning",
                )
            return redirect(url_for("facility.self_inspections"))
    reports = db.paginate(
        select(SelfInspectionReport)
        .where(SelfInspectionReport.facility_id == facility.id)
        .order_by(SelfInspectionReport.filed_on.desc(), SelfInspectionReport.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "facility/self_inspections.html",
        form=form,
        reports=reports,
        deadline=credit_rulebook().self_correction_deadline_for(today.year),
        today=today,
    )
