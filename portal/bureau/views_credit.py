"""Facility credit in the bureau area: the grade explained, its history and chart,
key-supervision lists, and manual adjustments with four-eyes approval."""

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.bureau import bp
from portal.bureau.forms_credit import AdjustmentDecisionForm, AdjustmentForm
from portal.bureau.forms_inspections import ButtonForm
from portal.bureau.loaders import get_facility_or_404, get_or_404
from portal.credit_files import (
    accepts_evidence,
    describe_limits,
    read_uploads,
    send_attachment,
    upload_limits,
)
from portal.credit_notes import (
    current_caps,
    grade_page_context,
    override_held,
    worst_cap_grade,
)
from portal.credit_queries import (
    chart_rows,
    credit_context,
    credit_view,
    grade_changes,
    history_stmt,
    is_supervised,
    key_grades,
    key_supervision_stmt,
    source_links,
    source_references,
    termination_cycles,
    worst_streak_risk_stmt,
    worst_streak_stmt,
)
from portal.extensions import db
from portal.models.credit import (
    AdjustmentStatus,
    CreditAdjustment,
    CreditAppeal,
    CreditAttachment,
    CreditRepair,
)
from portal.models.enums import FacilityKind
from portal.models.facility import facility_counties
from portal.models.inspections import Finding
from portal.models.pledge_extras import PledgePostingCheck
from portal.operations.credit import latest_grade
from portal.operations.credit_workflow import (
    CreditError,
    changed_since_proposal,
    decide_adjustment,
    grade_adjustments_in_force,
    graded_too_late,
    grading_starts,
    manual_recompute,
    propose_adjustment,
)
from portal.permissions import can, ensure, require
from portal.rules import credit_rulebook
from portal.storage import commit_with_files
from portal.validators import has_visible
from portal.views_common import commit_or_errors, filter_choice, filter_value, form_errors, on_form
from portal.web import china_today


def bureau_source_url(source_type: str, source_id: int, staff_id):
    if source_type == "finding":
        return url_for("bureau.finding_detail", finding_id=source_id)
    if source_type == "point_record" and staff_id:
        return url_for("bureau.staff_detail", staff_id=staff_id) + "#points"
    if source_type == "adjustment":
        return url_for("bureau.adjustment_decide", adjustment_id=source_id)
    if source_type == "pledge":
        return url_for("bureau.pledge_review", pledge_id=source_id)
    if source_type == "posting_check":
        check = db.session.get(PledgePostingCheck, source_id)
        if check is not None:
            return (
                url_for("bureau.facility_pledges_page", facility_id=check.facility_id)
                + f"#posting-check-{check.id}"
            )
    return None


def _with_evidence(model):
    """Load the evidence files and their uploaders with the rows that list them."""
    return selectinload(model.attachments).joinedload(CreditAttachment.uploaded_by)


