"""Serving pledge files to the browser, shared by the facility, bureau and public areas."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from flask import Response, abort, current_app, request
from flask_babel import gettext as _

from portal.database import begin_writing
from portal.extensions import db
from portal.models.pledges import Pledge
from portal.operations.pledge_files import (
    build_document,
    cached_key,
    current_document_row,
    pledge_document,
    public_base_url,
    rendered_pdf,
)
from portal.storage import commit_with_files, get_storage

VARIANT_NAMES = {"pledge": "承诺书", "poster": "张贴海报"}
#: The same in the ASCII ``filename=`` for browsers that do not read ``filename*=``.
VARIANT_ASCII = {"pledge": "pledge", "poster": "poster"}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FILE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def ascii_name(name: str, default: str = "file") -> str:
    """An ASCII stand-in for ``name``: its ASCII characters, with the separators left
    doubled where a word in Chinese was dropped merged, and ``default`` as the name when
    nothing but the extension is left ("处罚决定书.pdf" is "file.pdf")."""
    kept = "".join(c for c in name if c.isascii() and c.isprintable() and c not in '"\\')
    stem, dot, extension = kept.rpartition(".")
    if not dot:
        stem, extension = kept, ""
    stem = re.sub(r"([-_ ])[-_ ]+", r"\1", stem).strip("-_ ")
    return f"{stem or default}{dot}{extension}"


def send_stored(
    key: str,
    media_type: str,
    download_name: str,
    *,
    attachment: bool = False,
    fallback: str | None = None,
):
    """Send a stored file, inline by default; 404 (and a logged error) when it is missing.

    ``download_name`` goes in ``filename*=``; ``fallback`` (by default
    :func:`ascii_name` of it) in the ASCII ``filename=`` older clients read.

    The file is read whole (pledge files are small: uploads are capped) and sent in one
    piece; a response that holds no open file cannot leak one when a client goes away.
    """
    try:
        with get_storage().open(key) as fh:
            data = fh.read()
    except Exception:  # StorageError from any backend
        current_app.logger.error("stored file %s is missing", key)
        abort(404, _("文件缺失，请联系医保局处理。"))
    response = Response(data, mimetype=media_type)
    disposition = "attachment" if attachment else "inline"
    fallback = ascii_name(fallback or download_name)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name)}"
    )
    response.set_etag(key)  # content-addressed: the key is the content's digest
    response.cache_control.no_cache = True
    # Outside the public site a file is the logged-in viewer's (a facility's own scans,
    # its pre-filled pledge, what a reviewer opens): no shared cache may keep a copy.
    if request.blueprint != "public":
        response.cache_control.private = True
    # Stored files are data, never a page: no scripts, no plugins, framed only by us.
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response.make_conditional(request)


def _pdf_names(site_code: str, year: int, variant: str) -> tuple[str, str]:
    """The PDF's file name, and its ASCII fallback."""
    return (
        f"{site_code}-{year}-{VARIANT_NAMES[variant]}.pdf",
        f"{site_code}-{year}-{VARIANT_ASCII[variant]}.pdf",
    )


def send_rendered(pledge: Pledge, variant: str, *, attachment: bool = True, before_commit=None):
    """The pledge's PDF, rendered once and then served from the cache.

    ``before_commit(pledge)`` runs inside the transaction that stores a new rendering (the
    facility area records its first download there); it returns False when it had nothing
    to write, so a cache hit needs no transaction at all.
    """
    if variant not in VARIANT_NAMES:
        abort(404)
    name, fallback = _pdf_names(pledge.facility.site_code, pledge.campaign.year, variant)
    storage = get_storage()
    if before_commit is None:
        key = cached_key(pledge.template_version_id, variant, pledge_document(pledge), storage)
        if key is not None:
            return send_stored(
                key, "application/pdf", name, attachment=attachment, fallback=fallback
            )
    begin_writing()
    with commit_with_files() as files:
        key, _rendered = rendered_pdf(pledge, variant, files)
        if before_commit is not None:
            before_commit(pledge)
    return send_stored(key, "application/pdf", name, attachment=attachment, fallback=fallback)


def send_current_pdf(site_code: str, variant: str, *, attachment: bool = False):
    """The current campaign's PDF of a facility by site code (public links and the API).

    One query on a cache hit; with ``PLEDGE_PUBLIC_CACHE_SECONDS`` > 0 the answer is also
    remembered in this process for that long, so a popular link costs no query at all and
    shows an edit at most that many seconds late.
    """
    if variant not in VARIANT_NAMES:
        abort(404)
    ttl = current_app.config.get("PLEDGE_PUBLIC_CACHE_SECONDS") or 0
    # The QR code printed on the PDF carries the public address, which without
    # PUBLIC_BASE_URL is the request's own: an answer is remembered for that address only,
    # or a request naming another Host would hand its PDF to every visitor.
    memo_key = (public_base_url(), site_code.upper(), variant)
    memo = current_app.extensions.setdefault("medcredit_public_pdfs", {})
    if ttl > 0:
        hit = memo.get(memo_key)
        if hit is not None and hit[0] > time.monotonic() and get_storage().exists(hit[1]):
            name, fallback = hit[2]
            return send_stored(
                hit[1], "application/pdf", name, attachment=attachment, fallback=fallback
            )
    row = current_document_row(site_code)
    if row is None:
        abort(404)
    key = cached_key(row.template_version_id, variant, build_document(row), get_storage())
    if key is None:
        return send_rendered(db.session.get(Pledge, row.id), variant, attachment=attachment)
    name, fallback = _pdf_names(row.site_code, row.year, variant)
    if ttl > 0:
        if len(memo) > 50_000:
            memo.clear()
        memo[memo_key] = (time.monotonic() + ttl, key, (name, fallback))
    return send_stored(key, "application/pdf", name, attachment=attachment, fallback=fallback)


def send_upload(upload, *, attachment: bool = False):
    pledge = upload.pledge
    extension = EXTENSIONS.get(upload.media_type, "")
    facility, year = pledge.facility.site_code, pledge.campaign.year
    name = f"{facility}-{year}-签署扫描件-v{upload.version}{extension}"
    fallback = f"{facility}-{year}-signed-scan-v{upload.version}{extension}"
    return send_stored(
        upload.file_key, upload.media_type, name, attachment=attachment, fallback=fallback
    )
