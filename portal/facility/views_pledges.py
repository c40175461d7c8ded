"""A facility's own pledge: download the pre-filled pledge and poster, upload the signed
scan (a new version for each new file), follow its status, reminders and the deadline.

URLs carry no facility: it is always the account's own. Another facility's campaign or
upload is a 404, as if it did not exist.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.facility import bp
from portal.facility.forms_pledges import ContactForm, UploadForm
from portal.models.pledge_extras import PledgeContact
from portal.operations.pledge_files import verify_url
from portal.operations.pledge_notices import set_contact_email
from portal.operations.pledges import PledgeError, SameScan, mark_downloaded, record_upload
from portal.pledge_queries import (
    facility_pledges,
    is_overdue,
    own_pledge_or_404,
    own_upload_or_404,
    reminders_for,
)
from portal.pledge_text import rejection_banner
from portal.pledge_web import send_rendered, send_upload
from portal.request_limits import accepts_files
from portal.storage import commit_with_files
from portal.views_common import commit_or_errors, flash_form_errors, on_form
from portal.web import china_today, id_arg


def _campaign_arg() -> int | None:
    return request.args.get("campaign", type=id_arg)


@bp.route("/pledge")
def pledge():
    return _pledge_page()


def _pledge_page(contact_form: ContactForm | None = None):
    """The pledge page; ``contact_form`` is a refused notice address, shown again with what
    was typed and why."""
    pledges = facility_pledges(current_user.facility_id)
    campaign_id = _campaign_arg()
    current = own_pledge_or_404(current_user, campaign_id) if campaign_id else None
    if current is None and pledges:
        current = pledges[0]
    today = china_today()
    form = UploadForm()
    if current is not None:
        form.campaign_id.data = str(current.campaign_id)
    contact = db.session.get(PledgeContact, current_user.facility_id)
    return render_template(
        "facility/pledge.html",
        facility=current_user.facility,
        pledge=current,
        pledges=pledges,
        reminders=reminders_for(current) if current else [],
        form=form,
        contact_form=contact_form or ContactForm(email=contact.email if contact else ""),
        today=today,
        days_left=(current.campaign.deadline - today).days if current else None,
        overdue=is_overdue(current, today) if current else False,
        verify_url=verify_url(current_user.facility.site_code),
        max_mb=current_app.config["PLEDGE_UPLOAD_MAX_BYTES"] / (1024 * 1024),
        rejection_banner=rejection_banner,
    )


def _download(variant: str):
    pledge = own_pledge_or_404(current_user, _campaign_arg())
    first = pledge.first_downloaded_at is None
    return send_rendered(
        pledge,
        variant,
        before_commit=(lambda p: mark_downloaded(current_user, p)) if first else None,
    )


@bp.route("/pledge/pdf")
def pledge_pdf():
    return _download("pledge")


@bp.route("/pledge/poster")
def pledge_poster():
    return _download("poster")


@bp.route("/pledge/upload", methods=["POST"])
@accepts_files("PLEDGE_UPLOAD_MAX_BYTES")
def pledge_upload():
    form = UploadForm()
    back = url_for("facility.pledge")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    try:
        campaign_id = id_arg(form.campaign_id.data)
    except ValueError:
        campaign_id = 0
    pledge = own_pledge_or_404(current_user, campaign_id)
    back = url_for("facility.pledge", campaign=pledge.campaign_id)
    limit = current_app.config["PLEDGE_UPLOAD_MAX_BYTES"]
    data = form.file.data.read(limit + 1)
    try:
        with commit_with_files() as files:
            upload = record_upload(
                current_user,
                pledge,
                data,
                form.file.data.filename,
                files,
                max_bytes=limit,
                max_pages=current_app.config["PLEDGE_UPLOAD_MAX_PAGES"],
                today=china_today(),
            )
    except SameScan as exc:
        # Not a failure: the version asked for is already there.
        flash(str(exc), "warning")
        return redirect(back)
    except PledgeError as exc:
        flash(_("上传失败：%(reason)s", reason=str(exc)), "danger")
        return redirect(back)
    flash(
        _(
            "已上传第 %(v)d 版扫描件（SHA-256：%(sha)s），请等待医保局核验。",
            v=upload.version,
            sha=upload.file_key,
        ),
        "success",
    )
    return redirect(back)


@bp.route("/pledge/scan")
def pledge_scan():
    """One of the facility's own uploaded scans: ``?upload=<id>``, by default the latest
    of its current pledge."""
    upload_id = request.args.get("upload", type=id_arg)
    if upload_id is None:
        upload = own_pledge_or_404(current_user, None).latest_upload
        if upload is None:
            abort(404)
    else:
        upload = own_upload_or_404(current_user, upload_id)
    return send_upload(upload, attachment=request.args.get("download") == "1")


@bp.route("/pledge/contact", methods=["POST"])
def pledge_contact():
    form = ContactForm()
    if form.validate_on_submit():
        with commit_or_errors(PledgeError, on_form(form)) as step:
            saved = set_contact_email(current_user, current_user.facility, form.email.data or "")
        if step.committed:
            flash(_("通知邮箱已保存") if saved else _("已取消邮件通知"), "success")
            return redirect(url_for("facility.pledge"))
    flash(_("通知邮箱未保存，请按“邮件通知”中的提示修改后重新保存"), "danger")
    return _pledge_page(contact_form=form)
