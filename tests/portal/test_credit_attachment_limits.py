"""Request size for the evidence forms (issue 4): five files each just under the per-file
limit fit in one adjustment or objection, while every other request keeps the smaller
limit of one scan."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models.credit import CreditAdjustment, CreditAppeal, CreditAttachment
from portal.models.enums import Role
from portal.operations.credit_workflow import MAX_ATTACHMENTS
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import finding_decided_on

KB = 1024


def _pdf_of_size(size: int, tag: str) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (padded in its metadata); ``tag``
    makes each file's content, and so its storage key, different."""
    from io import BytesIO

    from pypdf import PdfWriter

    def build(padding: int) -> bytes:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Title": tag, "/Subject": "x" * padding})
        out = BytesIO()
        writer.write(out)
        return out.getvalue()

    padding = size - len(build(0))
    for _ in range(3):  # offsets printed in the file may grow by a digit
        data = build(padding)
        if len(data) == size:
            return data
        padding += size - len(data)
    raise AssertionError(f"cannot build a PDF of {size} bytes")


def _post_large(client, url: str, data: dict):
    """A multipart POST encoded in memory: above 500 KB the test client would spool the
    body to a temporary file that it never closes (a ResourceWarning, an error here)."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    fields = {
        name: [FileStorage(BytesIO(blob), filename=n) for blob, n in value]
        if isinstance(value, list)
        else value
        for name, value in data.items()
    }
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def small_app(app, tmp_path):
    """The portal configured with 100 KB evidence files and 16 KB for the other fields,
    on the test database (the ``db`` fixture's transaction serves its requests too)."""
    from tests.conftest import make_app

    return make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        str(tmp_path / "instance"),
        PLEDGE_UPLOAD_MAX_BYTES=100 * KB,
        UPLOAD_FORM_MARGIN_BYTES=16 * KB,
        STORAGE_ROOT=str(tmp_path / "small-files"),
    )


def test_request_limits_follow_the_file_limits(small_app):
    config = small_app.config
    assert config["CREDIT_ATTACHMENT_MAX_FILES"] == MAX_ATTACHMENTS == 5
    # The evidence forms: every file at its limit, plus the other fields.
    assert config["CREDIT_REQUEST_MAX_BYTES"] == 5 * 100 * KB + 16 * KB
    # Every other request carries at most one scan or photo; imports their own file.
    assert config["MAX_CONTENT_LENGTH"] == 100 * KB + 16 * KB
    assert config["IMPORT_REQUEST_MAX_BYTES"] == 20 * 1024 * KB + 16 * KB


def test_five_files_just_under_the_limit_fit_in_one_adjustment(
    db, small_app, make_facility, make_user
):
    from tests.conftest import AuthActions

    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    db.session.commit()
    client = small_app.test_client()
    AuthActions(client).login("officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    form = client.get(url).get_data(as_text=True)
    assert "最多 5 个" in form and "每个不超过 0.10 MB" in form
    files = [_pdf_of_size(99 * KB, f"证明{n}") for n in range(5)]
    # Together they are far more than one request elsewhere may carry.
    assert sum(map(len, files)) > small_app.config["MAX_CONTENT_LENGTH"]

    def post(*uploads):
        data = {
            "csrf_token": csrf_token(form),
            "mode": "points",
            "points": "-3",
            "reason": "未按期整改" * 200,
            "evidence": "通医保罚〔2026〕8号" * 100,
            "attachments": list(uploads),
        }
        return _post_large(client, url, data)

    # One file over the per-file limit: the form again, saying which file and why.
    refused = post((files[0], "好的.pdf"), (_pdf_of_size(101 * KB, "大"), "过大.pdf"))
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "过大.pdf：文件过大：上限为 0.10 MB" in page
    assert db.session.scalar(select(func.count()).select_from(CreditAttachment)) == 0

    response = post(*((data, f"证明{n}.pdf") for n, data in enumerate(files)))
    assert response.status_code == 302, response.get_data(as_text=True)
    adjustment = db.session.scalar(select(CreditAdjustment))
    assert [(a.original_name, a.size) for a in adjustment.attachments] == [
        (f"证明{n}.pdf", 99 * KB) for n in range(5)
    ]
    # The larger limit is this form's only: a request elsewhere still gets the 413 page.
    elsewhere = _post_large(
        client,
        "/auth/account",
        {"csrf_token": csrf_token(form), "attachments": [(files[0], "a.pdf"), (files[1], "b.pdf")]},
    )
    assert elsewhere.status_code == 413
    assert "上传的文件过大" in elsewhere.get_data(as_text=True)


def test_five_files_just_under_the_limit_fit_in_one_objection(
    db, small_app, make_facility, make_user
):
    from tests.conftest import AuthActions

    own = make_facility(name="本院")
    mine = finding_decided_on(china_today(), make_user, own)
    make_user(Role.FACILITY, "fac", facility=own)
    db.session.commit()
    client = small_app.test_client()
    AuthActions(client).login("fac")
    url = "/facility/credit/appeal"
    form = client.get(url).get_data(as_text=True)
    files = [_pdf_of_size(99 * KB, f"凭证{n}") for n in range(5)]
    response = _post_large(
        client,
        url,
        {
            "csrf_token": csrf_token(form),
            "subject": str(mine.id),
            "reason": "金额有误" * 500,
            "attachments": [(data, f"凭证{n}.pdf") for n, data in enumerate(files)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    appeal = db.session.scalar(select(CreditAppeal))
    assert len(appeal.attachments) == 5
    assert {a.size for a in appeal.attachments} == {99 * KB}
