"""Findings in the bureau area: record (with the penalty calculator), edit drafts,
confirm, revoke; and the standalone penalty calculator."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms_inspections import (
    ButtonForm,
    FindingForm,
    RevokeFindingForm,
    split_codes,
)
from portal.bureau.loaders import get_or_404
from portal.bureau.views_inspections import flash_errors, get_inspection_or_404
from portal.credit_notes import override_still_in_force_message
from portal.credit_queries import penalty_preview
from portal.extensions import db
from portal.models.credit import CreditAppeal
from portal.models.inspections import (
    Finding,
    FindingStatus,
    InspectionStatus,
    SelfInspectionReport,
)
from portal.models.staff import StaffMember
from portal.operations.findings import (
    add_finding,
    article_errors,
    confirm_finding,
    finding_articles,
    revoke_finding,
    self_correction,
    update_finding,
)
from portal.operations.inspections import InspectionError, categories_for, facility_results
from portal.permissions import ensure, require
from portal.rules import taxonomy
from portal.views_common import commit_or_errors, on_form
from portal.web import china_today

#: Operation field -> form field.
FIELD_MAP = {
    "amount_involved_fen": "amount_involved",
    "amount_refunded_fen": "amount_refunded",
    "amount_recovered_fen": "amount_recovered",
    "fine_fen": "fine",
    "staff": "staff_codes",
    "self_inspection": "self_inspection_id",
    "status": "category",
}


def _setup(form: FindingForm, facility) -> None:
    form.category.choices = [("", _("请选择"))] + [
        (c.code, c.label) for c in categories_for(facility)
    ]
    form.results.choices = [(r.code, r.label) for r in facility_results()]
    form.legal_article.choices = [("", _("按违规类别默认"))] + [
        (a.article, a.title) for a in finding_articles()
    ]
    reports = db.session.scalars(
        select(SelfInspectionReport)
        .where(SelfInspectionReport.facility_id == facility.id)
        .order_by(SelfInspectionReport.filed_on.desc())
    )
    form.self_inspection_id.choices = [(0, _("无"))] + [
        (
            r.id,
            _(
                "%(d)s报送（%(t)s）",
                d=r.filed_on.isoformat(),
                t=_("按期") if r.on_time else _("逾期"),
            ),
        )
        for r in reports
    ]


def _article_for(form: FindingForm) -> str:
    category = taxonomy().get(form.category.data or "")
    return form.legal_article.data or (category.article if category else "")


def _preview(form: FindingForm):
    """The penalty range of the article the finding would cite; none for an article it may
    not cite (Art 41 punishes insured persons), which a submitted form is told as saving
    would tell it, the calculator button too."""
    category = taxonomy().get(form.category.data or "")
    refused = article_errors(form.legal_article.data or "", category.article if category else "")
    if refused:
        message = refused["legal_article"]
        if form.is_submitted() and message not in form.legal_article.errors:
            form.legal_article.errors = [*form.legal_article.errors, message]
        return None, None
    return penalty_preview(
        _article_for(form),
        _fen(form.amount_involved.data),
        form.fine.data if isinstance(form.fine.data, int) else None,
        fraud=bool(category and category.cls == "fraud"),
        self_corrected=self_correction(
            bool(form.self_corrected.data),
            _report(form),
            _fen(form.amount_involved.data),
            _fen(form.amount_refunded.data),
        ),
        results=form.results.data or [],
    )


def _fen(value) -> int:
    return value if isinstance(value, int) else 0


def _report(form: FindingForm) -> SelfInspectionReport | None:
    """The facility's self-inspection report the form links, if any (one of its choices)."""
    chosen = form.self_inspection_id.data
    if not chosen or chosen not in {value for value, _label in form.self_inspection_id.choices}:
        return None
    return db.session.get(SelfInspectionReport, chosen)


def _typed(form: FindingForm) -> dict:
    codes = split_codes(form.staff_codes.data)
    staff = list(db.session.scalars(select(StaffMember).where(StaffMember.staff_code.in_(codes))))
    unknown = sorted(set(codes) - {s.staff_code for s in staff})
    if unknown:
        raise InspectionError({"staff": _("未找到人员编码：%(c)s", c="、".join(unknown))})
    report = _report(form)
    return {
        "category": form.category.data,
        "description": form.description.data,
        "period_start": form.period_start.data,
        "period_end": form.period_end.data,
        "amount_involved_fen": form.amount_involved.data,
        "amount_refunded_fen": form.amount_refunded.data,
        "amount_recovered_fen": form.amount_recovered.data,
        "legal_article": form.legal_article.data or "",
        "fine_fen": form.fine.data,
        "decision_number": form.decision_number.data or "",
        "decision_date": form.decision_date.data,
        "self_corrected": form.self_corrected.data,
        "self_inspection": report,
        "staff": staff,
        "results": form.results.data or [],
    }


def _save(form, facility, save):
    """Validate and save through ``save(data)``; None when the form must be shown again
    (invalid, or only the calculator was asked for)."""
    if not form.validate_on_submit() or request.form.get("action") == "calculate":
        return None
    with commit_or_errors(InspectionError, on_form(form, rename=FIELD_MAP)) as step:
        finding = save(_typed(form))
    return finding if step.committed else None


