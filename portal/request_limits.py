"""How many bytes a request may carry, per view, and what an upload form tells its users.

Every request may carry ``MAX_CONTENT_LENGTH`` (one scan or photo plus the form); a view
marked with :func:`accepts_files` names the config key of the limit on each file its form
states, and may take a request limit of its own instead, e.g. ``CREDIT_REQUEST_MAX_BYTES``
for a form with several evidence files. The request limits are derived from the file
limits in :mod:`portal.config` (each file at its limit plus a margin for the other fields).

What the user is told is the file limit (the form's hint, the browser's check, the 413
page); a form taking several files also names their total (:func:`files_total`: the
request limit without the margin for the other fields).

The limit must be known before the body is read, and the CSRF check reads the form before
the view runs, so it cannot be set inside the view: :class:`PortalRequest` looks it up from
the endpoint, which is matched before any hook runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask.wrappers import Request

#: Attribute of a view function holding its :class:`FileLimits`.
LIMIT_ATTRIBUTE = "file_limits"


@dataclass(frozen=True)
class FileLimits:
    """Config keys of a view's upload limits."""

    #: Bytes each file may have, as the form states it.
    file_key: str
    #: Bytes the whole request may carry (None: ``MAX_CONTENT_LENGTH``).
    request_key: str | None = None
    #: The form takes several files, as many as this key says: their total is held to the
    #: request limit (None: the form takes one file).
    count_key: str | None = None

    @property
    def several(self) -> bool:
        return self.count_key is not None


@dataclass(frozen=True)
class UploadLimits:
    """A form's limits in bytes: each file's, and the total of its files where the form
    takes several (None otherwise)."""

    file: int
    total: int | None


def accepts_files(file_key: str, *, request_key: str | None = None, count_key: str | None = None):
    """View decorator: the view's form takes files of ``config[file_key]`` bytes at most (one,
    or up to ``config[count_key]``); requests to it may carry ``config[request_key]`` bytes if
    given."""

    def decorator(view):
        setattr(view, LIMIT_ATTRIBUTE, FileLimits(file_key, request_key, count_key))
        return view

    return decorator


def view_limits(endpoint: str | None) -> FileLimits | None:
    """The upload limits ``endpoint``'s view declares, if it takes files."""
    if not endpoint:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, LIMIT_ATTRIBUTE, None)


def request_limit_of(limits: FileLimits | None) -> int | None:
    """The bytes a request to a view with ``limits`` may carry."""
    key = limits.request_key if limits is not None else None
    return current_app.config[key or "MAX_CONTENT_LENGTH"]


def upload_limits_for(endpoint: str | None = None) -> UploadLimits:
    """The limits an upload form posting to ``endpoint`` (by default the current request's)
    states, for the browser (``data-file-limit``, ``data-request-limit``), which refuses a
    file over them before sending the form. A view that does not declare its limits with
    :func:`accepts_files` is an error: its 413 page would not name them."""
    endpoint = endpoint or request.endpoint
    limits = view_limits(endpoint)
    if limits is None:
        raise LookupError(f"{endpoint} takes files but does not declare its limits")
    return UploadLimits(current_app.config[limits.file_key], files_total(limits))


def files_total(limits: FileLimits) -> int | None:
    """The bytes a form taking several files may send in files, None for a form of one
    file: the request limit, but no more than all its files at their limit (the margin the
    request limit keeps for the other fields is not the user's to fill)."""
    if limits.count_key is None:
        return None
    config = current_app.config
    return min(request_limit_of(limits), config[limits.count_key] * config[limits.file_key])


class PortalRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        """A limit set on this request, else its view's, else ``MAX_CONTENT_LENGTH``."""
        if self._max_content_length is None and current_app:
            limits = view_limits(self.endpoint)
            if limits is not None and limits.request_key:
                return current_app.config[limits.request_key]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def init_request_limits(app: Flask) -> None:
    app.request_class = PortalRequest
    app.add_template_global(upload_limits_for, "upload_limits_for")
