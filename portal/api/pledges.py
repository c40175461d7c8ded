"""GET /api/v1/facilities/<site_code>/pledge: the current campaign's pledge (public data)."""

from __future__ import annotations

from flask import abort, jsonify, url_for

from portal.api import bp
from portal.api.views import FACILITY_NOT_FOUND
from portal.operations.pledge_files import verify_url
from portal.pledge_queries import current_pledge_by_site_code, is_overdue
from portal.web import china_iso, china_today


def _external(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


@bp.route("/facilities/<site_code>/pledge")
def facility_pledge(site_code: str):
    facility, pledge = current_pledge_by_site_code(site_code)
    if facility is None:
        abort(404, FACILITY_NOT_FOUND)
    body = {
        "site_code": facility.site_code,
        "campaign": None,
        "status": None,
        "overdue": False,
        "document_number": None,
        "template_version": None,
        "pdf_url": None,
        "poster_url": None,
        "verify_url": verify_url(facility.site_code),
        "signed_url": None,
        "signed_sha256": None,
        "verified_at": None,
    }
    if pledge is None:
        return jsonify(body)
    campaign = pledge.campaign
    version = pledge.template_version
    verified = pledge.verified_upload if pledge.status.value == "verified" else None
    body.update(
        {
            "campaign": {
                "id": campaign.id,
                "year": campaign.year,
                "title": campaign.title,
                "deadline": campaign.deadline.isoformat(),
            },
            "status": pledge.status.value,
            "overdue": is_overdue(pledge, china_today()),
            "document_number": pledge.document_number,
            "template_version": {
                "id": version.id,
                "kind": version.kind.value,
                "version": version.version,
                "label": version.label,
            },
            "pdf_url": _external("public.pledge_pdf", site_code=facility.site_code),
            "poster_url": _external("public.pledge_poster", site_code=facility.site_code),
        }
    )
    if verified is not None:
        body.update(
            {
                "signed_url": _external("public.pledge_signed", site_code=facility.site_code),
                "signed_sha256": verified.file_key,
                "verified_at": china_iso(pledge.verified_at),
            }
        )
    return jsonify(body)
