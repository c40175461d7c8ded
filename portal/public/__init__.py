from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import views, views_pledges  # noqa: E402, F401
