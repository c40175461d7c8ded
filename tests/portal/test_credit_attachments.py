"""Evidence files on manual adjustments and facilities' objections (issue 4): checked by
content, stored with the row in one unit of work, downloadable only by those who may."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from portal.models.audit import AuditLog
from portal.models.credit import CreditAdjustment, CreditAppeal, CreditAttachment
from portal.models.enums import Role
from portal.operations.credit_workflow import (
    MAX_ATTACHMENTS,
    CreditError,
    check_attachments,
)
from portal.storage import check_storage, get_storage
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import attach_evidence, finding_decided_on
from tests.pledges import samples

HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def _own_storage(app, tmp_path):
    """A fresh storage directory per test, so files from other tests do not interfere."""
    previous = app.config.get("STORAGE_ROOT")
    app.config["STORAGE_ROOT"] = str(tmp_path / "files")
    yield
    app.config["STORAGE_ROOT"] = previous


def _token(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def _key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _propose(client, facility, *files):
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    data = {
        "csrf_token": _token(client, url),
        "mode": "points",
        "points": "-3",
        "reason": "未按期整改",
        "attachments": list(files),
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def _file(data: bytes, name: str):
    import io

    return (io.BytesIO(data), name)


def test_adjustment_with_evidence_file_is_stored_audited_and_downloadable(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    make_user(Role.APPROVER, "appr")
    pdf, png = samples.good_pdf(pages=2), samples.image("PNG", size=(320, 400))
    auth.login("officer")
    page = client.get(f"/bureau/facilities/{facility.id}/credit/adjust").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "multiple" in page
    response = _propose(client, facility, _file(pdf, "处罚决定书.pdf"), _file(png, "现场.png"))
    assert response.status_code == 302, response.get_data(as_text=True)
    adjustment = db.session.scalar(select(CreditAdjustment))
    rows = adjustment.attachments
    assert [(r.file_key, r.media_type, r.original_name, r.size) for r in rows] == [
        (_key(pdf), "application/pdf", "处罚决定书.pdf", len(pdf)),
        (_key(png), "image/png", "现场.png", len(png)),
    ]
    assert all(r.uploaded_by.username == "officer" and r.uploaded_at for r in rows)
    storage = get_storage()
    assert storage.exists(_key(pdf)) and storage.exists(_key(png))
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "credit.adjust_propose"))
    logged = audit.summary["after"]["attachments"]
    assert [a["sha256"] for a in logged] == [_key(pdf), _key(png)]
    # The approver sees the files on the decision page and downloads them.
    auth.logout()
    auth.login("appr")
    decide = client.get(f"/bureau/credit/adjustments/{adjustment.id}").get_data(as_text=True)
    url = f"/bureau/credit/attachments/{rows[0].id}"
    assert url in decide and "处罚决定书.pdf" in decide
    download = client.get(url)
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/bureau/credit/attachments/987654321").status_code == 404
    # Attachment files are referenced: the storage check lists no orphans, deletes nothing.
    assert check_storage().orphans == [] and check_storage().missing == []


def test_evidence_files_are_named_by_what_they_hold(db, client, auth, make_facility, make_user):
    """A PNG sent as ``现场.pdf`` is served as a PNG: it is listed and downloaded as
    ``现场.png`` too, so that the file saved opens in the right program."""
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    png, jpeg = samples.image("PNG", size=(320, 400)), samples.image("JPEG", size=(320, 400))
    auth.login("officer")
    response = _propose(client, facility, _file(png, "现场.pdf"), _file(jpeg, "scan"))
    assert response.status_code == 302, response.get_data(as_text=True)
    rows = db.session.scalar(select(CreditAdjustment)).attachments
    assert [(r.original_name, r.media_type) for r in rows] == [
        ("现场.png", "image/png"),
        ("scan.jpg", "image/jpeg"),
    ]
    page = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    assert "现场.png" in page and "现场.pdf" not in page
    download = client.get(f"/bureau/credit/attachments/{rows[0].id}")
    assert download.mimetype == "image/png" and download.data == png
    disposition = download.headers["Content-Disposition"]
    assert disposition.endswith("''%E7%8E%B0%E5%9C%BA.png") and ".pdf" not in disposition


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML_AS_PDF, "证明.pdf", "网页"),
        (b"", "空文件.pdf", "0 字节"),
        (b"%PDF-1.4 " + b"0" * 3000 + b"\n%%EOF", "过大.pdf", "文件过大"),
    ],
    ids=["html-named-pdf", "empty", "too-large"],
)
def test_refused_evidence_file_stores_nothing(
    app, db, client, auth, make_facility, make_user, monkeypatch, data, name, message
):
    monkeypatch.setitem(app.config, "PLEDGE_UPLOAD_MAX_BYTES", 2048)
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    auth.login("officer")
    good = samples.good_pdf(pages=3)
    response = _propose(client, facility, _file(good, "好的.pdf"), _file(data, name))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and name in page
    assert db.session.scalar(select(func.count()).select_from(CreditAdjustment)) == 0
    assert db.session.scalar(select(func.count()).select_from(CreditAttachment)) == 0
    # Checked before anything is stored: neither the good file nor the bad one is on disk.
    assert list(get_storage().keys()) == []
    assert not get_storage().exists(_key(data))


def test_every_refused_file_is_named_at_once():
    """Told only of the first, the user fixed it, chose every file again and was refused
    for the next one."""
    uploads = [(samples.good_pdf(), "好的.pdf"), (HTML_AS_PDF, "网页.pdf"), (b"", "空的.pdf")]
    with pytest.raises(CreditError) as caught:
        check_attachments(uploads)
    message = caught.value.errors["attachments"]
    assert "网页.pdf：" in message and "空的.pdf：" in message and "好的.pdf" not in message


def test_too_many_files_are_refused():
    uploads = [(samples.good_pdf(), "a.pdf")] * (MAX_ATTACHMENTS + 1)
    with pytest.raises(CreditError) as caught:
        check_attachments(uploads)
    assert "attachments" in caught.value.errors


def test_failed_commit_removes_the_new_files(db, make_facility, make_user):
    from portal.operations.credit_workflow import propose_adjustment
    from portal.storage import commit_with_files

    facility = make_facility()
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    pdf = samples.good_pdf(pages=4)
    with pytest.raises(RuntimeError), commit_with_files() as files:
        propose_adjustment(
            officer,
            facility,
            points="-1",
            reason="测试",
            attachments=[(pdf, "a.pdf")],
            files=files,
        )
        assert get_storage().exists(_key(pdf))
        raise RuntimeError("database failed")
    assert not get_storage().exists(_key(pdf))


def test_facility_attaches_evidence_to_its_objection(db, client, auth, make_facility, make_user):
    own, other = make_facility(name="本院"), make_facility(name="他院")
    mine = finding_decided_on(china_today(), make_user, own)
    make_user(Role.FACILITY, "fac", facility=own)
    make_user(Role.FACILITY, "fac_other", facility=other)
    make_user(Role.APPROVER, "appr")
    db.session.commit()
    auth.login("fac")
    url = "/facility/credit/appeal"
    form = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    pdf = samples.good_pdf(pages=5)
    refused = client.post(
        url,
        data={
            "csrf_token": csrf_token(form),
            "subject": str(mine.id),
            "reason": "金额有误",
            "attachments": [_file(HTML_AS_PDF, "退款凭证.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and "网页" in refused.get_data(as_text=True)
    assert db.session.scalar(select(CreditAppeal.id)) is None
    assert list(get_storage().keys()) == []
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(form),
            "subject": str(mine.id),
            "reason": "金额有误",
            "attachments": [_file(pdf, "退款凭证.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    appeal = db.session.scalar(select(CreditAppeal))
    (row,) = appeal.attachments
    assert row.file_key == _key(pdf) and get_storage().exists(row.file_key)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "credit.appeal_file"))
    assert audit.summary["after"]["attachments"][0]["sha256"] == _key(pdf)
    own_url = f"/facility/credit/attachments/{row.id}"
    assert own_url in client.get("/facility/credit").get_data(as_text=True)
    download = client.get(own_url)
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Another facility gets 404, as for a missing file.
    auth.logout()
    auth.login("fac_other")
    assert client.get(own_url).status_code == 404
    # The bureau sees and downloads it on the objection page.
    auth.logout()
    auth.login("appr")
    page = client.get(f"/bureau/credit/appeals/{appeal.id}").get_data(as_text=True)
    bureau_url = f"/bureau/credit/attachments/{row.id}"
    assert bureau_url in page and "退款凭证.pdf" in page
    assert client.get(bureau_url).data == pdf


def test_storage_check_keeps_attachment_files(db, runner, make_facility, make_user):

    facility = make_facility()
    appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=china_today())
    db.session.add(appeal)
    db.session.flush()
    row = attach_evidence(samples.good_pdf(pages=6), appeal=appeal)
    db.session.commit()
    orphan = get_storage().store(b"%PDF-1.4 nobody refers to me").key
    assert check_storage().orphans == [orphan]
    result = runner.invoke(args=["storage", "check", "--delete-orphans", "--min-age", "-1"])
    assert result.exit_code == 0, result.output
    assert row.file_key not in result.output
    assert get_storage().exists(row.file_key) and not get_storage().exists(orphan)


# --- The bureau's credit overview lists the evidence files ------------------------------


def test_facility_credit_overview_lists_evidence_files(db, client, auth, make_facility, make_user):
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    make_user(Role.INSPECTOR, "viewer")
    auth.login("officer")
    pdf = samples.good_pdf(pages=2)
    response = _propose(client, facility, _file(pdf, "处罚决定书.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)
    (on_adjustment,) = db.session.scalar(select(CreditAdjustment)).attachments
    appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=china_today())
    db.session.add(appeal)
    db.session.flush()
    appeal_pdf = samples.good_pdf(pages=3)

    on_appeal = attach_evidence(appeal_pdf, "退款凭证.pdf", appeal=appeal)
    db.session.commit()
    auth.logout()
    # Any bureau role that sees the overview may download the files listed there.
    auth.login("viewer")
    page = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    adjustment_url = f"/bureau/credit/attachments/{on_adjustment.id}"
    appeal_url = f"/bureau/credit/attachments/{on_appeal.id}"
    adjustments, appeals = page.split("人工调整", 1)[1].split("异议与信用修复", 1)
    assert f'href="{adjustment_url}"' in adjustments and "处罚决定书.pdf" in adjustments
    assert f'href="{appeal_url}"' in appeals and "退款凭证.pdf" in appeals
    # Size, who uploaded it and when (the appeal's file has no uploader recorded).
    assert f"{len(pdf) / 1024:.1f} KB，测试信用评价专员，" in adjustments
    assert f"{len(appeal_pdf) / 1024:.1f} KB，" in appeals
    download = client.get(adjustment_url)
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(appeal_url).data == appeal_pdf
