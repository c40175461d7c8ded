from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select

from portal.bureau.forms_points import FacilityAppealForm, TaskDoneForm
from portal.extensions import db
from portal.facility import bp
from portal.facility.home_card import credit_card
from portal.models.enums import Profession, TaskStatus
from portal.models.points import PointRecord, WarningTalkTask
from portal.models.staff import StaffPractice
from portal.operations.point_appeals import (
    appeal_deadline,
    appeal_open,
    appeal_refusal,
    file_appeal,
)
from portal.operations.points import PointsError, complete_task, standings_for
from portal.queries import sanctioned_staff, staff_search
from portal.views_common import commit_or_errors, filter_value, flashed, on_field
from portal.web import china_today, page_of


@bp.route("/")
def home():
    today = china_today()
    barred = sanctioned_staff(today, site_code=current_user.facility.site_code)
    open_tasks = db.session.scalar(
        select(db.func.count())
        .select_from(WarningTalkTask)
        .where(
            WarningTalkTask.facility_id == current_user.facility_id,
            WarningTalkTask.status == TaskStatus.OPEN,
        )
    )
    return render_template(
        "facility/home.html",
        facility=current_user.facility,
        barred_count=len(barred),
        open_tasks=open_tasks,
        **credit_card(),
    )


@bp.route("/staff")
def staff():
    stmt = staff_search(
        q=request.args.get("q", ""),
        facility_id=current_user.facility_id,
        profession=filter_value(Profession, "profession"),
        # Unaudited, unlike the bureau's: only the facility's own current staff are
        # searched, and the employer holds their ID numbers anyway (it registered them),
        # so a match confirms nothing the facility does not already know.
        by_id_number=True,
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    standings = standings_for([s.id for s in page.items], china_today())
    return render_template(
        "facility/staff.html", facility=current_user.facility, page=page, standings=standings
    )


@bp.route("/staff/barred")
def barred():
    """Staff who must not bill the fund today (suspended or terminated)."""
    today = china_today()
    rows = sanctioned_staff(today, site_code=current_user.facility.site_code)
    return render_template("facility/barred.html", rows=rows, today=today)


def _own_staff_ids() -> set[int]:
    return set(
        db.session.scalars(
            select(StaffPractice.staff_id).where(
                StaffPractice.facility_id == current_user.facility_id,
                StaffPractice.end_date.is_(None),
            )
        )
    )


@bp.route("/staff/<int:staff_id>/points")
def staff_points(staff_id: int):
    """A person's point record, for a facility where the person practises. Records decided
    at another facility count towards the person's standing and are listed with their
    points and dates, but what they were for is that facility's business: no violation,
    reference or objections, and no objection from here."""
    if staff_id not in _own_staff_ids():
        abort(404)
    from portal.models.staff import StaffMember

    person = db.session.get(StaffMember, staff_id)
    today = china_today()
    records = db.session.scalars(
        select(PointRecord)
        .where(PointRecord.staff_id == staff_id)
        .order_by(PointRecord.decided_on.desc(), PointRecord.id.desc())
    ).all()
    return render_template(
        "facility/staff_points.html",
        person=person,
        records=records,
        standing=standings_for([staff_id], today)[staff_id],
        own_facility_id=current_user.facility_id,
        deadlines={r.id: appeal_deadline(r) for r in records if not r.revoked},
        open_appeals={
            r.id
            for r in records
            if r.facility_id == current_user.facility_id and appeal_open(r, today)
        },
        today=today,
    )


@bp.route("/points/<int:record_id>/appeal", methods=["GET", "POST"])
def points_appeal(record_id: int):
    record = db.session.get(PointRecord, record_id)
    # Only the facility the points were decided at objects to them (the person's other
    # facilities see the record's points, not what it was for).
    if (
        record is None
        or record.facility_id != current_user.facility_id
        or record.staff_id not in _own_staff_ids()
    ):
        abort(404)
    if request.method == "GET":
        # No form to fill in for an objection that cannot be filed: say why.
        refusal = appeal_refusal(record, china_today())
        if refusal is not None:
            flash(refusal, "warning")
            return redirect(url_for("facility.staff_points", staff_id=record.staff_id))
    form = FacilityAppealForm()
    if form.validate_on_submit():
        with commit_or_errors(PointsError, on_field(form.reason)) as step:
            file_appeal(current_user, record, reason=form.reason.data, filed_on=china_today())
        if step.committed:
            flash(_("异议已提交，医保局将另行告知处理结果"), "success")
            return redirect(url_for("facility.staff_points", staff_id=record.staff_id))
    return render_template(
        "facility/appeal_form.html", record=record, form=form, deadline=appeal_deadline(record)
    )


def _tasks_page(failed: tuple[int, TaskDoneForm] | None = None):
    """The facility's tasks, a page at a time, each open one with a form of its own;
    ``failed`` is a task id and the form submitted for it, shown again with what was typed
    and why it was refused, on the page that lists the task."""
    # Open tasks first (the status column holds the value, which sorts "open" last).
    still_open = case((WarningTalkTask.status == TaskStatus.OPEN, 0), else_=1)
    order = (still_open, WarningTalkTask.created_at.desc(), WarningTalkTask.id.desc())
    own = WarningTalkTask.facility_id == current_user.facility_id
    per_page = current_app.config["PAGE_SIZE"]
    page_no = None  # from ?page=
    if failed:
        ids = list(db.session.scalars(select(WarningTalkTask.id).where(own).order_by(*order)))
        page_no = page_of(ids.index(failed[0])) if failed[0] in ids else 1
    page = db.paginate(
        select(WarningTalkTask).where(own).order_by(*order),
        page=page_no,
        per_page=per_page,
        error_out=False,
    )
    forms = {}
    for task in page.items:
        if task.status is not TaskStatus.OPEN:
            continue
        form = failed[1] if failed and failed[0] == task.id else TaskDoneForm(formdata=None)
        # Several forms on one page: each note field needs an id (and label) of its own.
        form.note.id = form.note.label.field_id = f"note-{task.id}"
        forms[task.id] = form
    return render_template("facility/tasks.html", page=page, forms=forms)


@bp.route("/tasks")
def tasks():
    return _tasks_page()


@bp.route("/tasks/<int:task_id>/done", methods=["POST"])
def task_done(task_id: int):
    task = db.session.get(WarningTalkTask, task_id)
    if task is None or task.facility_id != current_user.facility_id:
        abort(404)
    form = TaskDoneForm()
    if not form.validate_on_submit() and task.status is TaskStatus.OPEN:
        return _tasks_page((task.id, form))
    with commit_or_errors(PointsError, flashed("danger")) as step:
        complete_task(current_user, task, form.note.data or "")
    if step.committed:
        flash(_("约谈任务已完成"), "success")
    return redirect(url_for("facility.tasks"))