@bp.route("/inspections/<int:inspection_id>/findings/new", methods=["GET", "POST"])
@require("inspections.record")
def finding_new(inspection_id: int):
    inspection = get_inspection_or_404(inspection_id)
    if inspection.status is not InspectionStatus.OPEN:
        # Not the form (nothing typed into it could be saved): back to the inspection.
        flash(_("该检查%(s)s，不能再录入违规发现", s=inspection.status.label), "danger")
        return redirect(url_for("bureau.inspection_detail", inspection_id=inspection.id))
    form = FindingForm()
    _setup(form, inspection.facility)
    if request.method == "GET":
        form.decision_date.data = None
    finding = _save(
        form,
        inspection.facility,
        lambda data: add_finding(current_user, inspection, data, china_today()),
    )
    if finding is not None:
        flash(_("已保存违规发现草稿，核对无误后请认定"), "success")
        return redirect(url_for("bureau.finding_detail", finding_id=finding.id))
    rng, warning = _preview(form)
    return render_template(
        "bureau/finding_form.html",
        form=form,
        inspection=inspection,
        finding=None,
        penalty=rng,
        warning=warning,
    )


def get_finding_or_404(finding_id: int) -> Finding:
    return get_or_404(Finding, finding_id)


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@require("inspections.record")
def finding_edit(finding_id: int):
    finding = get_finding_or_404(finding_id)
    if finding.status is not FindingStatus.DRAFT:
        flash(_("只有草稿可以修改；已认定的违规发现只能撤销"), "danger")
        return redirect(url_for("bureau.finding_detail", finding_id=finding.id))
    form = FindingForm(obj=finding)
    _setup(form, finding.facility)
    if request.method == "GET":
        form.amount_involved.data = finding.amount_involved_fen
        form.amount_refunded.data = finding.amount_refunded_fen
        form.amount_recovered.data = finding.amount_recovered_fen
        form.fine.data = finding.fine_fen
        form.staff_codes.data = " ".join(s.staff_code for s in finding.staff)
        form.results.data = finding.result_codes
        form.self_inspection_id.data = finding.self_inspection_id or 0
    saved = _save(
        form,
        finding.facility,
        lambda data: update_finding(current_user, finding, data, china_today()),
    )
    if saved is not None:
        flash(_("已保存修改"), "success")
        return redirect(url_for("bureau.finding_detail", finding_id=finding.id))
    rng, warning = _preview(form)
    return render_template(
        "bureau/finding_form.html",
        form=form,
        inspection=finding.inspection,
        finding=finding,
        penalty=rng,
        warning=warning,
    )


@bp.route("/findings/<int:finding_id>")
@require("registry.view")
def finding_detail(finding_id: int):
    finding = get_finding_or_404(finding_id)
    category = taxonomy().get(finding.category)
    rng, warning = penalty_preview(
        finding.legal_article,
        finding.amount_involved_fen,
        finding.fine_fen,
        fraud=bool(category and category.cls == "fraud"),
        self_corrected=finding.self_corrected,
        results=[r.code for r in finding.results],
    )
    appeals = db.session.scalars(
        select(CreditAppeal).where(CreditAppeal.finding_id == finding.id).order_by(CreditAppeal.id)
    ).all()
    labels = {r.code: r.label for r in facility_results()}
    return render_template(
        "bureau/finding_detail.html",
        finding=finding,
        category=category,
        penalty=rng,
        warning=warning,
        appeals=appeals,
        result_labels=labels,
        button_form=ButtonForm(),
    )


@bp.route("/findings/<int:finding_id>/confirm", methods=["POST"])
@require("inspections.record")
def finding_confirm(finding_id: int):
    finding = get_finding_or_404(finding_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请重试"), "danger")
        return redirect(url_for("bureau.finding_detail", finding_id=finding.id))
    with commit_or_errors(InspectionError, flash_errors) as step:
        row = confirm_finding(current_user, finding, china_today())
    if step.committed:
        if row.graded:
            flash(_("已认定。机构信用评分 %(s)s，等级 %(g)s", s=row.score, g=row.grade), "success")
            warning = override_still_in_force_message(finding.facility_id)
            if warning:
                flash(warning, "warning")
        else:
            flash(_("已认定。该机构本周期不参加信用评价"), "success")
    return redirect(url_for("bureau.finding_detail", finding_id=finding.id))


@bp.route("/findings/<int:finding_id>/revoke", methods=["GET", "POST"])
def finding_revoke(finding_id: int):
    finding = get_finding_or_404(finding_id)
    # Discarding a draft belongs to whoever records; revoking a confirmed one does not.
    needed = "inspections.record" if finding.status is FindingStatus.DRAFT else "findings.revoke"
    ensure(needed)
    form = RevokeFindingForm()
    # A draft is discarded (作废), as its page and the inspection's refusals call it.
    draft = finding.status is FindingStatus.DRAFT
    if draft:
        form.reason.label.text = _("作废理由")
    if form.validate_on_submit():
        counted = finding.status is FindingStatus.CONFIRMED
        with commit_or_errors(InspectionError, on_form(form)) as step:
            revoke_finding(current_user, finding, form.reason.data, china_today())
        if step.committed:
            flash(_("违规发现草稿已作废") if draft else _("违规发现已撤销"), "success")
            warning = counted and override_still_in_force_message(finding.facility_id)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("bureau.finding_detail", finding_id=finding.id))
    return render_template("bureau/finding_revoke.html", finding=finding, form=form)
