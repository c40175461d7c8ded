"""Object loaders for the bureau area: 404 when the object does not exist."""

from flask import abort

from portal.extensions import db
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.models.user import User


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_facility_or_404(facility_id: int) -> Facility:
    return get_or_404(Facility, facility_id)


def get_staff_or_404(staff_id: int) -> StaffMember:
    return get_or_404(StaffMember, staff_id)


def get_user_or_404(user_id: int) -> User:
    return get_or_404(User, user_id)
