"""Writes of the pledge workflow: downloads, uploads and review decisions (templates and
campaigns are in ``pledge_campaigns``); and the pledge facts the credit engine reads.

Every function takes the acting user, flushes but never commits, and writes an audit row.
Files are stored through a ``portal.storage.FileBatch`` so the caller's
``commit_with_files`` removes them again if the transaction fails.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pledges.uploads import UploadRejected, check_upload, display_name
from portal.database import utcnow
from portal.extensions import db
from portal.models.pledge_extras import PledgePostingCheck, PledgeReminder
from portal.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeDecision,
    PledgeOutcome,
    PledgeStatus,
    PledgeUpload,
    ReminderKind,
)
from portal.operations.audit import record_audit
from portal.operations.bulk import id_filters, in_filters, run_core
from portal.operations.locks import lock_row
from portal.pledge_queries import china_date, end_of_day
from portal.pledge_text import rejection_notice, upload_message
from portal.validators import has_visible
from portal.web import china_time, china_today
from scoring.credit import PledgeFact


class PledgeError(ValueError):
    """A refused pledge action. ``errors`` maps form fields to Chinese messages."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors = errors
        super().__init__("；".join(errors.values()))

    def __str__(self) -> str:
        return "；".join(self.errors.values())


def _lock(pledge: Pledge) -> None:
    """Re-read the pledge under a row lock (PostgreSQL; SQLite serialises writers), so two
    uploads or two reviewers at once act one after the other on its current state."""
    lock_row(Pledge, pledge.id)
    # The whole pledge, read again after the lock (a refresh FOR UPDATE of its own would
    # lock the outer joins some loads of it carry, which PostgreSQL refuses).
    db.session.refresh(pledge)


# --- Facility actions -----------------------------------------------------------------------


def mark_downloaded(actor, pledge: Pledge) -> bool:
    """Record the facility's first download; True when this was it. Two first downloads
    at once record one: the second waits for the pledge's row, then finds it recorded."""
    _lock(pledge)
    if pledge.first_downloaded_at is not None:
        return False
    before = pledge.audit_summary()
    pledge.first_downloaded_at = utcnow()
    pledge.first_downloaded_by_id = getattr(actor, "id", None)
    if pledge.status is PledgeStatus.NOT_DOWNLOADED:
        pledge.status = PledgeStatus.DOWNLOADED
    db.session.flush()
    record_audit(
        actor, "pledge.download", "pledge", pledge.id, before=before, after=pledge.audit_summary()
    )
    return True


def record_upload(
    actor,
    pledge: Pledge,
    data: bytes,
    filename: str | None,
    files,
    *,
    max_bytes: int,
    max_pages: int,
    today: date,
) -> PledgeUpload:
    """Check ``data`` by content, store it and add it as the pledge's next version.

    Raises :class:`PledgeError` (nothing stored) for a refused file or a verified pledge,
    and :class:`SameScan` (nothing stored either) for the same bytes as a version already
    uploaded: see :func:`same_scan`.
    """
    _lock(pledge)
    if pledge.status is PledgeStatus.VERIFIED:
        raise PledgeError(_("承诺书已核验通过，无需再次上传。"))
    try:
        checked = check_upload(data, filename, max_bytes=max_bytes, max_pages=max_pages)
    except UploadRejected as exc:
        raise PledgeError({"file": upload_message(exc)}) from exc
    # Read, not through ``pledge.uploads``: loaded here, that list would miss the version
    # added below.
    latest = db.session.scalar(
        select(PledgeUpload)
        .where(PledgeUpload.pledge_id == pledge.id)
        .order_by(PledgeUpload.version.desc())
        .limit(1)
    )
    # Compared before anything is stored: a refused file leaves nothing behind.
    same_scan(pledge, latest, checked.sha256)
    # Files are stored by content (the SHA-256 is the key): the same file is stored once.
    stored = files.store(data)
    before = pledge.audit_summary()
    version = (latest.version if latest is not None else 0) + 1
    now = utcnow()
    upload = PledgeUpload(
        pledge_id=pledge.id,
        version=version,
        file_key=stored.key,
        size=checked.size,
        media_type=checked.media_type,
        page_count=checked.pages,
        original_name=display_name(
            filename, fallback=f"scan{checked.extension}", kind=checked.kind
        ),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=now,
        late=today > pledge.campaign.deadline,
    )
    db.session.add(upload)
    pledge.status = PledgeStatus.UPLOADED
    pledge.upload_count = version
    pledge.last_uploaded_at = now
    pledge.rejection_reason = ""
    db.session.flush()
    record_audit(
        actor,
        "pledge.upload",
        "pledge",
        pledge.id,
        before=before,
        after=pledge.audit_summary() | {"upload": upload.audit_summary()},
    )
    return upload


