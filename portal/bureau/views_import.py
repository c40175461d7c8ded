from flask import flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from portal.bureau import bp
from portal.bureau.forms import ImportForm
from portal.extensions import db
from portal.imports import IMPORT_COLUMNS, IMPORT_KINDS, import_file
from portal.permissions import require
from portal.request_limits import accepts_files


@bp.route("/import", methods=["GET", "POST"])
@accepts_files("IMPORT_MAX_BYTES", request_key="IMPORT_REQUEST_MAX_BYTES")
@require("registry.import")
def import_data():
    """Upload a CSV/XLSX of facilities or staff: a row-by-row report, all or nothing."""
    forms = {kind: ImportForm(prefix=kind) for kind in IMPORT_KINDS}
    report = None
    for kind, form in forms.items():
        if form.file.name in _submitted_files() and form.validate_on_submit():
            upload = form.file.data
            report = import_file(
                current_user, kind, upload.stream, upload.filename or "", dry_run=form.dry_run.data
            )
            if report.ok and not form.dry_run.data:
                db.session.commit()
                flash(
                    _(
                        "导入完成：新增 %(c)d 条，更新 %(u)d 条，无变化 %(k)d 条。",
                        c=report.created,
                        u=report.updated,
                        k=report.unchanged,
                    ),
                    "success",
                )
            else:
                db.session.rollback()
                if report.ok:
                    flash(_("校验通过，未导入（仅校验）。"), "info")
                else:
                    flash(_("文件存在错误，未导入任何数据，请按下方报告修改后重新上传。"), "danger")
            break
    return render_template("bureau/import.html", forms=forms, report=report, columns=IMPORT_COLUMNS)


def _submitted_files() -> set[str]:
    from flask import request

    return set(request.files)
