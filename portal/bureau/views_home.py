from flask import current_app, render_template, request
from sqlalchemy import or_, select

from portal.audit_display import (
    action_choices,
    actor_text,
    describe,
    matching_actions,
    referenced_names,
)
from portal.audit_labels import ACTION_LABELS, SYSTEM_ACTOR
from portal.bureau import bp
from portal.extensions import db
from portal.models.audit import AuditLog
from portal.models.user import User
from portal.permissions import require
from portal.queries import registry_counts


@bp.route("/")
def home():
    return render_template("bureau/home.html", counts=registry_counts())


@bp.route("/audit")
@require("audit.view")
def audit():
    """The audit trail in Chinese. ``action`` takes an action's Chinese name (or part of it,
    or of its group's name) or a code prefix; ``code`` (the grouped select) an exact code
    or a group's prefix. Display only: stored rows are never rewritten."""
    stmt = select(AuditLog)
    action = request.args.get("action", "").strip()
    code = request.args.get("code", "").strip()
    actor = request.args.get("actor", "").strip()
    if action:
        stmt = stmt.where(
            or_(
                AuditLog.action.startswith(action, autoescape=True),
                AuditLog.action.in_(matching_actions(action)),
            )
        )
    if code in ACTION_LABELS:
        stmt = stmt.where(AuditLog.action == code)
    elif code:
        stmt = stmt.where(AuditLog.action.startswith(code, autoescape=True))
    if actor:
        names = {actor, SYSTEM_ACTOR} if actor == actor_text(SYSTEM_ACTOR) else {actor}
        # The list shows people by name: a name typed finds its accounts' rows too.
        names |= set(db.session.scalars(select(User.username).where(User.display_name == actor)))
        stmt = stmt.where(AuditLog.actor_name.in_(names))
    page = db.paginate(
        stmt.order_by(AuditLog.seq.desc()),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    names = referenced_names(page.items)
    return render_template(
        "bureau/audit.html",
        page=page,
        entries=[describe(row, names) for row in page.items],
        action_choices=action_choices(),
        action_labels=[str(label) for label in ACTION_LABELS.values()],
    )
