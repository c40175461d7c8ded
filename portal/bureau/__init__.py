"""The bureau area: staff of the medical security bureau."""

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

bp = Blueprint("bureau", __name__)


@bp.before_request
def _bureau_staff_only():
    if not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()
    if not current_user.is_bureau:
        abort(403, _("此区域仅供医保局工作人员使用。"))
    return None


from portal.bureau import (  # noqa: E402, F401
    views_credit,
    views_credit_queue,
    views_facilities,
    views_findings,
    views_home,
    views_import,
    views_inspections,
    views_penalty,
    views_pledge_review,
    views_pledge_templates,
    views_pledges,
    views_points,
    views_staff,
    views_users,
)
