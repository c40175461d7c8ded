"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from werkzeug.routing import IntegerConverter

CHINA = ZoneInfo("Asia/Shanghai")

#: Largest id the database can hold: ids are INTEGER columns, signed 32-bit on PostgreSQL.
#: A larger number looked up by id fails in the database (PostgreSQL: integer out of range;
#: SQLite past 64 bits: OverflowError), a 500 error instead of a 404.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes, bounded by ``MAX_ID``: a larger number does not match the
    route, so it is a 404 like any other id that does not exist."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(value: str) -> int:
    """An id typed in a query string or form, for ``request.args.get(..., type=id_arg)``:
    raises ``ValueError`` (so ``get`` gives its default) for anything but a whole number
    within ``MAX_ID``."""
    number = int(value)
    if abs(number) > MAX_ID:
        raise ValueError(value)
    return number


def china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC-aware timestamp in China time."""
    if value is None:
        return ""
    return value.astimezone(CHINA).strftime(fmt)


def china_iso(value: datetime | None) -> str | None:
    """A UTC-aware timestamp as ISO 8601 in China time (``2026-11-24T00:30:00+08:00``), as
    the API gives times: the same moment, whose calendar date is China's."""
    if value is None:
        return None
    return value.astimezone(CHINA).isoformat()


def megabytes(n: int) -> str:
    """A size limit in MB as the upload messages give it: ``10``, ``2.5``, ``0.10``."""
    value = n / (1024 * 1024)
    if value >= 1:
        return f"{value:g}"
    return f"{value:.2f}" if value >= 0.01 else f"{value:.2g}"


def file_size(n: int) -> str:
    """A file's size as people read it: ``512.0 KB`` below a megabyte, ``8.3 MB`` from one
    (in units of 1024, one decimal)."""
    kb = round(n / 1024, 1)
    if kb < 1024:
        return f"{kb:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def last_day(end):
    """Sanction ends are exclusive; people read the last day in force."""
    return end - timedelta(days=1) if end else None


def page_of(position: int) -> int:
    """The page of a list (``PAGE_SIZE`` rows a page) that shows the row at ``position``,
    counted from 0."""
    return position // current_app.config["PAGE_SIZE"] + 1


def page_url(page: int, arg: str = "page", endpoint: str | None = None) -> str:
    """The current URL with ``page`` replaced, keeping search and filter arguments.

    ``arg`` is the argument numbering the list's pages (``page``; on a page of several
    lists, each one's own: the others' are kept like any other argument). ``endpoint`` is the
    page the list belongs to, when the current request is not (a form posted elsewhere and
    shown again with its errors): the current query string goes to that page instead.

    The query string is copied as it came, never passed to ``url_for`` as keywords: a
    visitor's ``?endpoint=`` or ``?_method=`` would break the build (a 500 error), and
    ``?_external=`` or ``?_anchor=`` would make every page link absolute to the request's
    Host header or add a fragment of the visitor's choosing."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != arg]
    args.append((arg, str(page)))
    if endpoint is None:
        base = url_for(request.endpoint, **(request.view_args or {}))
    else:
        base = url_for(endpoint)
    return base + "?" + urlencode(args)


#: File formats as users name them (the portal accepts these three, by content).
FILE_FORMATS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def file_format(media_type: str) -> str:
    return FILE_FORMATS.get(media_type, media_type)


def init_template_helpers(app: Flask) -> None:
    from portal.permissions import can

    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(megabytes, "megabytes")
    app.add_template_filter(file_size, "file_size")
    app.add_template_filter(last_day, "last_day")
    app.add_template_filter(file_format, "file_format")
    app.add_template_global(can, "can")
    app.add_template_global(page_url, "page_url")


def china_date(moment: datetime):
    """The calendar date in China of a UTC-aware moment."""
    return moment.astimezone(CHINA).date()


def china_today():
    """Today's date in China time (deadlines and cycles follow the local calendar)."""
    return china_date(datetime.now(CHINA))
