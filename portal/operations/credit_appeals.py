"""Objections (异议) to a facility's grade or to one of its findings: filed by the facility
with evidence files, decided by the bureau within working days; upheld, the finding is
revoked or the grade recomputed in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pledges.uploads import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES
from portal.extensions import db
from portal.models.credit import (
    AdjustmentStatus,
    CreditAdjustment,
    CreditAppeal,
    CreditAppealStatus,
    CreditGrade,
)
from portal.models.facility import Facility
from portal.models.inspections import Finding, FindingStatus
from portal.operations.audit import record_audit
from portal.operations.credit import latest_grade, recompute_grade
from portal.operations.credit_workflow import (
    MAX_ATTACHMENTS,
    CreditError,
    check_attachments,
    store_attachments,
    working_deadline,
)
from portal.operations.decisions import record_decision
from portal.operations.locks import lock_row
from portal.rules import credit_rulebook
from portal.validators import has_visible
from portal.web import china_date


def file_credit_appeal(
    actor,
    facility: Facility,
    *,
    finding: Finding | None,
    reason: str,
    today: date,
    attachments: Sequence[tuple[bytes, str | None]] = (),
    files=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_files: int = MAX_ATTACHMENTS,
) -> CreditAppeal:
    """An objection to one of the facility's confirmed findings, or (no finding) to its
    current grade. The bureau's deadline runs in working days from filing.

    ``attachments`` and ``files`` as for
    :func:`portal.operations.credit_workflow.propose_adjustment`."""
    if finding is not None and (
        finding.facility_id != facility.id or finding.status is not FindingStatus.CONFIRMED
    ):
        raise CreditError(_("只能对本机构已认定的违规发现提出异议"), "finding")
    grade_row = latest_grade(facility.id)
    if finding is None and (grade_row is None or not grade_row.graded):
        raise CreditError(_("本机构尚无信用评价结果，无需提出异议"), "finding")
    if not has_visible(reason or ""):
        raise CreditError(_("请填写异议理由"))
    # The facility's row is locked so that the same objection sent twice at once (a double
    # click) is checked in turn: the second finds the first pending.
    lock_row(Facility, facility.id)
    pending = select(CreditAppeal.id).where(
        CreditAppeal.facility_id == facility.id,
        CreditAppeal.status == CreditAppealStatus.PENDING,
        CreditAppeal.finding_id == finding.id
        if finding is not None
        else CreditAppeal.finding_id.is_(None),
    )
    if db.session.scalar(pending) is not None:
        raise CreditError(_("已有待处理的同一事项异议，请等待处理结果"), "finding")
    if decided := _decided_before(facility, finding, grade_row):
        # The objection is the review; what follows a decision is reconsideration or a
        # lawsuit, outside the portal. A grade objected to is this cycle's grade and score:
        # once either changes, the new result may be objected to.
        raise CreditError(
            _(
                "对%(what)s的异议已于 %(d)s 处理（%(s)s），不能再次提出；对处理结果不服的，"
                "可依法申请行政复议或者提起行政诉讼",
                what=_("该违规发现") if finding is not None else _("当前信用评价结果"),
                d=china_date(decided.decided_at).isoformat(),
                s=decided.status.label,
            ),
            "finding",
        )
    checked = check_attachments(
        attachments, max_bytes=max_bytes, max_pages=max_pages, max_files=max_files
    )
    appeal = CreditAppeal(
        facility=facility,
        finding=finding,
        grade_row=grade_row,
        reason=reason.strip(),
        filed_on=today,
        filed_by_id=getattr(actor, "id", None),
        deadline=working_deadline(today, credit_rulebook().appeal_working_days),
        status=CreditAppealStatus.PENDING,
    )
    db.session.add(appeal)
    db.session.flush()
    rows = store_attachments(actor, files, attachments, checked, appeal=appeal)
    record_audit(
        actor,
        "credit.appeal_file",
        "credit_appeal",
        appeal.id,
        after={
            "facility": facility.site_code,
            "finding": finding.id if finding else None,
            "grade": grade_row.grade if grade_row else None,
            "filed_on": today.isoformat(),
            "attachments": [row.audit_summary() for row in rows],
        },
        note=appeal.reason,
    )
    return appeal


def _decided_before(facility: Facility, finding: Finding | None, grade_row) -> CreditAppeal | None:
    """An objection already decided on the same matter: the finding, or (no finding) the
    grade and score of the cycle ``grade_row`` holds."""
    stmt = select(CreditAppeal).where(
        CreditAppeal.facility_id == facility.id,
        CreditAppeal.status != CreditAppealStatus.PENDING,
    )
    if finding is not None:
        stmt = stmt.where(CreditAppeal.finding_id == finding.id)
    else:
        stmt = stmt.join(CreditGrade, CreditGrade.id == CreditAppeal.grade_id).where(
            CreditAppeal.finding_id.is_(None),
            CreditGrade.cycle == grade_row.cycle,
            CreditGrade.grade == grade_row.grade,
            CreditGrade.score == grade_row.score,
        )
    return db.session.scalar(stmt.order_by(CreditAppeal.decided_at.desc()).limit(1))


def _own_adjustment(actor, appeal: CreditAppeal) -> int | None:
    """The id of an approved manual adjustment in the grade objected to (of its cycle,
    approved before it was computed) that ``actor`` proposed or approved, if any: who set
    a grade by hand may not decide the objection to it, as who confirmed a finding may
    not."""
    row = appeal.grade_row
    if row is None:
        return None
    return db.session.scalar(
        select(CreditAdjustment.id)
        .where(
            CreditAdjustment.facility_id == appeal.facility_id,
            CreditAdjustment.status == AdjustmentStatus.APPROVED,
            CreditAdjustment.approved_on >= date(row.cycle, 1, 1),
            # Approved before the grade objected to was computed: one approved later,
            # even that day, is not in it.
            CreditAdjustment.decided_at <= row.computed_at,
            (CreditAdjustment.proposed_by_id == actor.id)
            | (CreditAdjustment.decided_by_id == actor.id),
        )
        .order_by(CreditAdjustment.id)
        .limit(1)
    )


def decide_credit_appeal(
    actor, appeal: CreditAppeal, *, upheld: bool, reason: str, today: date
) -> None:
    """Decide an objection. Upheld against a finding revokes it (and recomputes); upheld
    against the grade recomputes it. Whoever confirmed the disputed finding may not decide,
    nor whoever proposed or approved a manual adjustment in the disputed grade."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(appeal, with_for_update=True)
    if appeal.status is not CreditAppealStatus.PENDING:
        raise CreditError(_("该异议已处理"))
    finding = appeal.finding
    if finding is not None and finding.confirmed_by_id == actor.id:
        raise CreditError(_("违规发现的认定人不能处理针对它的异议，请由其他人员处理"))
    if finding is None and (own := _own_adjustment(actor, appeal)) is not None:
        raise CreditError(
            _(
                "该信用评价结果含有您提出或批准的人工调整 #%(n)d，"
                "您不能处理针对它的异议，请由其他人员处理",
                n=own,
            )
        )
    if not has_visible(reason or ""):
        raise CreditError(_("请填写处理理由（将告知机构）"))
    status = CreditAppealStatus.UPHELD if upheld else CreditAppealStatus.REJECTED
    record_decision(actor, appeal, status, reason, "credit.appeal_decide")
    if not upheld:
        return
    if finding is not None and finding.status is FindingStatus.CONFIRMED:
        from portal.operations.findings import revoke_finding

        revoke_finding(actor, finding, _("异议成立：%(r)s", r=reason.strip()), today)
    else:
        recompute_grade(appeal.facility, "appeal.upheld", today=today, actor=actor)
