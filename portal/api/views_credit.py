"""Facility credit in the API: the current grade with its breakdown, and the history.

Public reads: a facility's grade is public information. Without a staff token, breakdown
labels that name people (staff codes, the bureau staff who approved an adjustment) are
replaced by neutral wording; the source type and id remain.
"""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api import bp
from portal.api.auth import token_user
from portal.api.views import facility_or_404, invalid_choice, page_args
from portal.credit_queries import is_supervised
from portal.extensions import db
from portal.models.facility import Facility
from portal.operations.credit import latest_grade
from portal.rules import credit_rulebook
from portal.web import china_iso

PUBLIC_LABELS = {
    "staff.suspend": "本机构医保相关人员被暂停医保支付资格",
    "staff.terminate": "本机构医保相关人员被终止医保支付资格",
    "adjustment": "人工调整（经双人审核）",
    "adjustment.grade": "人工调整等级（经双人审核）",
    "adjustment.grade_superseded": "人工调整等级（经双人审核；已由其后批准的调整取代）",
}


def grade_filter(stmt, grade: str):
    """Restrict a facility query to one current grade; (stmt, problem message)."""
    grades = [b.grade for b in credit_rulebook().grades]
    if grade not in grades:
        return stmt, invalid_choice(grades)
    return stmt.where(Facility.credit_grade == grade), None


def _item_json(item: dict, staff_view: bool) -> dict:
    label = item["label"]
    if not staff_view and item["rule"] in PUBLIC_LABELS:
        label = PUBLIC_LABELS[item["rule"]]
    source = None
    if item.get("source_type"):
        source = {"type": item["source_type"], "id": item["source_id"]}
    return {
        "points": item["points"],
        "rule": item["rule"],
        "label": label,
        "source": source,
        "changes_on": item.get("changes_on"),
    }


@bp.route("/facilities/<site_code>/credit")
def facility_credit(site_code: str):
    facility = facility_or_404(site_code)
    row = latest_grade(facility.id)
    rb = credit_rulebook()
    body = {
        "site_code": facility.site_code,
        "name": facility.name,
        "base": rb.base,
        "graded": False,
        "score": None,
        "grade": None,
        "grade_label": None,
        "cycle": None,
        "as_of": None,
        "computed_at": None,
        "rulebook_version": rb.version,
        "caps": [],
        "reason": "尚未进行信用评价",
        "breakdown": [],
        "supervision": None,
        "history_url": url_for(
            "api.facility_credit_history", site_code=facility.site_code, _external=True
        ),
    }
    if row is None:
        return jsonify(body)
    staff_view = token_user() is not None
    body.update(
        {
            "graded": row.graded,
            "score": float(row.score) if row.score is not None else None,
            "grade": row.grade,
            "grade_label": rb.band(row.grade).label if row.grade in rb.supervision else None,
            "cycle": row.cycle,
            "as_of": row.as_of.isoformat(),
            "computed_at": china_iso(row.computed_at),
            "rulebook_version": row.rulebook_version,
            "caps": list(row.caps),
            "reason": row.reason or None,
            "breakdown": [_item_json(i, staff_view) for i in row.breakdown],
        }
    )
    # A facility whose agreement is terminated is no longer supervised by its grade.
    if row.grade in rb.supervision and is_supervised(facility):
        sup = rb.supervision[row.grade]
        body["supervision"] = {
            "label": sup.label,
            "sampling_weight": float(sup.sampling_weight),
            "inspections_per_year": sup.inspections_per_year,
        }
    return jsonify(body)


@bp.route("/facilities/<site_code>/credit/history")
def facility_credit_history(site_code: str):
    from portal.credit_queries import history_stmt

    facility = facility_or_404(site_code)
    page_no, per_page = page_args()
    page = db.paginate(history_stmt(facility.id), page=page_no, per_page=per_page, error_out=False)
    return jsonify(
        {
            "site_code": facility.site_code,
            "items": [
                {
                    "computed_at": china_iso(h.computed_at),
                    "cycle": h.cycle,
                    "as_of": h.as_of.isoformat(),
                    "graded": h.graded,
                    "score": float(h.score) if h.score is not None else None,
                    "grade": h.grade,
                    "previous_grade": h.previous_grade,
                    "changed": h.changed,
                    "rulebook_version": h.rulebook_version,
                    "trigger": h.trigger,
                }
                for h in page.items
            ],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }
    )
