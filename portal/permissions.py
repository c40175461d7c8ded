"""Who may do what. Blueprints check roles in ``before_request``; loaders check objects."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from portal.models.enums import BUREAU_ROLES, Role

R = Role
PERMISSIONS: dict[str, frozenset[Role]] = {
    # Read the facility and staff registry.
    "registry.view": BUREAU_ROLES,
    # Create and edit facilities and staff.
    "registry.edit": frozenset({R.ADMIN, R.INSPECTOR, R.CREDIT_OFFICER}),
    # Bulk imports replace many records at once.
    "registry.import": frozenset({R.ADMIN}),
    # See an ID number in full (each reveal is audited).
    "identity.reveal": frozenset({R.ADMIN, R.INSPECTOR}),
    "users.manage": frozenset({R.ADMIN}),
    # Record staff points, restorations and appeals received on paper.
    "points.record": frozenset({R.ADMIN, R.INSPECTOR, R.CREDIT_OFFICER}),
    # Decide appeals and revoke points (never one's own record).
    "points.decide": frozenset({R.ADMIN, R.APPROVER, R.CREDIT_OFFICER}),
    "audit.view": frozenset({R.ADMIN, R.AUDITOR}),
    # Pledges: campaigns, compliance, any facility's pledge and scans (public data anyway).
    "pledges.view": BUREAU_ROLES,
    # Open pledge campaigns, add newly eligible facilities, send reminders.
    "pledges.manage": frozenset({R.ADMIN, R.CREDIT_OFFICER}),
    # Issue a new version of a pledge template.
    "pledges.templates": frozenset({R.ADMIN}),
    # Verify or reject signed pledge scans.
    "pledges.review": frozenset({R.ADMIN, R.CREDIT_OFFICER, R.APPROVER, R.INSPECTOR}),
    # Record at an inspection whether the pledge is posted.
    "pledges.posting": frozenset({R.ADMIN, R.INSPECTOR}),
    # Record inspections and findings, confirm findings.
    "inspections.record": frozenset({R.ADMIN, R.INSPECTOR}),
    # Revoke a confirmed finding (never one's own confirmation).
    "findings.revoke": frozenset({R.ADMIN, R.APPROVER, R.CREDIT_OFFICER}),
    # Propose a manual credit adjustment.
    "credit.propose": frozenset({R.ADMIN, R.CREDIT_OFFICER}),
    # Approve or reject an adjustment (never one's own proposal).
    "credit.approve": frozenset({R.ADMIN, R.APPROVER}),
    # Decide facilities' objections and credit-repair applications.
    "credit.decide": frozenset({R.ADMIN, R.APPROVER, R.CREDIT_OFFICER}),
}


def can(permission: str, user=None) -> bool:
    user = user if user is not None else current_user
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def ensure(permission: str) -> None:
    """Inside a view: 403 unless the current user holds ``permission``."""
    if not can(permission):
        abort(403, _("您的角色无权执行此操作。"))


def require(permission: str):
    """View decorator: 403 unless the current user holds ``permission``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            ensure(permission)
            return view(*args, **kwargs)

        return wrapped

    return decorator