class SameScan(PledgeError):
    """An upload with the same content as a version already uploaded: nothing changes."""


def same_scan(pledge: Pledge, latest: PledgeUpload | None, sha256: str) -> None:
    """Raise :class:`SameScan` when ``sha256`` is the content of the pledge's ``latest``
    version, whatever its state (a double click, the same file sent again to be sure or
    after a rejection), or of an earlier version the bureau rejected. An earlier version
    replaced before anyone reviewed it may be sent again: it becomes the latest, as a
    facility that uploaded the wrong file by mistake needs."""
    if latest is None:
        return
    if latest.file_key == sha256:
        same = latest
    else:
        same = db.session.scalar(
            select(PledgeUpload)
            .join(PledgeDecision, PledgeDecision.upload_id == PledgeUpload.id)
            .where(
                PledgeUpload.pledge_id == pledge.id,
                PledgeUpload.file_key == sha256,
                PledgeDecision.outcome == PledgeOutcome.REJECTED,
            )
            .order_by(PledgeUpload.version.desc())
            .limit(1)
        )
        if same is None:
            return
    raise SameScan({"file": same_scan_message(same, latest=same is latest)})


def same_scan_message(same: PledgeUpload, *, latest: bool) -> str:
    when = china_time(same.uploaded_at)
    if latest and same.pledge.status is PledgeStatus.UPLOADED:
        return _(
            "该文件与 %(t)s 上传的第 %(v)d 版扫描件（最新一版）内容完全相同，本次未保存，"
            "未作任何更改。第 %(v)d 版正在等待医保局核验，无需重复上传。",
            t=when,
            v=same.version,
        )
    return _(
        "该文件与 %(t)s 上传的第 %(v)d 版扫描件（%(which)s）内容完全相同，本次未保存，"
        "未作任何更改。第 %(v)d 版已被医保局退回，请按退回理由重新签字盖章、扫描后上传。",
        t=when,
        v=same.version,
        which=_("最新一版") if latest else _("此前一版"),
    )


# --- Review ---------------------------------------------------------------------------------


def decide_pledge(
    actor, pledge: Pledge, *, verify: bool, reason: str, shown_version: int | None = None
) -> tuple[PledgeDecision, PledgeReminder]:
    """Verify the latest scan, or reject it with a reason; returns the decision and the
    notice to the facility (to email after the commit). ``shown_version`` is the version
    the reviewer was shown: a newer one uploaded meanwhile is refused, not decided unseen."""
    _lock(pledge)
    upload = pledge.latest_upload
    if pledge.status is not PledgeStatus.UPLOADED or upload is None:
        raise PledgeError(_("该承诺书当前没有待审核的扫描件。"))
    if shown_version is not None and shown_version != upload.version:
        if shown_version < 1:  # a form that did not say which version it showed
            raise PledgeError(
                _("未能确认审核的是哪一版扫描件，本次审核未保存：请刷新页面后再审核。")
            )
        raise PledgeError(
            _(
                "机构已上传新的扫描件（第%(v)d版），本次审核未保存：请查看新扫描件后再审核。",
                v=upload.version,
            )
        )
    reason = (reason or "").strip()
    if not verify and not has_visible(reason):
        raise PledgeError({"reason": _("退回时必须填写理由，机构将看到该理由")})
    before = pledge.audit_summary()
    now = utcnow()
    decision = PledgeDecision(
        pledge_id=pledge.id,
        upload_id=upload.id,
        outcome=PledgeOutcome.VERIFIED if verify else PledgeOutcome.REJECTED,
        reason=reason[:2000],
        decided_by_id=getattr(actor, "id", None),
        decided_at=now,
    )
    db.session.add(decision)
    pledge.reviewed_at = now
    pledge.reviewed_by_id = getattr(actor, "id", None)
    if verify:
        pledge.status = PledgeStatus.VERIFIED
        pledge.verified_at = now
        pledge.verified_upload_version = upload.version
        message = _("您单位提交的承诺书扫描件（第%(v)d版）已核验通过。", v=upload.version)
    else:
        pledge.status = PledgeStatus.REJECTED
        pledge.rejection_reason = decision.reason
        message = rejection_notice(upload.version, decision.reason)
    notice = PledgeReminder(
        pledge_id=pledge.id,
        kind=ReminderKind.VERIFIED if verify else ReminderKind.REJECTED,
        message=message,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        emailed_to="",
        email_error="",
    )
    db.session.add(notice)
    db.session.flush()
    record_audit(
        actor,
        "pledge.verify" if verify else "pledge.reject",
        "pledge",
        pledge.id,
        before=before,
        after=pledge.audit_summary(),
        note=decision.reason[:200],
    )
    # A verified filing can lift a "not filed" deduction: keep the grade in step.
    from portal.operations.credit import recompute_grade

    recompute_grade(
        pledge.facility,
        "pledge.verify" if verify else "pledge.reject",
        today=china_today(),
        actor=actor,
    )
    return decision, notice


