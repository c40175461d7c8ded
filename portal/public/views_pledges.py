"""Public pledge pages: the QR target ``/v/<site code>``, the verified signed pledge and the
pre-filled pledge and poster of the current campaign."""

from __future__ import annotations

from flask import abort, render_template

from portal.operations.pledge_files import verify_url
from portal.pledge_queries import current_pledge, current_pledge_by_site_code, is_overdue
from portal.pledge_text import public_status
from portal.pledge_web import send_current_pdf, send_upload
from portal.public import bp
from portal.web import china_today


def public_pledge_summary(facility) -> dict:
    """What the public sees of a facility's pledge in its current campaign."""
    pledge = current_pledge(facility.id)
    overdue = is_overdue(pledge, china_today()) if pledge else False
    verified = pledge.verified_upload if pledge and pledge.status.value == "verified" else None
    return {
        "pledge": pledge,
        "status": public_status(pledge, overdue),
        "overdue": overdue,
        "verified": verified,
        "verify_url": verify_url(facility.site_code),
    }


bp.add_app_template_global(public_pledge_summary, "public_pledge_summary")


def _facility_and_pledge(site_code: str, need_pledge: bool = True):
    facility, pledge = current_pledge_by_site_code(site_code)
    if facility is None or (need_pledge and pledge is None):
        abort(404)
    return facility, pledge


@bp.route("/v/<site_code>")
def pledge_verify(site_code: str):
    """The page the QR code on a pledge or poster opens."""
    facility, _pledge = _facility_and_pledge(site_code, need_pledge=False)
    return render_template(
        "public/pledge_verify.html",
        facility=facility,
        summary=public_pledge_summary(facility),
        grade=getattr(facility, "credit_grade", None),
    )


@bp.route("/facilities/<site_code>/pledge/signed")
def pledge_signed(site_code: str):
    """The verified, signed and sealed pledge of the current campaign."""
    _facility, pledge = _facility_and_pledge(site_code)
    upload = pledge.verified_upload if pledge.status.value == "verified" else None
    if upload is None:
        abort(404)
    return send_upload(upload)


@bp.route("/facilities/<site_code>/pledge.pdf")
def pledge_pdf(site_code: str):
    """The pre-filled pledge of the current campaign (the same document the facility
    downloads, served from the render cache)."""
    return send_current_pdf(site_code, "pledge")


@bp.route("/facilities/<site_code>/pledge-poster.pdf")
def pledge_poster(site_code: str):
    return send_current_pdf(site_code, "poster")
