"""Decision deadlines that waited for the calendar.

An objection or a credit-repair application filed while the official calendar lacked a
year its working-day period reaches into is stored without a deadline ("待日历更新").
Once the calendar file has that year, ``fill_missing_deadlines`` works them out from the
filing date, as at filing, and records each in the audit trail.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditRepair, RepairStatus
from portal.operations.audit import record_audit
from portal.operations.credit_workflow import working_deadline
from portal.rules import credit_rulebook


def _waiting():
    """(model, audit action, working days, condition) of each kind of request whose
    deadline may be waiting: pending ones without a deadline (a decided request needs none
    any more)."""
    rb = credit_rulebook()
    return (
        (
            CreditAppeal,
            "credit.appeal_deadline",
            rb.appeal_working_days,
            (CreditAppeal.deadline.is_(None), CreditAppeal.status == CreditAppealStatus.PENDING),
        ),
        (
            CreditRepair,
            "credit.repair_deadline",
            rb.repair_decision_working_days,
            (CreditRepair.deadline.is_(None), CreditRepair.status == RepairStatus.PENDING),
        ),
    )


def missing_deadlines() -> dict[str, int]:
    """How many pending requests of each kind (table name) still have no deadline."""
    return {
        model.__tablename__: db.session.scalar(
            select(func.count()).select_from(model).where(*where)
        )
        for model, _action, _days, where in _waiting()
    }


def fill_missing_deadlines() -> tuple[int, int]:
    """Give every pending request without a deadline the one the calendar now allows;
    returns (filled, still missing). Flushes, never commits."""
    filled = missing = 0
    for model, action, days, where in _waiting():
        rows = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
        for row in rows:
            deadline = working_deadline(row.filed_on, days)
            if deadline is None:
                missing += 1
                continue
            row.deadline = deadline
            record_audit(
                None,
                action,
                model.__tablename__,
                row.id,
                before={"deadline": None},
                after={"deadline": deadline.isoformat()},
                note="工作日历更新后补定期限",
            )
            filled += 1
    db.session.flush()
    return filled, missing
