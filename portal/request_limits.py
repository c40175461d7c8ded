"""How many bytes a request may carry, per view.

Every request may carry ``MAX_CONTENT_LENGTH`` (one scan or photo plus the form); a view
marked with :func:`request_limit` takes the limit named by its config key instead, e.g.
``CREDIT_REQUEST_MAX_BYTES`` for a form with several evidence files. The limits are derived
from the file limits in :mod:`portal.config`.

The limit must be known before the body is read, and the CSRF check reads the form before
the view runs, so it cannot be set inside the view: :class:`PortalRequest` looks it up from
the endpoint, which is matched before any hook runs.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Request

#: Attribute of a view function naming the config key of its request limit.
LIMIT_ATTRIBUTE = "request_limit_key"


def request_limit(config_key: str):
    """View decorator: requests to this view may carry ``config[config_key]`` bytes."""

    def decorator(view):
        setattr(view, LIMIT_ATTRIBUTE, config_key)
        return view

    return decorator


def view_limit_key(endpoint: str | None) -> str | None:
    """The config key of the request limit of ``endpoint``'s view, if it names one."""
    if not endpoint:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, LIMIT_ATTRIBUTE, None)


def limit_for(endpoint: str | None = None) -> int | None:
    """The bytes a request to ``endpoint`` (by default the current request's) may carry: for
    upload forms to tell the browser (``data-request-limit``), which refuses a larger file
    before sending the form."""
    key = view_limit_key(endpoint or request.endpoint)
    return current_app.config[key if key else "MAX_CONTENT_LENGTH"]


class PortalRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        """A limit set on this request, else its view's, else ``MAX_CONTENT_LENGTH``."""
        if self._max_content_length is None and current_app:
            key = view_limit_key(self.endpoint)
            if key:
                return current_app.config[key]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def init_request_limits(app: Flask) -> None:
    app.request_class = PortalRequest
    app.add_template_global(limit_for, "request_limit_for")
