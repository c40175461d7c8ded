"""Evidence files on adjustments and objections in the browser: reading a form's uploads
and serving a stored attachment, shared by the bureau and facility areas."""

from __future__ import annotations

from flask import current_app

from portal.models.credit import CreditAttachment
from portal.pledge_web import send_stored


def upload_limits() -> dict:
    return {
        "max_bytes": current_app.config["PLEDGE_UPLOAD_MAX_BYTES"],
        "max_pages": current_app.config["PLEDGE_UPLOAD_MAX_PAGES"],
    }


def read_uploads(field) -> list[tuple[bytes, str | None]]:
    """``(data, filename)`` for each file chosen in a multiple file field; at most one byte
    more than the limit is read, which is enough to refuse a file that is too large."""
    limit = current_app.config["PLEDGE_UPLOAD_MAX_BYTES"]
    return [
        (upload.read(limit + 1), upload.filename)
        for upload in (field.data or [])
        if upload and upload.filename
    ]


def send_attachment(attachment: CreditAttachment):
    """Always as a download, with the media type checked at upload."""
    response = send_stored(
        attachment.file_key,
        attachment.media_type,
        attachment.original_name or "evidence",
        attachment=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
