"""Pledge campaigns in the bureau area: open, compliance by county and kind, overdue export,
reminders, and adding facilities registered after a campaign opened."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bureau import bp
from portal.bureau.forms_pledges import ButtonForm, CampaignForm, RemindForm
from portal.bureau.loaders import get_or_404
from portal.extensions import db
from portal.models.enums import FacilityKind
from portal.models.facility import facility_counties
from portal.models.pledges import PledgeCampaign, PledgeStatus, PledgeTemplateKind
from portal.models.pledges import PledgeTemplateVersion as Version
from portal.operations.pledge_campaigns import open_campaign, sync_campaign
from portal.operations.pledge_notices import deliver_reminders, send_campaign_reminders
from portal.operations.pledges import PledgeError
from portal.permissions import can, require
from portal.pledge_export import overdue_workbook
from portal.pledge_queries import (
    STATUS_FILTERS,
    campaign_counts,
    campaign_pledges,
    compliance,
    is_overdue,
    latest_templates,
    search_filter,
)
from portal.views_common import (
    commit_or_errors,
    filter_value,
    flashed,
    on_form,
    say_unknown_filter,
)
from portal.web import china_today


@bp.route("/pledges")
@require("pledges.view")
def pledge_campaigns():
    stmt = select(PledgeCampaign).order_by(PledgeCampaign.year.desc(), PledgeCampaign.id.desc())
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    today = china_today()
    return render_template(
        "bureau/pledges/campaigns.html",
        page=page,
        counts=campaign_counts([c.id for c in page.items], today),
        today=today,
        latest=latest_templates(),
    )


def _template_choices(kind: PledgeTemplateKind) -> list[tuple[int, str]]:
    versions = db.session.scalars(
        select(Version).where(Version.kind == kind).order_by(Version.version.desc())
    )
    return [(v.id, v.label) for v in versions]


#: How long the new-campaign form suggests for signing, when 31 May has passed: a deadline
#: of today would make every facility overdue the next day.
SUGGESTED_SIGNING_TIME = timedelta(days=30)


@bp.route("/pledges/campaigns/new", methods=["GET", "POST"])
@require("pledges.manage")
def pledge_campaign_new():
    form = CampaignForm()
    form.institution_template.choices = _template_choices(PledgeTemplateKind.INSTITUTION)
    form.pharmacy_template.choices = _template_choices(PledgeTemplateKind.PHARMACY)
    form.counties.choices = [(c, c) for c in facility_counties()]
    today = china_today()
    if request.method == "GET":
        form.year.data = today.year
        form.title.data = _("%(year)d年度维护医保基金安全承诺书签署", year=today.year)
        # The usual filing date (31 May) while it is ahead, else a month from today.
        usual = date(today.year, 5, 31)
        form.deadline.data = usual if today <= usual else today + SUGGESTED_SIGNING_TIME
    if form.validate_on_submit():
        with commit_or_errors(PledgeError, on_form(form, fallback=form.title)) as step:
            campaign = open_campaign(
                current_user,
                year=form.year.data,
                title=form.title.data,
                deadline=form.deadline.data,
                institution_template=db.session.get(Version, form.institution_template.data),
                pharmacy_template=db.session.get(Version, form.pharmacy_template.data),
                counties=form.counties.data or [],
                kinds=[FacilityKind(k) for k in form.kinds.data or []],
                note=form.note.data or "",
                today=today,
            )
        if step.committed:
            flash(_("已发起承诺书签署活动：%(title)s", title=campaign.title), "success")
            return redirect(url_for("bureau.pledge_campaign", campaign_id=campaign.id))
    missing = not form.institution_template.choices or not form.pharmacy_template.choices
    return render_template("bureau/pledges/campaign_form.html", form=form, missing=missing)


def _filters() -> dict:
    args = request.args
    status = args.get("status", "").strip()
    if status and status not in STATUS_FILTERS:
        say_unknown_filter(status)
    return {
        "county": args.get("county", "").strip(),
        "kind": filter_value(FacilityKind, "kind"),
        "status": status if status in STATUS_FILTERS else "",
    }


@bp.route("/pledges/campaigns/<int:campaign_id>")
@require("pledges.view")
def pledge_campaign(campaign_id: int):
    campaign = get_or_404(PledgeCampaign, campaign_id)
    today = china_today()
    filters = _filters()
    stmt = search_filter(campaign_pledges(campaign, today, **filters), request.args.get("q", ""))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "bureau/pledges/campaign.html",
        campaign=campaign,
        summary=compliance(campaign, today, filters["county"], filters["kind"]),
        page=page,
        filters=filters,
        today=today,
        statuses=PledgeStatus,
        kinds=FacilityKind,
        counties=facility_counties(),
        is_overdue=is_overdue,
        remind_form=RemindForm() if can("pledges.manage") else None,
        sync_form=ButtonForm() if can("pledges.manage") else None,
    )


@bp.route("/pledges/campaigns/<int:campaign_id>/overdue.xlsx")
@require("pledges.view")
def pledge_overdue_export(campaign_id: int):
    campaign = get_or_404(PledgeCampaign, campaign_id)
    filters = _filters()
    data = overdue_workbook(campaign, china_today(), filters["county"], filters["kind"])
    import io

    response = send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{campaign.year}-承诺书逾期未报送名单.xlsx",
        max_age=0,
    )
    # Names and phone numbers of contacts: kept by no cache, shared or not.
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.route("/pledges/campaigns/<int:campaign_id>/remind", methods=["POST"])
@require("pledges.manage")
def pledge_campaign_remind(campaign_id: int):
    campaign = get_or_404(PledgeCampaign, campaign_id)
    form = RemindForm()
    back = redirect(url_for("bureau.pledge_campaign", campaign_id=campaign.id))
    if not form.validate_on_submit():
        flash(_("提醒内容不超过2000字"), "danger")
        return back
    with commit_or_errors(PledgeError, flashed("warning")) as step:
        reminders = send_campaign_reminders(
            current_user, campaign, form.message.data or "", china_today()
        )
    if not step.committed:
        return back
    sent, failed = deliver_reminders([r.id for r in reminders])
    db.session.commit()
    message = _("已向 %(n)d 家机构发送提醒", n=len(reminders))
    if sent or failed:
        message += _("（邮件发送成功 %(sent)d 封，失败 %(failed)d 封）", sent=sent, failed=failed)
    flash(message, "success")
    return back


@bp.route("/pledges/campaigns/<int:campaign_id>/sync", methods=["POST"])
@require("pledges.manage")
def pledge_campaign_sync(campaign_id: int):
    campaign = get_or_404(PledgeCampaign, campaign_id)
    if ButtonForm().validate_on_submit():
        added = sync_campaign(current_user, campaign)
        db.session.commit()
        if added:
            flash(_("已将 %(n)d 家新纳入范围的机构加入本活动", n=added), "success")
        else:
            flash(_("没有需要加入的机构"), "success")
    return redirect(url_for("bureau.pledge_campaign", campaign_id=campaign.id))
