"""JSON API, version 1. Public reads need no token; staff data needs a bearer token."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__)
# The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
csrf.exempt(bp)

from portal.api import openapi, pledges, views, views_credit, views_inspections  # noqa: E402, F401
