"""Reviewing signed pledges, a facility's pledge history and the posting checks inspectors
record on site."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms_pledges import PostingCheckForm, ReviewForm
from portal.bureau.loaders import get_facility_or_404, get_or_404
from portal.extensions import db
from portal.models.pledge_extras import PledgePostingCheck
from portal.models.pledges import PledgeStatus
from portal.operations.pledge_files import pledge_document
from portal.operations.pledge_notices import deliver_reminders
from portal.operations.pledge_posting import record_posting_check
from portal.operations.pledges import PledgeError, decide_pledge
from portal.permissions import can, ensure, require
from portal.pledge_queries import (
    facility_pledges,
    get_pledge_or_404,
    is_overdue,
    reminders_for,
    review_queue,
    search_filter,
)
from portal.pledge_web import send_rendered, send_stored, send_upload
from portal.request_limits import accepts_files
from portal.storage import commit_with_files
from portal.views_common import shown_number
from portal.web import china_today


@bp.route("/pledges/review")
@require("pledges.review")
def pledge_queue():
    stmt = search_filter(review_queue(), request.args.get("q", ""))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("bureau/pledges/queue.html", page=page)


@bp.route("/pledges/<int:pledge_id>/review", methods=["GET", "POST"])
@require("pledges.view")
def pledge_review(pledge_id: int):
    """The pledge with its scans and decisions, which every bureau role may read (the
    campaign and facility pages link here); only reviewers get (and may post) the form."""
    pledge = get_pledge_or_404(pledge_id, for_user=current_user)
    if request.method == "POST":
        ensure("pledges.review")
    form = ReviewForm()
    shown = None  # the scan version the form sent says its page showed
    if form.validate_on_submit():
        shown = shown_number(form.version.data)
        try:
            decision, notice = decide_pledge(
                current_user,
                pledge,
                verify=form.outcome.data == "verify",
                reason=form.reason.data or "",
                shown_version=shown,
            )
        except PledgeError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                if hasattr(form, field):
                    getattr(form, field).errors.append(message)
                else:  # e.g. already decided by someone else meanwhile
                    flash(message, "danger")
        else:
            db.session.commit()
            deliver_reminders([notice.id])
            db.session.commit()
            flash(
                _("已核验通过：%(name)s", name=pledge.facility.name)
                if decision.outcome.value == "verified"
                else _("已退回：%(name)s", name=pledge.facility.name),
                "success",
            )
            return redirect(url_for("bureau.pledge_queue"))
    upload = pledge.latest_upload
    # The form stays about the scan it was opened on until it has been told of a newer
    # one (the refusal above).
    if upload is not None and (request.method == "GET" or shown not in (None, upload.version)):
        form.version.data = upload.version
    return render_template(
        "bureau/pledges/review.html",
        pledge=pledge,
        upload=upload,
        doc=pledge_document(pledge),
        form=form if pledge.status is PledgeStatus.UPLOADED and can("pledges.review") else None,
        today=china_today(),
        is_overdue=is_overdue,
    )


@bp.route("/pledges/<int:pledge_id>/scan")
@require("pledges.view")
def pledge_scan(pledge_id: int):
    """A scan of the pledge: ``?version=N`` (default: the latest)."""
    pledge = get_pledge_or_404(pledge_id, for_user=current_user)
    version = request.args.get("version", type=int)
    uploads = [u for u in pledge.uploads if version is None or u.version == version]
    if not uploads:
        abort(404)
    return send_upload(uploads[-1], attachment=request.args.get("download") == "1")


@bp.route("/pledges/<int:pledge_id>/document")
@require("pledges.view")
def pledge_document_pdf(pledge_id: int):
    """The generated pledge (``?variant=pledge``) or poster (``?variant=poster``)."""
    pledge = get_pledge_or_404(pledge_id, for_user=current_user)
    return send_rendered(pledge, request.args.get("variant", "pledge"), attachment=False)


@bp.route("/facilities/<int:facility_id>/pledges")
@require("pledges.view")
def facility_pledges_page(facility_id: int):
    facility = get_facility_or_404(facility_id)
    checks = db.session.scalars(
        select(PledgePostingCheck)
        .where(PledgePostingCheck.facility_id == facility.id)
        .order_by(PledgePostingCheck.checked_on.desc(), PledgePostingCheck.id.desc())
    ).all()
    pledges = facility_pledges(facility.id)
    return render_template(
        "bureau/pledges/facility.html",
        facility=facility,
        pledges=pledges,
        checks=checks,
        reminders={p.id: reminders_for(p, 5) for p in pledges[:3]},
        today=china_today(),
        is_overdue=is_overdue,
        can_check=can("pledges.posting"),
    )


def _inspection_choices(facility) -> list[tuple[int, str]]:
    from portal.models.inspections import Inspection, InspectionStatus

    rows = db.session.scalars(
        select(Inspection)
        .where(
            Inspection.facility_id == facility.id,
            Inspection.status != InspectionStatus.CANCELLED,
        )
        .order_by(Inspection.start_date.desc(), Inspection.id.desc())
        .limit(50)
    )
    choices = [(0, _("不关联检查记录"))]
    for inspection in rows:
        label = f"{inspection.start_date.isoformat()} {inspection.kind.label}"
        if inspection.reference:
            label += f"（{inspection.reference}）"
        choices.append((inspection.id, label))
    return choices


@bp.route("/facilities/<int:facility_id>/pledges/posting", methods=["GET", "POST"])
@accepts_files("PLEDGE_UPLOAD_MAX_BYTES")
@require("pledges.posting")
def pledge_posting_new(facility_id: int):
    facility = get_facility_or_404(facility_id)
    pledges = facility_pledges(facility.id)
    form = PostingCheckForm()
    form.campaign_id.choices = [(p.campaign.id, p.campaign.title) for p in pledges]
    form.inspection_id.choices = _inspection_choices(facility)
    if request.method == "GET":
        form.checked_on.data = china_today()
        if request.args.get("inspection", type=int):
            form.inspection_id.data = request.args.get("inspection", type=int)
    if pledges and form.validate_on_submit():
        photo = form.photo.data
        data = photo.read(current_app.config["PLEDGE_UPLOAD_MAX_BYTES"] + 1) if photo else None
        try:
            with commit_with_files() as files:
                record_posting_check(
                    current_user,
                    facility,
                    pledges[[p.campaign.id for p in pledges].index(form.campaign_id.data)].campaign,
                    posted=form.posted.data == "yes",
                    checked_on=form.checked_on.data,
                    note=form.note.data or "",
                    inspection_id=form.inspection_id.data or None,
                    photo=data or None,
                    photo_name=photo.filename if photo else None,
                    files=files,
                    max_bytes=current_app.config["PLEDGE_UPLOAD_MAX_BYTES"],
                    today=china_today(),
                )
        except PledgeError as exc:
            for field, message in exc.errors.items():
                getattr(form, field, form.note).errors.append(message)
        else:
            flash(_("已记录承诺书张贴检查结果"), "success")
            return redirect(url_for("bureau.facility_pledges_page", facility_id=facility.id))
    return render_template(
        "bureau/pledges/posting_form.html", facility=facility, form=form, has_pledges=bool(pledges)
    )


@bp.route("/pledges/posting/<int:check_id>/photo")
@require("pledges.view")
def pledge_posting_photo(check_id: int):
    check = get_or_404(PledgePostingCheck, check_id)
    if not check.photo_key:
        abort(404)
    extension = ".png" if check.photo_media_type == "image/png" else ".jpg"
    site_code, day = check.facility.site_code, check.checked_on.isoformat()
    name = f"{site_code}-张贴检查-{day}{extension}"
    fallback = f"{site_code}-posting-check-{day}{extension}"
    return send_stored(check.photo_key, check.photo_media_type, name, fallback=fallback)