@bp.route("/facilities/<int:facility_id>/credit")
@require("registry.view")
def facility_credit(facility_id: int):
    facility = get_facility_or_404(facility_id)
    today = china_today()
    current = latest_grade(facility.id)
    items = current.breakdown if current else []
    history = db.paginate(
        history_stmt(facility.id), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    related = {
        model.__tablename__: db.session.scalars(
            select(model)
            .where(model.facility_id == facility.id)
            .options(*loads)
            .order_by(model.id.desc())
        ).all()
        for model, loads in (
            (CreditAdjustment, [_with_evidence(CreditAdjustment)]),
            (CreditAppeal, [_with_evidence(CreditAppeal)]),
            (CreditRepair, []),
        )
    }
    findings = db.session.scalars(
        select(Finding).where(Finding.facility_id == facility.id).order_by(Finding.id.desc())
    ).all()
    return render_template(
        "bureau/facility_credit.html",
        facility=facility,
        current=current,
        items=items,
        links=source_links(items, bureau_source_url),
        references=source_references(items, None),
        view=credit_view(facility, today),
        supervised=is_supervised(facility),
        history=history,
        changes=grade_changes(facility.id, limit=10),
        rb=credit_rulebook(),
        **credit_context(),
        **grade_page_context(current, items, history),
        adjustments=related["credit_adjustment"],
        appeals=related["credit_appeal"],
        repairs=related["credit_repair"],
        findings=findings,
        button_form=ButtonForm(),
        today=today,
    )


@bp.route("/facilities/<int:facility_id>/credit/chart.png")
@require("registry.view")
def facility_credit_chart(facility_id: int):
    from portal.charts import grade_history_png

    facility = get_facility_or_404(facility_id)
    png = grade_history_png(
        chart_rows(facility.id), credit_rulebook(), _("%(n)s 信用评分变化", n=facility.name)
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@bp.route("/facilities/<int:facility_id>/credit/recompute", methods=["POST"])
@require("credit.propose")
def facility_credit_recompute(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if ButtonForm().validate_on_submit():
        row = manual_recompute(current_user, facility, china_today())
        db.session.commit()
        flash(_("已重新计算：%(g)s", g=row.grade or _("不参加评价")), "success")
    return redirect(url_for("bureau.facility_credit", facility_id=facility.id))


@bp.route("/credit/supervision")
@require("registry.view")
def credit_supervision():
    args = request.args
    which = args.get("list", "key")
    filters = {
        "county": args.get("county", ""),
        "kind": filter_value(FacilityKind, "kind"),
        "q": args.get("q", ""),
    }
    cycle = china_today().year
    rb = credit_rulebook()
    per_page = current_app.config["PAGE_SIZE"]
    risk = None
    if which == "streak":
        stmt = worst_streak_stmt(cycle, **filters)
        # The facilities that become candidates if the cycle under way ends on the worst
        # grade: a list of its own on the page, paged on its own.
        risk = db.paginate(
            worst_streak_risk_stmt(cycle, **filters),
            page_arg="risk_page",
            per_page=per_page,
            error_out=False,
        )
    else:
        which = "key"
        stmt = key_supervision_stmt(**filters)
    page = db.paginate(stmt, per_page=per_page, error_out=False)
    counted = termination_cycles(cycle)
    return render_template(
        "bureau/credit_supervision.html",
        page=page,
        risk=risk,
        which=which,
        key=key_grades(),
        rb=rb,
        cycle=cycle,
        # "2024、2025": the completed cycles each list counts, as the page names them.
        counted_years="、".join(map(str, counted)),
        risk_years="、".join(map(str, counted[1:])),
        counties=facility_counties(),
        kinds=FacilityKind,
    )


def _chosen_value_given(form: AdjustmentForm) -> bool:
    """The field of the chosen way of adjusting is filled in; else its error is on it."""
    field = form.points if form.mode.data == "points" else form.grade
    if has_visible(field.data or ""):
        return True
    field.errors = [*field.errors, _("请填写%(f)s", f=field.label.text)]
    return False


@bp.route("/facilities/<int:facility_id>/credit/adjust", methods=["GET", "POST"])
@accepts_evidence
@require("credit.propose")
def adjustment_new(facility_id: int):
    facility = get_facility_or_404(facility_id)
    rb = credit_rulebook()
    form = AdjustmentForm()
    describe_limits(form.attachments)
    form.grade.choices = [("", _("请选择"))] + [
        (b.grade, f"{b.grade}（{b.label}）") for b in rb.grades
    ]
    if form.validate_on_submit() and _chosen_value_given(form):
        by_points = form.mode.data == "points"
        try:
            with commit_with_files() as files:
                propose_adjustment(
                    current_user,
                    facility,
                    points=form.points.data if by_points else None,
                    grade=None if by_points else form.grade.data,
                    reason=form.reason.data,
                    evidence=form.evidence.data,
                    attachments=read_uploads(form.attachments),
                    files=files,
                    today=china_today(),
                    **upload_limits(),
                )
        except CreditError as exc:
            form_errors(form, exc)
        else:
            flash(_("调整已提交，须经另一名审批人批准后生效"), "success")
            return redirect(url_for("bureau.facility_credit", facility_id=facility.id))
    today = china_today()
    caps = current_caps(facility, today)
    return render_template(
        "bureau/adjustment_form.html",
        form=form,
        facility=facility,
        grading_starts=grading_starts(facility),
        too_late=graded_too_late(facility, today),
        current=latest_grade(facility.id),
        caps=caps,
        cap_grade=worst_cap_grade(caps),
        **credit_context(),
    )


@bp.route("/credit/adjustments")
@require("registry.view")
def adjustments():
    status = filter_choice(AdjustmentStatus, "status", "pending")
    stmt = select(CreditAdjustment).order_by(CreditAdjustment.proposed_at, CreditAdjustment.id)
    if status:
        stmt = stmt.where(CreditAdjustment.status == status)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "bureau/adjustments.html", page=page, statuses=AdjustmentStatus, status=status
    )


@bp.route("/credit/adjustments/<int:adjustment_id>", methods=["GET", "POST"])
@require("registry.view")
def adjustment_decide(adjustment_id: int):
    """Shows the adjustment to every bureau role; only approvers other than the
    proposer get (and may submit) the decision form."""
    adjustment = get_or_404(CreditAdjustment, adjustment_id)
    form = AdjustmentDecisionForm()
    may_decide = (
        can("credit.approve")
        and adjustment.status is AdjustmentStatus.PENDING
        and adjustment.proposed_by_id != current_user.id
    )
    caps, cap_grade, held = (), None, False
    proposed_under, replaced = None, []
    if adjustment.status is AdjustmentStatus.PENDING:
        today = china_today()
        caps = current_caps(adjustment.facility, today)
        cap_grade = worst_cap_grade(caps)
        held = adjustment.grade is not None and override_held(
            credit_rulebook(), adjustment.grade, cap_grade
        )
        # What the proposer saw may no longer hold: the approver is told, and confirms.
        proposed_under = changed_since_proposal(adjustment)
        if adjustment.grade is not None:
            replaced = grade_adjustments_in_force(adjustment, today.year)
    if held:
        # Approving is still allowed (the decision stands for the cycle), but it does not
        # lift the grade while the cap applies: the option says so.
        form.outcome.choices = [
            ("approve", _("批准（因封顶，本周期等级暂不改变）")),
            ("reject", _("驳回")),
        ]
    if request.method == "POST":
        ensure("credit.approve")
        unconfirmed = (
            proposed_under is not None
            and form.outcome.data == "approve"
            and not form.changes_seen.data
        )
        valid = form.validate_on_submit()
        if valid and unconfirmed:
            form.changes_seen.errors = [
                _("该调整提出后机构等级已变化：请核对后勾选确认，或驳回后由提出人重新提出")
            ]
        elif valid:
            with commit_or_errors(CreditError, on_form(form)) as step:
                decide_adjustment(
                    current_user,
                    adjustment,
                    approve=form.outcome.data == "approve",
                    note=form.note.data,
                    today=china_today(),
                )
            if step.committed:
                flash(_("已处理调整申请"), "success")
                grade = adjustment.facility.credit_grade
                approved = adjustment.status is AdjustmentStatus.APPROVED
                if approved and grade is None:
                    # Not graded yet (under contract for too short a time), but within the
                    # cycle (approving is refused otherwise): it counts from then.
                    flash(
                        _(
                            "调整已批准；该机构自 %(d)s 起参加信用评价，调整届时计入本周期",
                            d=grading_starts(adjustment.facility).isoformat(),
                        ),
                        "warning",
                    )
                elif approved and adjustment.grade is not None and grade != adjustment.grade:
                    flash(
                        _(
                            "调整已批准，但因封顶，本周期等级仍为 %(g)s 级，"
                            "调整为 %(a)s 级暂不生效",
                            g=grade,
                            a=adjustment.grade,
                        ),
                        "warning",
                    )
                return redirect(url_for("bureau.adjustments"))
    return render_template(
        "bureau/adjustment_decide.html",
        adjustment=adjustment,
        form=form,
        may_decide=may_decide,
        caps=caps,
        cap_grade=cap_grade,
        held=held,
        proposed_under=proposed_under,
        replaced=replaced,
        **credit_context(),
    )


@bp.route("/credit/attachments/<int:attachment_id>")
@require("registry.view")
def credit_attachment(attachment_id: int):
    """An evidence file of an adjustment or objection, as a download."""
    return send_attachment(get_or_404(CreditAttachment, attachment_id))
