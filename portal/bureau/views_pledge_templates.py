"""Pledge template versions: every issued text stays readable with what was signed under it;
the administrator issues a new version starting from the sample or an earlier version."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from pledges.templates import load_sample, sample_name
from portal.bureau import bp
from portal.bureau.forms_pledges import TemplateForm
from portal.bureau.loaders import get_or_404
from portal.extensions import db
from portal.models.pledges import Pledge, PledgeStatus, PledgeTemplateKind
from portal.models.pledges import PledgeTemplateVersion as Version
from portal.operations.pledge_campaigns import issue_template_version
from portal.operations.pledges import PledgeError
from portal.permissions import require
from portal.views_common import commit_or_errors, on_form, shown_number
from portal.web import id_arg


@bp.route("/pledges/templates")
@require("pledges.view")
def pledge_templates():
    versions = db.session.scalars(
        select(Version).order_by(Version.kind, Version.version.desc())
    ).all()
    signed = dict(
        db.session.execute(
            select(Pledge.template_version_id, func.count())
            .where(Pledge.status == PledgeStatus.VERIFIED)
            .group_by(Pledge.template_version_id)
        ).all()
    )
    return render_template(
        "bureau/pledges/templates.html", versions=versions, signed=signed, kinds=PledgeTemplateKind
    )


@bp.route("/pledges/templates/<int:template_id>")
@require("pledges.view")
def pledge_template(template_id: int):
    version = get_or_404(Version, template_id)
    counts = dict(
        db.session.execute(
            select(Pledge.status, func.count())
            .where(Pledge.template_version_id == version.id)
            .group_by(Pledge.status)
        ).all()
    )
    return render_template(
        "bureau/pledges/template.html",
        version=version,
        text=version.text,
        counts=counts,
        statuses=PledgeStatus,
    )


def _fill(form: TemplateForm, text) -> None:
    form.label.data = text.label
    form.title.data = text.title
    form.opening.data = text.opening
    form.items.data = "\n".join(text.items)
    form.closing.data = text.closing
    form.signature.data = "\n".join(text.signature)


@bp.route("/pledges/templates/new", methods=["GET", "POST"])
@require("pledges.templates")
def pledge_template_new():
    try:
        kind = PledgeTemplateKind(request.args.get("kind", "institution"))
    except ValueError:
        abort(404)
    source = None
    if request.args.get("from"):
        source = db.session.get(Version, request.args.get("from", type=id_arg) or 0)
        if source is None or source.kind is not kind:
            abort(404)
    form = TemplateForm()
    if request.method == "GET":
        _fill(form, source.text if source else load_sample(kind.value))
        if source is None:
            form.note.data = _("依据示例文本（%(name)s）签发", name=sample_name(kind.value))
    seen = None  # the newest version the form sent says it was opened on
    if form.validate_on_submit():
        data = {
            "label": form.label.data,
            "title": form.title.data,
            "opening": form.opening.data,
            "items": form.items.data,
            "closing": form.closing.data,
            "signature": form.signature.data,
        }
        seen = shown_number(form.latest.data)
        # A version issued meanwhile is said beside the items, the text it would change.
        show = on_form(form, rename={"latest": "items"}, fallback=form.items)
        with commit_or_errors(PledgeError, show) as step:
            version = issue_template_version(
                current_user, kind, data, form.note.data, seen_latest=seen
            )
        if step.committed:
            flash(_("已签发%(label)s", label=version.label), "success")
            return redirect(url_for("bureau.pledge_template", template_id=version.id))
    # The form goes on from the version it was opened on until it has been told of a
    # newer one (the refusal above): refused for anything else, it must still find it out.
    newest = _newest(kind)
    if request.method == "GET" or (seen is not None and seen != newest):
        form.latest.data = newest
    return render_template("bureau/pledges/template_form.html", form=form, kind=kind, source=source)


def _newest(kind: PledgeTemplateKind) -> int:
    """The newest version number of ``kind``; 0 when none has been issued."""
    return db.session.scalar(select(func.max(Version.version)).where(Version.kind == kind)) or 0
