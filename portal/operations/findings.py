"""Findings (违规认定): drafts, confirmation and revocation. Confirming or revoking a
finding recomputes the facility's credit grade in the same transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditGrade
from portal.models.facility import Facility
from portal.models.inspections import (
    Finding,
    FindingResult,
    FindingStatus,
    Inspection,
    InspectionStatus,
)
from portal.models.staff import StaffPractice
from portal.operations.audit import record_audit
from portal.operations.credit import recompute_grade
from portal.operations.inspections import (
    InspectionError,
    facility_results,
    lock_inspection,
    subject_of,
)
from portal.rules import handling_results, penalty_rules, taxonomy
from portal.validators import MAX_FEN, comparable, has_visible
from scoring.penalties import ArticleRule

#: Whom a finding is against, in the penalty rulebook's ``applies_to`` terms: a finding is
#: always against a designated facility (institution or pharmacy), never an individual.
FINDING_SUBJECT = "facility"

#: Finding fields taken from ``data`` by ``add_finding`` and ``update_finding``.
FINDING_FIELDS = (
    "category", "description", "period_start", "period_end", "amount_involved_fen",
    "amount_refunded_fen", "amount_recovered_fen", "legal_article", "fine_fen",
    "decision_number", "decision_date", "self_corrected",
)  # fmt: skip


def finding_articles() -> list[ArticleRule]:
    """The articles a finding may cite: those whose penalties fall on facilities."""
    return penalty_rules().for_subject(FINDING_SUBJECT)


def article_errors(article: str, default: str) -> dict[str, str]:
    """``article`` as chosen (empty: the category's ``default``) must be a known article
    whose penalties fall on facilities: on saving, confirming, and the penalty range the
    finding form shows."""
    rules = penalty_rules().articles
    if article and article not in rules:
        return {"legal_article": _("未知的适用条款")}
    chosen = rules.get(article or default)
    if chosen is not None and chosen.applies_to != FINDING_SUBJECT:
        allowed = "、".join(_("第%(a)s条", a=a.article) for a in finding_articles())
        return {
            "legal_article": _(
                "第%(a)s条的处罚对象不是定点医药机构，请选择适用于定点医药机构的条款（%(ok)s）",
                a=chosen.article,
                ok=allowed,
            )
        }
    return {}


def _validate_finding(inspection: Inspection, data: dict, today: date) -> dict[str, str]:
    return finding_errors(inspection.facility, inspection.start_date, data, today)


def finding_errors(
    facility: Facility, inspection_start: date, data: dict, today: date
) -> dict[str, str]:
    """What is wrong with a finding's ``data`` for an inspection of ``facility`` that
    began on ``inspection_start`` (the API checks every finding before it records anything)."""
    errors: dict[str, str] = {}
    category = taxonomy().get(data.get("category") or "")
    if category is None or category.subject != subject_of(facility):
        errors["category"] = _("请选择适用于%(k)s的违规类别", k=facility.kind.label)
    if not has_visible(data.get("description") or ""):
        errors["description"] = _("请描述违规事实")
    start, end = data.get("period_start"), data.get("period_end")
    if start and end and end < start:
        errors["period_end"] = _("违规期间的结束日期不能早于开始日期")
    if end and end > today:
        errors["period_end"] = _("违规期间不能晚于今天")
    if start and start > today:
        errors["period_start"] = _("违规期间不能晚于今天")
    amounts = ("amount_involved_fen", "amount_refunded_fen", "amount_recovered_fen", "fine_fen")
    for field in amounts:
        value = data.get(field, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = _("金额不能为负数")
        elif value > MAX_FEN:
            errors[field] = _("金额过大，请核对")
    involved = data.get("amount_involved_fen", 0)
    checked = "amount_involved_fen" not in errors
    for field in ("amount_refunded_fen", "amount_recovered_fen"):
        if checked and field not in errors and data.get(field, 0) > involved:
            errors[field] = _("不能超过涉及金额")
    report = data.get("self_inspection")
    if data.get("self_corrected") and report is not None and not report.on_time:
        # A box the report contradicts is not dropped silently: leniency is for a report
        # filed within the self-inspection period (seeds 000, 002).
        errors["self_corrected"] = _(
            "所选自查自纠报告为逾期报送，不适用从轻计分；请取消勾选或选择按期报送的报告"
        )
    elif (
        data.get("self_corrected")
        and checked
        and "amount_refunded_fen" not in errors
        and not fully_refunded(involved, data.get("amount_refunded_fen", 0))
    ):
        # Leniency is for self-correction with the money paid back in full (seeds 000, 002).
        errors["self_corrected"] = _("自查自纠从轻计分须已全额退回涉及金额，请核对退回金额")
    # Without an article of its own the finding takes its category's (see _apply_finding).
    default = category.article if category and "category" not in errors else ""
    errors |= article_errors(data.get("legal_article") or "", default)
    decided = data.get("decision_date")
    if decided is not None and (decided > today or decided < inspection_start):
        errors["decision_date"] = _("决定日期须在检查开始之后、不晚于今天")
    known = {r.code for r in facility_results()}
    if any(code not in known for code in data.get("results") or []):
        errors["results"] = _("处理结果无效")
    practising = set(
        db.session.scalars(
            select(StaffPractice.staff_id).where(StaffPractice.facility_id == facility.id)
        )
    )
    if any(s.id not in practising for s in data.get("staff") or []):
        errors["staff"] = _("责任人员须为在该机构执业（或曾执业）的医保相关人员")
    if report is not None and report.facility_id != facility.id:
        errors["self_inspection"] = _("自查自纠报告不属于该机构")
    return errors


def _stored_values(data: dict) -> dict:
    """The finding's columns (``FINDING_FIELDS``) as ``data`` sets them."""
    values = {
        field: value.strip() if isinstance(value, str) else value
        for field, value in data.items()
        if field in FINDING_FIELDS
    }
    values["legal_article"] = values.get("legal_article") or taxonomy()[data["category"]].article
    if "self_corrected" in values or data.get("self_inspection") is not None:
        values["self_corrected"] = self_correction(
            bool(values.get("self_corrected")),
            data.get("self_inspection"),
            values.get("amount_involved_fen") or 0,
            values.get("amount_refunded_fen") or 0,
        )
    return values


def self_correction(ticked: bool, report, involved_fen: int, refunded_fen: int) -> bool:
    """Whether a finding earns the self-correction leniency. Disclosed in a self-inspection
    report, it does when the report was on time and the money involved has been paid back
    in full, ticked or not; otherwise as ticked (validation refuses a tick without the money
    paid back)."""
    if report is not None:
        return report.on_time and fully_refunded(involved_fen, refunded_fen)
    return ticked


def _apply_finding(finding: Finding, data: dict) -> None:
    for field, value in _stored_values(data).items():
        setattr(finding, field, value)
    finding.self_inspection = data.get("self_inspection")
    finding.staff = list({s.id: s for s in data.get("staff") or []}.values())
    wanted = list(dict.fromkeys(data.get("results") or []))
    finding.results = [FindingResult(code=code) for code in wanted]


def _columns(values: dict) -> tuple:
    """A finding's columns, texts compared as typed alike."""
    return tuple(
        comparable(value) if isinstance(value, str) else value
        for value in (values.get(f) for f in FINDING_FIELDS)
    )


def _same_finding(inspection: Inspection, data: dict) -> Finding | None:
    """A finding under ``inspection``, not revoked, that ``data`` would record again: the
    same in everything the form sets. Its people and results are read only for a finding
    whose columns match already."""
    report = data.get("self_inspection")
    columns = _columns(_stored_values(data))
    links = (
        report.id if report is not None else None,
        {s.id for s in data.get("staff") or []},
        set(data.get("results") or []),
    )
    for finding in sorted(inspection.findings, key=lambda f: f.id):
        if (
            finding.status is not FindingStatus.REVOKED
            and _columns({f: getattr(finding, f) for f in FINDING_FIELDS}) == columns
            and (
                finding.self_inspection_id,
                {s.id for s in finding.staff},
                set(finding.result_codes),
            )
            == links
        ):
            return finding
    return None


def add_finding(actor, inspection: Inspection, data: dict, today: date) -> Finding:
    """A draft finding; it counts for the grade only once confirmed."""
    lock_inspection(inspection)
    if inspection.status is not InspectionStatus.OPEN:
        raise InspectionError(
            {"category": _("该检查%(s)s，不能再录入违规发现", s=inspection.status.label)}
        )
    errors = _validate_finding(inspection, data, today)
    if errors:
        raise InspectionError(errors)
    # The same form sent twice (a double click, a resent page) records one finding.
    same = _same_finding(inspection, data)
    if same is not None:
        raise InspectionError(
            {
                "status": _(
                    "该检查下已有相同的违规发现（编号 %(id)d，%(s)s），请勿重复录入",
                    id=same.id,
                    s=same.status.label,
                )
            }
        )
    finding = Finding(
        inspection=inspection,
        facility_id=inspection.facility_id,
        status=FindingStatus.DRAFT,
        created_by_id=getattr(actor, "id", None),
    )
    _apply_finding(finding, data)
    db.session.add(finding)
    db.session.flush()
    record_audit(actor, "finding.create", "finding", finding.id, after=finding.audit_summary())
    return finding


def update_finding(actor, finding: Finding, data: dict, today: date) -> Finding:
    if finding.status is not FindingStatus.DRAFT:
        raise InspectionError({"category": _("只有草稿可以修改；已认定的违规发现只能撤销")})
    errors = _validate_finding(finding.inspection, data, today)
    if errors:
        raise InspectionError(errors)
    before = finding.audit_summary()
    _apply_finding(finding, data)
    db.session.flush()
    record_audit(
        actor, "finding.update", "finding", finding.id, before=before, after=finding.audit_summary()
    )
    return finding


def confirmation_problems(finding: Finding) -> dict[str, str]:
    """What is missing before a draft can be confirmed (or wrong: a draft saved before its
    article was known not to apply to facilities)."""
    missing = missing_for_confirmation(
        finding.decision_number, finding.decision_date, finding.legal_article, finding.results
    )
    return article_errors(finding.legal_article, "") | missing


def missing_for_confirmation(number: str, decided, article: str, results) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not has_visible(number or ""):
        problems["decision_number"] = _("认定前须填写决定书文号")
    if decided is None:
        problems["decision_date"] = _("认定前须填写决定日期")
    if not article:
        problems["legal_article"] = _("认定前须选择适用条款")
    if not results:
        problems["results"] = _("认定前须至少选择一项处理结果")
    return problems


def fully_refunded(involved_fen: int, refunded_fen: int) -> bool:
    return refunded_fen >= involved_fen


def _sync_blacklist(actor, facility: Facility) -> None:
    """The facility is blacklisted while a confirmed finding has a blacklisting result."""
    codes = {r.code for r in handling_results().values() if r.blacklist}
    listed = bool(codes) and (
        db.session.scalar(
            select(Finding.id)
            .join(FindingResult)
            .where(
                Finding.facility_id == facility.id,
                Finding.status == FindingStatus.CONFIRMED,
                FindingResult.code.in_(codes),
            )
            .limit(1)
        )
        is not None
    )
    if listed != facility.blacklisted:
        facility.blacklisted = listed
        db.session.flush()
        record_audit(
            actor,
            "facility.blacklist" if listed else "facility.unblacklist",
            "facility",
            facility.id,
            before={"blacklisted": not listed},
            after={"blacklisted": listed},
        )


def confirm_finding(actor, finding: Finding, today: date) -> CreditGrade:
    """Confirm a draft: it now counts, and the facility's grade is recomputed."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(finding, with_for_update=True)
    if finding.status is not FindingStatus.DRAFT:
        raise InspectionError({"status": _("只有草稿可以认定")})
    problems = confirmation_problems(finding)
    if problems:
        raise InspectionError(problems)
    before = finding.audit_summary()
    finding.status = FindingStatus.CONFIRMED
    finding.confirmed_at = utcnow()
    finding.confirmed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(
        actor,
        "finding.confirm",
        "finding",
        finding.id,
        before=before,
        after=finding.audit_summary(),
    )
    _sync_blacklist(actor, finding.facility)
    return recompute_grade(finding.facility, "finding.confirm", today=today, actor=actor)


def revoke_finding(actor, finding: Finding, reason: str, today: date) -> CreditGrade | None:
    """Revoke a finding (a draft is discarded the same way). Whoever confirmed it may not
    revoke it. A confirmed finding's revocation recomputes the grade."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(finding, with_for_update=True)
    if finding.status is FindingStatus.REVOKED:
        raise InspectionError({"reason": _("该违规发现已撤销")})
    was_confirmed = finding.status is FindingStatus.CONFIRMED
    if not has_visible(reason or ""):
        message = _("请填写撤销理由") if was_confirmed else _("请填写作废理由")
        raise InspectionError({"reason": message})
    if was_confirmed and finding.confirmed_by_id == getattr(actor, "id", None):
        raise InspectionError({"reason": _("认定人不能撤销本人认定的违规发现，请由其他人员处理")})
    pending = db.session.scalar(
        select(CreditAppeal.id).where(
            CreditAppeal.finding_id == finding.id,
            CreditAppeal.status == CreditAppealStatus.PENDING,
        )
    )
    if was_confirmed and pending is not None:
        # Revoked here, the objection would stay in the queue, to be decided on a finding
        # that no longer stands; upholding it revokes the finding and answers the facility.
        raise InspectionError(
            {
                "reason": _(
                    "机构对该违规发现提出的异议（第%(n)d号）尚待处理，请在“信用异议”中作出决定："
                    "异议成立即撤销该违规发现",
                    n=pending,
                )
            }
        )
    before = finding.audit_summary()
    finding.status = FindingStatus.REVOKED
    finding.revoked_at = utcnow()
    finding.revoked_by_id = getattr(actor, "id", None)
    finding.revoke_reason = reason.strip()
    db.session.flush()
    record_audit(
        actor,
        "finding.revoke",
        "finding",
        finding.id,
        before=before,
        after=finding.audit_summary(),
        note=reason.strip(),
    )
    if not was_confirmed:
        return None
    _sync_blacklist(actor, finding.facility)
    return recompute_grade(finding.facility, "finding.revoke", today=today, actor=actor)
