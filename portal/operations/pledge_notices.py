"""Reminders and notices to facilities about their pledges, and emailing them.

Notices are rows first (the facility always sees them in its area); email is a second step
after the commit, so a mail server that is down never loses or blocks a notice.
"""

from __future__ import annotations

from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.extensions import db
from portal.models.facility import Facility
from portal.models.pledge_extras import PledgeContact, PledgeReminder
from portal.models.pledges import Pledge, PledgeCampaign, ReminderKind
from portal.operations.audit import record_audit
from portal.operations.locks import lock_row
from portal.operations.pledges import PledgeError
from portal.pledge_queries import OUTSTANDING


def default_reminder(campaign: PledgeCampaign, today: date) -> str:
    deadline = f"{campaign.deadline.year}年{campaign.deadline.month}月{campaign.deadline.day}日"
    if today > campaign.deadline:
        return _(
            "“%(title)s”已于%(deadline)s截止，您单位尚未提交经核验的承诺书，"
            "请立即下载、签字盖章并上传扫描件，原件报送所在县（市、区）医保部门备案。",
            title=campaign.title,
            deadline=deadline,
        )
    return _(
        "请于%(deadline)s前完成“%(title)s”：下载承诺书，由法定代表人或主要负责人签字并加盖公章，"
        "上传扫描件，并将原件报送所在县（市、区）医保部门备案、按60cm×80cm规格张贴。",
        title=campaign.title,
        deadline=deadline,
    )


#: The same reminder text sent again to a campaign within this time is taken for the
#: first sent twice (a double click), not a new reminder.
RESEND_AFTER = timedelta(minutes=10)


def send_campaign_reminders(
    actor, campaign: PledgeCampaign, message: str, today: date
) -> list[PledgeReminder]:
    """A reminder to every facility of the campaign that has not filed (not downloaded,
    downloaded, or rejected); pledges awaiting review or verified are left alone."""
    text = (message or "").strip()[:2000] or default_reminder(campaign, today)
    # The campaign's row is locked: the same reminder sent twice (a double click, the
    # page sent again) goes out once, the second waiting to find the first below.
    lock_row(PledgeCampaign, campaign.id)
    now = utcnow()
    # Those who got this very text a moment ago (the same click sent twice) are not sent
    # it again; those added since, or not reminded yet, are.
    just_reminded = (
        select(PledgeReminder.pledge_id)
        .join(Pledge)
        .where(
            Pledge.campaign_id == campaign.id,
            PledgeReminder.kind == ReminderKind.REMINDER,
            PledgeReminder.message == text,
            PledgeReminder.created_at > now - RESEND_AFTER,
        )
    )
    outstanding = select(Pledge).where(
        Pledge.campaign_id == campaign.id, Pledge.status.in_(OUTSTANDING)
    )
    pledges = db.session.scalars(outstanding.where(Pledge.id.not_in(just_reminded))).all()
    if not pledges:
        if db.session.scalar(outstanding.limit(1)) is None:
            raise PledgeError(_("该活动中没有需要提醒的机构（均已上传或已核验）。"))
        raise PledgeError(
            _(
                "相同内容的提醒刚刚已发送（%(minutes)d分钟内），请勿重复发送。",
                minutes=RESEND_AFTER.seconds // 60,
            )
        )
    reminders = [
        PledgeReminder(
            pledge_id=p.id,
            kind=ReminderKind.REMINDER,
            message=text,
            created_by_id=getattr(actor, "id", None),
            created_at=now,
            emailed_to="",
            email_error="",
        )
        for p in pledges
    ]
    db.session.add_all(reminders)
    db.session.flush()
    record_audit(
        actor,
        "pledge_campaign.remind",
        "pledge_campaign",
        campaign.id,
        after={"reminders": len(reminders)},
        note=text[:200],
    )
    return reminders


def set_contact_email(actor, facility: Facility, email: str) -> PledgeContact | None:
    """Set (or with an empty ``email``, remove) where the facility's notices are emailed."""
    email = (email or "").strip()
    contact = db.session.get(PledgeContact, facility.id)
    before = {"email": contact.email if contact else None}
    if not email:
        if contact is not None:
            db.session.delete(contact)
            db.session.flush()
            record_audit(
                actor,
                "pledge.contact",
                "facility",
                facility.id,
                before=before,
                after={"email": None},
            )
        return None
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise PledgeError({"email": _("邮箱地址格式不正确")}) from exc
    if contact is None:
        contact = PledgeContact(facility_id=facility.id, email=email)
        db.session.add(contact)
    contact.email = email
    contact.updated_by_id = getattr(actor, "id", None)
    contact.updated_at = utcnow()
    db.session.flush()
    if before["email"] != email:
        record_audit(
            actor, "pledge.contact", "facility", facility.id, before=before, after={"email": email}
        )
    return contact


def deliver_reminders(reminder_ids: list[int]) -> tuple[int, int]:
    """Email the given notices to their facilities' contact addresses, after they are
    committed; record the outcome on each (flushed: the caller commits). Returns
    (sent, failed). Without ``MAIL_SERVER`` nothing is sent and (0, 0) is returned."""
    from portal.mailer import build_message, mail_configured, send_messages

    if not mail_configured() or not reminder_ids:
        return 0, 0
    rows = db.session.scalars(
        select(PledgeReminder)
        .options(joinedload(PledgeReminder.pledge).joinedload(Pledge.facility))
        .where(PledgeReminder.id.in_(reminder_ids), PledgeReminder.emailed_at.is_(None))
    ).all()
    contacts = {
        c.facility_id: c.email
        for c in db.session.scalars(
            select(PledgeContact).where(
                PledgeContact.facility_id.in_({r.pledge.facility_id for r in rows})
            )
        )
    }
    outgoing = [
        (r, contacts[r.pledge.facility_id]) for r in rows if r.pledge.facility_id in contacts
    ]
    if not outgoing:
        return 0, 0
    messages = [
        build_message(
            to,
            _(
                "【%(bureau)s】%(kind)s：%(title)s",
                bureau=current_app.config.get("BUREAU_NAME") or "",
                kind=r.kind.label,
                title=r.pledge.campaign.title,
            ),
            f"{r.pledge.facility.name}：\n\n{r.message}\n\n"
            + _("文书编号：%(no)s", no=r.pledge.document_number),
        )
        for r, to in outgoing
    ]
    # The notices are committed already (see above): ending the read here holds no lock
    # (SQLite's write lock) while the mail server answers.
    db.session.commit()
    try:
        failures = send_messages(messages)
    except Exception as exc:  # the server is unreachable: every message failed
        current_app.logger.warning("pledge reminders not emailed: %s", exc)
        failures = dict.fromkeys(range(len(messages)), str(exc)[:200] or type(exc).__name__)
    now = utcnow()
    for index, (reminder, to) in enumerate(outgoing):
        reminder.emailed_to = to
        if index in failures:
            reminder.email_error = failures[index]
        else:
            reminder.emailed_at = now
    db.session.flush()
    return len(outgoing) - len(failures), len(failures)
