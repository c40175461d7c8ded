"""JSON API, version 1. Public reads need no token; staff data needs a bearer token."""

from flask import Blueprint

from portal.extensions import csrf


class ApiBlueprint(Blueprint):
    """Routes whose URLs are taken as written. Werkzeug otherwise answers a doubled slash
    with a 308 redirect (an HTML body) to the URL without it, which for an empty path
    parameter is another resource: /facilities//credit led to the facility "credit"."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        options.setdefault("merge_slashes", False)
        super().add_url_rule(rule, endpoint, view_func, **options)


bp = ApiBlueprint("api", __name__)
# The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
csrf.exempt(bp)

from portal.api import (  # noqa: E402, F401
    openapi,
    pledges,
    views,
    views_credit,
    views_inspection_changes,
    views_inspections,
)
