"""Flask extensions, created unbound and initialised in ``create_app``."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.database import Base

#: Highest page number a list will look up. Far past the last page a list is empty anyway;
#: an unbounded ``?page=`` would overflow the database's 64-bit OFFSET (a 500 error).
MAX_PAGE = 1_000_000_000


class PageOutOfRange(Exception):
    """A list page asked for by ``?page=`` past the last page of a list that is not empty
    (an old link, a bookmark, the last rows gone): the error handler leads to the last page
    and says so, rather than showing an empty page as if nothing matched. ``arg`` is the
    query argument that numbers the list's pages (``page``, or one of several lists')."""

    def __init__(self, requested: int, last: int, arg: str = "page"):
        super().__init__(f"{arg} {requested} of {last}")
        self.requested = requested
        self.last = last
        self.arg = arg


class PortalSQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, page_arg="page", **kwargs):
        """Flask-SQLAlchemy's ``paginate`` with the page number capped at ``MAX_PAGE``.

        A page number read from ``?page=`` (the browser's lists) past the last page raises
        :class:`PageOutOfRange`; one passed in (the API's) gives an empty page. A page that is
        not a whole number, or below 1, is the first page (``error_out=False``) or a 404.

        ``page_arg`` names the query argument read instead of ``page``: a page showing several
        lists numbers each one's pages with an argument of its own, so that paging one keeps
        the others where they are. The pagination keeps it (``page_arg``) for its links."""
        requested = None
        if page is None and has_request_context():
            try:
                page = requested = int(request.args.get(page_arg, 1))
            except (TypeError, ValueError):
                page = None  # Flask-SQLAlchemy applies ``error_out``
        if page is not None:
            page = min(page, MAX_PAGE)
        pagination = super().paginate(select, page=page, **kwargs)
        if requested is not None and pagination.total and requested > pagination.pages:
            raise PageOutOfRange(requested, pagination.pages, page_arg)
        pagination.page_arg = page_arg
        return pagination


db = PortalSQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
