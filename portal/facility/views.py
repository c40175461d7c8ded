from flask import current_app, render_template, request
from flask_login import current_user

from portal.extensions import db
from portal.facility import bp
from portal.queries import staff_search


@bp.route("/")
def home():
    return render_template("facility/home.html", facility=current_user.facility)


@bp.route("/staff")
def staff():
    stmt = staff_search(
        q=request.args.get("q", ""),
        facility_id=current_user.facility_id,
        profession=request.args.get("profession", ""),
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("facility/staff.html", facility=current_user.facility, page=page)
