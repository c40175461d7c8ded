"""Manual adjustments (four eyes) and the evidence files of requests; objections (异议) are
in credit_appeals, repair in credit_repair.

Every decision records who decided, when and why; an approved adjustment, an upheld
objection or a granted repair recomputes the grade in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from pledges.uploads import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    CheckedFile,
    UploadRejected,
    check_upload,
    display_name,
)
from portal.config import BaseConfig
from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import (
    APPROVE_TRIGGER,
    AdjustmentStatus,
    CreditAdjustment,
    CreditAttachment,
    CreditGrade,
)
from portal.models.facility import Facility
from portal.operations.audit import record_audit
from portal.operations.credit import recompute_grade
from portal.operations.locks import lock_row
from portal.pledge_text import upload_message
from portal.rules import credit_rulebook, workday_calendar
from portal.validators import has_visible
from scoring.credit import grading_starts as engine_grading_starts
from scoring.workdays import CalendarError


class CreditError(ValueError):
    """A credit request that cannot be carried out. ``errors`` maps fields to messages."""

    def __init__(self, errors: dict[str, str] | str, field: str = "reason"):
        if isinstance(errors, str):
            errors = {field: errors}
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def working_deadline(start: date, working_days: int) -> date | None:
    """The ``working_days``-th working day after ``start``; None while the official
    calendar lacks a year the period reaches into."""
    try:
        return workday_calendar().add_workdays(start, working_days)
    except CalendarError:
        return None


# --- Evidence files --------------------------------------------------------------------

#: Most files one adjustment or objection may carry, unless configured otherwise
#: (``CREDIT_ATTACHMENT_MAX_FILES``, which also sizes the request limit of the forms).
MAX_ATTACHMENTS = BaseConfig.CREDIT_ATTACHMENT_MAX_FILES
ATTACHMENT_KINDS = ("pdf", "jpeg", "png")


def check_attachments(
    uploads: Sequence[tuple[bytes, str | None]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_files: int = MAX_ATTACHMENTS,
) -> list[CheckedFile]:
    """Check every upload by content before anything is stored; raise :class:`CreditError`
    on the ``attachments`` field naming every refused file, so that all are put right at
    once."""
    if len(uploads) > max_files:
        raise CreditError(_("最多上传 %(n)d 个证明材料文件", n=max_files), "attachments")
    checked, refused = [], []
    for data, filename in uploads:
        try:
            checked.append(
                check_upload(
                    data,
                    filename,
                    max_bytes=max_bytes,
                    max_pages=max_pages,
                    allowed=ATTACHMENT_KINDS,
                )
            )
        except UploadRejected as exc:
            name = display_name(filename, fallback=_("文件"))
            refused.append(_("%(name)s：%(reason)s", name=name, reason=upload_message(exc)))
    if refused:
        raise CreditError("；".join(refused), "attachments")
    return checked


def store_attachments(
    actor,
    files,
    uploads: Sequence[tuple[bytes, str | None]],
    checked: list[CheckedFile],
    **owner,
) -> list[CreditAttachment]:
    """Store the checked files through ``files`` (a :class:`portal.storage.FileBatch`) and
    add one attachment row each, owned by ``adjustment=`` or ``appeal=``."""
    if uploads and files is None:
        raise ValueError("storing attachments needs a FileBatch")
    rows = []
    now = utcnow()
    for (data, filename), check in zip(uploads, checked, strict=True):
        stored = files.store(data)
        row = CreditAttachment(
            file_key=stored.key,
            media_type=check.media_type,
            original_name=display_name(
                filename, fallback=f"evidence{check.extension}", kind=check.kind
            ),
            size=check.size,
            uploaded_by_id=getattr(actor, "id", None),
            uploaded_at=now,
            **owner,
        )
        db.session.add(row)
        rows.append(row)
    if rows:
        db.session.flush()
    return rows


# --- Adjustments -----------------------------------------------------------------------


#: Full-width digits, signs and point (U+FF10-FF19, U+FF0B, U+FF0D, U+FF0E) and the minus
#: sign U+2212, as their ASCII forms.
FULL_WIDTH = {
    **{0xFF10 + n: str(n) for n in range(10)},
    0xFF0B: "+",
    0xFF0D: "-",
    0xFF0E: ".",
    0x2212: "-",
}
#: Adjustment points as typed: an optional sign, digits, at most one decimal point.
POINTS_TEXT = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)


def _points(value, base: int) -> Decimal | None:
    """Adjustment points typed by a person: a number, not 0, within ±``base``, with at
    most one decimal."""
    if value is None or value == "":
        return None
    # Full-width digits and signs, as a Chinese input method types them, read as digits;
    # so does the minus sign of a word processor.
    text = str(value).translate(FULL_WIDTH).strip()
    # Written as people write points: digits, a sign, a decimal point. Decimal would also
    # take "1_0" (10), "1e1" (recorded as 1E+1), "inf" and "nan".
    if not POINTS_TEXT.fullmatch(text):
        raise CreditError(_("调整分值须为数字"), "points")
    try:
        points = Decimal(text)
    except InvalidOperation as exc:
        raise CreditError(_("调整分值须为数字"), "points") from exc
    # The range first: rounding a number as large as 1e27 to one decimal would overflow.
    if points == 0 or abs(points) > base:
        raise CreditError(_("调整分值须在 ±%(n)d 分之间且不为0", n=base), "points")
    if points != points.quantize(Decimal("0.1")):
        raise CreditError(_("调整分值最多保留一位小数"), "points")
    return points


def grading_starts(facility: Facility) -> date:
    """The day the facility is first graded (the engine's rule)."""
    return engine_grading_starts(facility.agreement_start, credit_rulebook())


def graded_too_late(facility: Facility, today: date) -> date | None:
    """The day grading starts, when that is after ``today``'s cycle: an adjustment counts
    in the cycle it is approved in, so one approved now would never count."""
    starts = grading_starts(facility)
    return starts if starts > date(today.year, 12, 31) else None


def propose_adjustment(
    actor,
    facility: Facility,
    *,
    points=None,
    grade: str | None = None,
    reason: str,
    evidence="",
    attachments: Sequence[tuple[bytes, str | None]] = (),
    files=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_files: int = MAX_ATTACHMENTS,
    today: date | None = None,
) -> CreditAdjustment:
    """Propose points or a grade (exactly one). It takes effect only once someone else
    approves it. With ``today``, a facility not graded before the cycle ends is refused.

    ``attachments`` are ``(data, filename)`` evidence files, checked by content and stored
    through ``files`` (a :class:`portal.storage.FileBatch`); a refused file raises
    :class:`CreditError` before anything is stored."""
    if today is not None and (starts := graded_too_late(facility, today)):
        raise CreditError(
            _(
                "该机构自 %(d)s 起才参加信用评价；人工调整只计入批准当年的评价周期，"
                "本周期无等级可调整，请待其参加评价后再提出",
                d=starts.isoformat(),
            )
        )
    rb = credit_rulebook()
    points = _points(points, rb.base)
    grade = (grade or "").strip() or None
    if (points is None) == (grade is None):
        raise CreditError(_("请填写调整分值或目标等级（二选一）"), "points")
    if grade is not None and grade not in {b.grade for b in rb.grades}:
        raise CreditError(_("未知的信用等级"), "grade")
    if not has_visible(reason or ""):
        raise CreditError(_("请填写调整理由"))
    # The facility's row is locked: the same proposal sent twice at once (a double click)
    # is made once, the second waiting to find the first below. Approving both would
    # count the adjustment twice.
    lock_row(Facility, facility.id)
    same = db.session.scalar(
        select(CreditAdjustment.id).where(
            CreditAdjustment.facility_id == facility.id,
            CreditAdjustment.status == AdjustmentStatus.PENDING,
            CreditAdjustment.points.is_not_distinct_from(points),
            CreditAdjustment.grade.is_not_distinct_from(grade),
            CreditAdjustment.reason == reason.strip(),
        )
    )
    if same is not None:
        raise CreditError(_("该机构已有相同的待审批调整（#%(n)d），请勿重复提交", n=same))
    checked = check_attachments(
        attachments, max_bytes=max_bytes, max_pages=max_pages, max_files=max_files
    )
    if not checked and not has_visible(evidence or ""):
        # The approver decides on the evidence: a file, or where the paper one is kept.
        raise CreditError(
            _("请上传证明材料文件，或写明证明材料的文书编号、名称及存放位置"), "attachments"
        )
    adjustment = CreditAdjustment(
        facility=facility,
        points=points,
        grade=grade,
        reason=reason.strip(),
        evidence=(evidence or "").strip(),
        status=AdjustmentStatus.PENDING,
        proposed_by_id=actor.id,
    )
    db.session.add(adjustment)
    db.session.flush()
    rows = store_attachments(actor, files, attachments, checked, adjustment=adjustment)
    record_audit(
        actor,
        "credit.adjust_propose",
        "credit_adjustment",
        adjustment.id,
        after=adjustment.audit_summary()
        | {"attachments": [row.audit_summary() for row in rows]}
        | _facility_grade(facility),
        note=adjustment.reason,
    )
    return adjustment


def _facility_grade(facility: Facility) -> dict:
    """The facility's current grade and score, for an audit row."""
    score = facility.credit_score
    return {
        "facility_grade": facility.credit_grade,
        "facility_score": str(score) if score is not None else None,
    }


#: A grade and its score (None for both before the facility is graded).
GradeAndScore = tuple[str | None, Decimal | None]


def grade_when_proposed(adjustment: CreditAdjustment) -> GradeAndScore:
    """The facility's grade and score when ``adjustment`` was proposed (its grade history
    up to then; none before its first computation)."""
    row = db.session.execute(
        select(CreditGrade.grade, CreditGrade.score)
        .where(
            CreditGrade.facility_id == adjustment.facility_id,
            CreditGrade.computed_at <= adjustment.proposed_at,
        )
        .order_by(CreditGrade.computed_at.desc(), CreditGrade.id.desc())
        .limit(1)
    ).first()
    return (row.grade, row.score) if row is not None else (None, None)


def changed_since_proposal(adjustment: CreditAdjustment) -> GradeAndScore | None:
    """The grade and score when ``adjustment`` was proposed, if the facility's are others
    now (the proposal may no longer fit: a lowering to B of a facility at C since is a
    raise); None while they are the same."""
    then = grade_when_proposed(adjustment)
    facility = adjustment.facility
    now = (facility.credit_grade, facility.credit_score)
    return then if then != now else None


def grade_adjustments_in_force(adjustment: CreditAdjustment, cycle: int) -> list[CreditAdjustment]:
    """The facility's other approved grade adjustments of ``cycle``: approving
    ``adjustment`` (a grade) takes their place."""
    return list(
        db.session.scalars(
            select(CreditAdjustment)
            .where(
                CreditAdjustment.facility_id == adjustment.facility_id,
                CreditAdjustment.id != adjustment.id,
                CreditAdjustment.status == AdjustmentStatus.APPROVED,
                CreditAdjustment.grade.is_not(None),
                CreditAdjustment.approved_on >= date(cycle, 1, 1),
                CreditAdjustment.approved_on <= date(cycle, 12, 31),
            )
            .order_by(CreditAdjustment.approved_on, CreditAdjustment.decided_at)
        )
    )


def decide_adjustment(
    actor, adjustment: CreditAdjustment, *, approve: bool, note: str, today: date
) -> None:
    """Approve or reject; the proposer may never decide their own proposal."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(adjustment, with_for_update=True)
    if adjustment.status is not AdjustmentStatus.PENDING:
        raise CreditError(_("该调整已处理"))
    if adjustment.proposed_by_id == actor.id:
        raise CreditError(_("提出人不能审批本人提出的调整，须由另一名审批人决定"))
    if not has_visible(note or ""):
        raise CreditError(_("请填写审批意见"))
    if approve and (starts := graded_too_late(adjustment.facility, today)):
        raise CreditError(
            _(
                "该机构自 %(d)s 起才参加信用评价；人工调整只计入批准当年的评价周期，"
                "现在批准不会生效，请驳回，待其参加评价后重新提出",
                d=starts.isoformat(),
            )
        )
    before = adjustment.audit_summary() | _facility_grade(adjustment.facility)
    adjustment.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    adjustment.decided_by_id = actor.id
    adjustment.decided_at = utcnow()
    adjustment.decision_note = note.strip()
    if approve:
        adjustment.approved_on = today
    db.session.flush()
    if approve:
        # The trigger names the adjustment, so the history can show who proposed it.
        recompute_grade(
            adjustment.facility, f"{APPROVE_TRIGGER}:{adjustment.id}", today=today, actor=actor
        )
    record_audit(
        actor,
        "credit.adjust_approve" if approve else "credit.adjust_reject",
        "credit_adjustment",
        adjustment.id,
        before=before,
        after=adjustment.audit_summary() | _facility_grade(adjustment.facility),
        note=note.strip(),
    )


def manual_recompute(actor, facility: Facility, today: date):
    """Recompute on request (e.g. after a rulebook change), recorded in the audit log."""
    row = recompute_grade(facility, "manual", today=today, actor=actor)
    record_audit(
        actor,
        "credit.recompute",
        "facility",
        facility.id,
        after={"grade": row.grade, "score": str(row.score) if row.score is not None else None},
    )
    return row
