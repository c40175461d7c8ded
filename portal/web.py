"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for

CHINA = ZoneInfo("Asia/Shanghai")


def china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC-aware timestamp in China time."""
    if value is None:
        return ""
    return value.astimezone(CHINA).strftime(fmt)


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


def page_url(page: int) -> str:
    """The current URL with ``page`` replaced, keeping search and filter arguments."""
    args = request.args.to_dict()
    args.update(request.view_args or {})
    args["page"] = page
    return url_for(request.endpoint, **args)


def init_template_helpers(app: Flask) -> None:
    from portal.permissions import can

    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(last_day, "last_day")
    app.add_template_global(can, "can")
    app.add_template_global(page_url, "page_url")


def china_date(moment: datetime):
    """The calendar date in China of a UTC-aware moment."""
    return moment.astimezone(CHINA).date()


def china_today():
    """Today's date in China time (deadlines and cycles follow the local calendar)."""
    return china_date(datetime.now(CHINA))
