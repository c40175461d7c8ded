"""Recording the decision on a facility's request (an objection to points or to a grade, a
credit repair application): the outcome, who decided, when, and the reason the facility is
told, audited with that reason. The checks before it and the consequences after it are
each operation's own."""

from __future__ import annotations

from portal.database import utcnow
from portal.extensions import db
from portal.operations.audit import record_audit


def record_decision(actor, request, status, reason: str, action: str, **after) -> None:
    """Set ``request``'s ``status``, decider, time and reason (trimmed), flush, and audit
    it under ``action`` with the status before and after (and ``after``'s fields) and the
    reason as note."""
    before = {"status": request.status.value}
    request.status = status
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_reason = reason.strip()
    db.session.flush()
    record_audit(
        actor,
        action,
        request.__tablename__,
        request.id,
        before=before,
        after={"status": status.value} | after,
        note=reason.strip(),
    )