# --- Facts for the credit engine --------------------------------------------------------------


def pledge_credit_facts(facility_id: int, as_of: date) -> list[PledgeFact]:
    """The facility's pledge failings known on ``as_of`` (China date), oldest first.

    - ``not_filed`` (source: the pledge, on: the deadline): a campaign's deadline has passed
      before ``as_of`` and no scan uploaded by the deadline had been verified by ``as_of``
      (a late filing, or one still awaiting review, does not count as filed);
    - ``not_posted`` (source: the posting check, on: its date): an inspection found the
      pledge not posted.
    """
    return pledge_credit_facts_many([facility_id], as_of).get(facility_id, [])


def pledge_credit_facts_many(facility_ids, as_of: date) -> dict[int, list[PledgeFact]]:
    """``pledge_credit_facts`` for many facilities with a few Core queries (batch
    recompute)."""
    ids = list(facility_ids)
    wanted = set(ids)
    facts: dict[int, list[PledgeFact]] = defaultdict(list)
    if not ids:
        return facts
    db.session.flush()
    due = []
    for where in id_filters(Pledge.facility_id, ids):
        due += [
            row
            for row in run_core(
                select(Pledge.id, Pledge.facility_id, PledgeCampaign.deadline)
                .join(Pledge.campaign)
                .where(where, PledgeCampaign.deadline < as_of)
            )
            if row[1] in wanted
        ]
    filed: set[int] = set()
    if due:
        deadlines = {pledge_id: deadline for pledge_id, _f, deadline in due}
        for where in in_filters(PledgeDecision.pledge_id, list(deadlines)):
            filed.update(
                pledge_id
                for pledge_id, uploaded_at in run_core(
                    select(PledgeDecision.pledge_id, PledgeUpload.uploaded_at)
                    .join(PledgeUpload, PledgeDecision.upload_id == PledgeUpload.id)
                    .where(
                        where,
                        PledgeDecision.outcome == PledgeOutcome.VERIFIED,
                        PledgeDecision.decided_at < end_of_day(as_of),
                    )
                )
                if uploaded_at < end_of_day(deadlines[pledge_id])
            )
    for pledge_id, facility_id, deadline in due:
        if pledge_id not in filed:
            facts[facility_id].append(PledgeFact(id=pledge_id, kind="not_filed", on=deadline))
    for where in id_filters(PledgePostingCheck.facility_id, ids):
        for check_id, facility_id, on in run_core(
            select(
                PledgePostingCheck.id, PledgePostingCheck.facility_id, PledgePostingCheck.checked_on
            ).where(
                where,
                PledgePostingCheck.posted.is_(False),
                PledgePostingCheck.checked_on <= as_of,
            )
        ):
            if facility_id in wanted:
                facts[facility_id].append(
                    PledgeFact(id=check_id, kind="not_posted", on=on, source="posting_check")
                )
    for items in facts.values():
        items.sort(key=lambda f: (f.on, f.kind, f.id))
    return facts


def latest_pledge_signed_on(facility_id: int, as_of: date) -> date | None:
    """China date of the facility's latest verified scan upload known on ``as_of`` (credit
    repair asks for a pledge signed after the last finding)."""
    # ORDER BY ... LIMIT 1 rather than max(): the value keeps the column's UTC type.
    uploaded = db.session.scalar(
        select(PledgeUpload.uploaded_at)
        .join(PledgeDecision, PledgeDecision.upload_id == PledgeUpload.id)
        .join(Pledge, Pledge.id == PledgeDecision.pledge_id)
        .where(
            Pledge.facility_id == facility_id,
            PledgeDecision.outcome == PledgeOutcome.VERIFIED,
            PledgeDecision.decided_at < end_of_day(as_of),
        )
        .order_by(PledgeUpload.uploaded_at.desc())
        .limit(1)
    )
    return china_date(uploaded) if uploaded is not None else None
