"""The penalty calculator (处罚幅度) and label helpers shared by the finding templates."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _

from portal.bureau import bp
from portal.bureau.forms_inspections import PenaltyForm, fen_to_yuan_text, yuan_to_fen
from portal.credit_queries import penalty_preview
from portal.extensions import db
from portal.models.inspections import SelfInspectionReport
from portal.operations.findings import article_errors, self_correction
from portal.permissions import require
from portal.rules import handling_results, penalty_rules, taxonomy
from portal.validators import MAX_FEN


@bp.route("/penalty-calculator")
@require("registry.view")
def penalty_calculator():
    form = PenaltyForm(request.args)
    form.legal_article.choices = [(a.article, a.title) for a in penalty_rules().articles.values()]
    rng = warning = None
    if request.args and form.validate():
        rng, warning = penalty_preview(
            form.legal_article.data,
            form.amount_involved.data,
            form.fine.data if request.args.get("fine") else None,
            fraud=form.fraud.data,
            self_corrected=form.self_corrected.data,
        )
    return render_template(
        "bureau/penalty_calculator.html",
        form=form,
        penalty=rng,
        warning=warning,
        rules=penalty_rules(),
    )


@bp.route("/penalty-range")
@require("registry.view")
def penalty_range_json():
    """The calculator for the finding form's script: JSON, nothing saved. An article a
    finding may not cite (Art 41 punishes insured persons) is refused as saving refuses it;
    the calculator page (``penalty_calculator``) keeps every article."""
    args = request.args
    category = taxonomy().get(args.get("category", ""))
    default = category.article if category else ""
    refused = article_errors(args.get("article") or "", default)
    if refused:
        return jsonify({"error": refused["legal_article"]}), 422
    article = args.get("article") or default
    try:
        loss = yuan_to_fen(args.get("amount") or "0")
        refunded = yuan_to_fen(args.get("refunded") or "0")
        fine = yuan_to_fen(args["fine"]) if args.get("fine") else None
    except ValueError:
        return jsonify({"error": _("请填写有效金额（单位：元，最多两位小数）")}), 422
    if max(loss, fine or 0) > MAX_FEN:
        return jsonify({"error": _("金额过大，请核对")}), 422
    rng, warning = penalty_preview(
        article,
        loss,
        fine,
        fraud=bool(category and category.cls == "fraud"),
        self_corrected=self_correction(
            args.get("self_corrected") in ("1", "true", "y", "on"),
            _report(args.get("report", "")),
            loss,
            refunded,
        ),
        results=args.getlist("results"),
    )
    if rng is None:
        return jsonify({"article": None, "lines": [], "warning": None})
    return jsonify(
        {
            "article": rng.article,
            "title": rng.title,
            "lines": list(rng.lines),
            "fine_min": fen_to_yuan_text(rng.fine_min_fen),
            "fine_max": fen_to_yuan_text(rng.fine_max_fen),
            "warning": warning,
            "note": rng.note,
        }
    )


def _report(value: str) -> SelfInspectionReport | None:
    """The self-inspection report the finding form links: its lateness and the refund
    decide the leniency, as saving decides it (``self_correction``)."""
    if not (value.isascii() and value.isdigit() and len(value) < 10):  # an int4 id or none
        return None
    return db.session.get(SelfInspectionReport, int(value))


@bp.app_template_global("category_label")
def category_label(code: str) -> str:
    """The taxonomy label of a violation category code (the code itself if unknown)."""
    category = taxonomy().get(code)
    return category.label if category else code


@bp.app_template_global("result_label")
def result_label(code: str) -> str:
    result = handling_results().get(code)
    return result.label if result else code
