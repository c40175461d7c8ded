from flask import current_app, render_template, request
from sqlalchemy import select

from portal.bureau import bp
from portal.extensions import db
from portal.models.audit import AuditLog
from portal.permissions import require
from portal.queries import registry_counts


@bp.route("/")
def home():
    return render_template("bureau/home.html", counts=registry_counts())


@bp.route("/audit")
@require("audit.view")
def audit():
    stmt = select(AuditLog)
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip()
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditLog.actor_name == actor)
    page = db.paginate(
        stmt.order_by(AuditLog.seq.desc()),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    return render_template("bureau/audit.html", page=page)
