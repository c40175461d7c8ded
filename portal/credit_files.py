"""Evidence files on adjustments and objections in the browser: reading a form's uploads
and serving a stored attachment, shared by the bureau and facility areas."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from portal.models.credit import CreditAttachment
from portal.pledge_web import ascii_name, send_stored
from portal.request_limits import accepts_files
from portal.web import megabytes

#: The forms that take evidence files (view decorator): each file within
#: ``PLEDGE_UPLOAD_MAX_BYTES``, the request within ``CREDIT_REQUEST_MAX_BYTES`` (all of them
#: at their size limit, plus the other fields; see ``portal.request_limits``).
accepts_evidence = accepts_files(
    "PLEDGE_UPLOAD_MAX_BYTES",
    request_key="CREDIT_REQUEST_MAX_BYTES",
    count_key="CREDIT_ATTACHMENT_MAX_FILES",
)


def upload_limits() -> dict:
    return {
        "max_bytes": current_app.config["PLEDGE_UPLOAD_MAX_BYTES"],
        "max_pages": current_app.config["PLEDGE_UPLOAD_MAX_PAGES"],
        "max_files": current_app.config["CREDIT_ATTACHMENT_MAX_FILES"],
    }


def describe_limits(field) -> None:
    """Tell the user the configured limits under a multiple file field."""
    config = current_app.config
    field.description = _(
        "可选，最多 %(n)d 个 PDF、JPEG 或 PNG 文件，每个不超过 %(mb)s MB，按文件内容校验",
        n=config["CREDIT_ATTACHMENT_MAX_FILES"],
        mb=megabytes(config["PLEDGE_UPLOAD_MAX_BYTES"]),
    )


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
        fallback=ascii_name(attachment.original_name or "", "evidence"),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
