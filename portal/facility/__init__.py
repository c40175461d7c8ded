"""The facility area: a facility user sees and acts for their own facility only."""

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from portal.models.enums import Role

bp = Blueprint("facility", __name__)


@bp.before_request
def _facility_users_only():
    if not current_user.is_authenticated:
        from portal.extensions import login_manager

        return login_manager.unauthorized()
    if current_user.role is not Role.FACILITY or current_user.facility_id is None:
        abort(403, _("此区域仅供定点医药机构用户使用。"))
    return None


from portal.facility import views, views_credit, views_pledges  # noqa: E402, F401
