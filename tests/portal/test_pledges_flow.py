"""The pledge workflow through the web: a facility downloads and uploads, the bureau
verifies or rejects, the public sees the result; every status on the way."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime

import pytest

import pledges.render as pledge_render
from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.pledges import PledgeStatus, PledgeUpload
from portal.web import china_date, china_time
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root")


@pytest.fixture
def renders(monkeypatch):
    """Count renders and use a fast stand-in for wkhtmltopdf."""
    calls = []

    def fake(doc, variant="pledge"):
        calls.append((doc.site_code, variant))
        return h.fake_pdf(doc, variant)

    monkeypatch.setattr(pledge_render, "render_pdf", fake)
    return calls


@pytest.fixture
def setup(db, make_facility, make_user):
    admin = make_user(Role.ADMIN, "pl_admin")
    facility = make_facility(name="南通市崇川区承诺医院")
    make_user(Role.FACILITY, "pl_facility", facility=facility)
    make_user(Role.CREDIT_OFFICER, "pl_officer")
    campaign = h.make_campaign(admin)
    db.session.commit()
    return facility, campaign


def _files(root) -> list:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload(client, data: bytes, name: str, campaign_id: int):
    token = csrf_token(client.get("/facility/pledge").get_data(as_text=True))
    return client.post(
        "/facility/pledge/upload",
        data={
            "csrf_token": token,
            "campaign_id": str(campaign_id),
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def fetch(client, url: str):
    """GET a file download and close it (files are streamed from disk)."""
    response = client.get(url)
    response.data_bytes = response.get_data()
    response.close()
    return response


def _flashes(client) -> str:
    return client.get("/facility/pledge").get_data(as_text=True)


def test_four_states_through_the_web(db, client, auth, setup, renders, storage_root):
    facility, campaign = setup
    pledge = h.pledge_of(db, campaign, facility)
    auth.login("pl_facility")
    page = client.get("/facility/pledge").get_data(as_text=True)
    assert campaign.title in page and "未下载" in page and pledge.document_number in page

    # 1. downloaded
    response = fetch(client, f"/facility/pledge/pdf?campaign={campaign.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data_bytes.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.DOWNLOADED and pledge.first_downloaded_at
    poster = fetch(client, "/facility/pledge/poster")
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"

    # 2. uploaded
    scan = samples.good_pdf()
    response = _upload(client, scan, "扫描件.pdf", campaign.id)
    assert response.status_code == 302
    page = _flashes(client)
    assert hashlib.sha256(scan).hexdigest() in page
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED and pledge.upload_count == 1

    # 3. rejected by the bureau, with a reason the facility reads
    auth.logout()
    auth.login("pl_officer")
    queue = client.get("/bureau/pledges/review").get_data(as_text=True)
    assert facility.name in queue
    review = client.get(f"/bureau/pledges/{pledge.id}/review")
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "根据参保患者病情" in html  # the generated text beside the scan
    assert f"/bureau/pledges/{pledge.id}/scan" in html
    token = csrf_token(html)
    for reason in ("", "\u200b"):  # none, or one no one can see
        missing_reason = client.post(
            f"/bureau/pledges/{pledge.id}/review",
            data={"csrf_token": token, "version": "1", "outcome": "reject", "reason": reason},
        )
        assert missing_reason.status_code == 200
        assert "退回时必须填写理由" in missing_reason.get_data(as_text=True)
    client.post(
        f"/bureau/pledges/{pledge.id}/review",
        data={"csrf_token": token, "version": "1", "outcome": "reject", "reason": "未加盖公章"},
    )
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.REJECTED and pledge.rejection_reason == "未加盖公章"
    auth.logout()
    auth.login("pl_facility")
    page = client.get("/facility/pledge").get_data(as_text=True)
    assert "未加盖公章" in page and "退回通知" in page

    # A second upload is a new version; the first one stays.
    second = samples.image("JPEG", size=(400, 560))  # under werkzeug's 500 KB spool
    _upload(client, second, "photo.jpg", campaign.id)
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED
    versions = db.session.scalars(
        db.select(PledgeUpload)
        .where(PledgeUpload.pledge_id == pledge.id)
        .order_by(PledgeUpload.version)
    ).all()
    assert [(u.version, u.file_key) for u in versions] == [
        (1, hashlib.sha256(scan).hexdigest()),
        (2, hashlib.sha256(second).hexdigest()),
    ]
    assert fetch(client, f"/facility/pledge/scan?upload={versions[0].id}").data_bytes == scan

    # 4. verified
    auth.logout()
    auth.login("pl_officer")
    token = csrf_token(client.get(f"/bureau/pledges/{pledge.id}/review").get_data(as_text=True))
    response = client.post(
        f"/bureau/pledges/{pledge.id}/review",
        data={"csrf_token": token, "version": "2", "outcome": "verify"},
    )
    assert response.status_code == 302
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.VERIFIED and pledge.verified_upload_version == 2

    # The public sees the verified pledge and can open it.
    auth.logout()
    public = client.get(f"/facilities/{facility.site_code}").get_data(as_text=True)
    assert "已签署并经医保部门核验" in public
    signed = fetch(client, f"/facilities/{facility.site_code}/pledge/signed")
    assert signed.status_code == 200 and signed.data_bytes == second
    assert signed.mimetype == "image/jpeg"
    assert signed.headers["X-Content-Type-Options"] == "nosniff"
    verify_page = client.get(f"/v/{facility.site_code}").get_data(as_text=True)
    for text in (
        facility.name,
        facility.site_code,
        facility.credit_code,
        versions[1].file_key,
        "定点医疗机构 第1版",
    ):
        assert text in verify_page
    # The day given is the day the scan was sent in, named so: the portal is not told the
    # day the paper was signed.
    sent_in = f"<dt>报送日期</dt><dd>{china_date(versions[1].uploaded_at).isoformat()}</dd>"
    assert sent_in in verify_page and "签署日期" not in verify_page

    actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert {"pledge.download", "pledge.upload", "pledge.reject", "pledge.verify"} <= actions


def test_verified_pledge_cannot_be_uploaded_again(db, client, auth, setup, renders):
    facility, campaign = setup
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(None, pledge)
    h.verify(None, pledge)
    db.session.commit()
    auth.login("pl_facility")
    _upload(client, samples.good_pdf(pages=2), "again.pdf", campaign.id)
    assert "已核验通过，无需再次上传" in _flashes(client)
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(PledgeUpload)
            .where(PledgeUpload.pledge_id == pledge.id)
        )
        == 1
    )


def _versions(db, pledge) -> list[int]:
    return list(
        db.session.scalars(
            db.select(PledgeUpload.version)
            .where(PledgeUpload.pledge_id == pledge.id)
            .order_by(PledgeUpload.version)
        )
    )


def _upload_audits(db) -> int:
    return db.session.scalar(db.select(db.func.count()).where(AuditLog.action == "pledge.upload"))


def _refused_as_same(client, storage_root, data: bytes, campaign_id: int) -> str:
    """Upload ``data`` and return the page shown after it, checking that nothing was
    stored and that the form is there to upload another file."""
    files = _files(storage_root)
    response = _upload(client, data, "again.pdf", campaign_id)
    assert response.status_code == 302
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _flashes(client)))
    assert "内容完全相同，本次未保存，未作任何更改" in page, page
    assert "上传失败" not in page
    assert _files(storage_root) == files
    form = _flashes(client)
    assert 'action="/facility/pledge/upload"' in form and 'name="file"' in form
    return page


def test_the_same_file_as_the_latest_version_is_refused_and_nothing_is_stored(
    db, client, auth, setup, renders, storage_root
):
    """A double click, the same scan sent again to be sure, or again after a rejection:
    the page names the version it is the same as, in China time, and nothing is added."""
    facility, campaign = setup
    pledge = h.pledge_of(db, campaign, facility)
    db.session.commit()
    auth.login("pl_facility")
    scan = samples.good_pdf(pages=2)
    _upload(client, scan, "scan.pdf", campaign.id)
    assert "已上传第 1 版扫描件" in _flashes(client)
    # Uploaded at 17:30 UTC: in China it was already 01:30 the next day.
    first = db.session.scalar(db.select(PledgeUpload).where(PledgeUpload.pledge_id == pledge.id))
    first.uploaded_at = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    db.session.commit()
    stored = _files(storage_root)
    assert stored == [hashlib.sha256(scan).hexdigest()]

    page = _refused_as_same(client, storage_root, scan, campaign.id)
    assert "该文件与 2026-03-02 01:30 上传的第 1 版扫描件（最新一版）内容完全相同" in page
    assert "第 1 版正在等待医保局核验，无需重复上传" in page
    assert _versions(db, pledge) == [1] and _upload_audits(db) == 1
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED and pledge.upload_count == 1

    h.reject(None, pledge)
    db.session.commit()
    page = _refused_as_same(client, storage_root, scan, campaign.id)
    assert "第 1 版扫描件（最新一版）内容完全相同" in page
    assert "第 1 版已被医保局退回，请按退回理由重新签字盖章、扫描后上传" in page
    assert _versions(db, pledge) == [1] and _upload_audits(db) == 1
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.REJECTED and pledge.rejection_reason == "公章不清晰"
    assert _files(storage_root) == stored

    # Another file is a new version, as before.
    _upload(client, samples.good_pdf(pages=3), "scan.pdf", campaign.id)
    assert "已上传第 2 版扫描件" in _flashes(client)
    assert _versions(db, pledge) == [1, 2] and _upload_audits(db) == 2


def test_an_earlier_version_is_refused_once_rejected_and_taken_back_while_unreviewed(
    db, client, auth, setup, renders, storage_root
):
    """The rejected version 1 sent again while version 2 awaits review is refused; version
    2, replaced by version 3 before anyone reviewed it, may be sent again (the facility
    uploaded the wrong file) and is version 4."""
    facility, campaign = setup
    pledge = h.pledge_of(db, campaign, facility)
    rejected, unreviewed, wrong = (samples.good_pdf(pages=n) for n in (2, 3, 4))
    h.upload(None, pledge, rejected)
    h.reject(None, pledge)
    h.upload(None, pledge, unreviewed)
    h.upload(None, pledge, wrong)
    db.session.commit()
    first = china_time(pledge.uploads[0].uploaded_at)
    auth.login("pl_facility")

    page = _refused_as_same(client, storage_root, rejected, campaign.id)
    assert f"该文件与 {first} 上传的第 1 版扫描件（此前一版）内容完全相同" in page
    assert "第 1 版已被医保局退回" in page
    assert _versions(db, pledge) == [1, 2, 3] and _upload_audits(db) == 3

    _upload(client, unreviewed, "scan.pdf", campaign.id)
    assert "已上传第 4 版扫描件" in _flashes(client)
    db.session.expire_all()
    assert _versions(db, pledge) == [1, 2, 3, 4]
    assert pledge.uploads[-1].file_key == pledge.uploads[1].file_key


def test_a_scan_keeps_the_extension_of_what_it_holds(db, client, auth, setup, renders):
    """A photo sent as ``签章扫描件.pdf`` is kept under the name ``签章扫描件.jpg``."""
    facility, campaign = setup
    pledge = h.pledge_of(db, campaign, facility)
    auth.login("pl_facility")
    photo = samples.image("JPEG", size=(400, 560))
    _upload(client, photo, "签章扫描件.pdf", campaign.id)
    assert "已上传第 1 版扫描件" in _flashes(client)
    (upload,) = db.session.scalars(
        db.select(PledgeUpload).where(PledgeUpload.pledge_id == pledge.id)
    )
    assert (upload.original_name, upload.media_type) == ("签章扫描件.jpg", "image/jpeg")


FUZZ = {
    "wrong magic": (b"GIF89a" + b"\0" * 500, "scan.pdf", "文件格式不受支持"),
    "truncated pdf": (samples.good_pdf()[:-40], "scan.pdf", "PDF 文件不完整"),
    "zero bytes": (b"", "scan.pdf", "文件为空"),
    "pdf with javascript": (samples.pdf_with_javascript(), "scan.pdf", "活动内容"),
    "pdf with embedded file": (samples.pdf_with_embedded_file(), "scan.pdf", "活动内容"),
    "pdf open action": (samples.pdf_with_open_action_js(), "scan.pdf", "活动内容"),
    "html named png": (samples.HTML, "scan.png", "网页、SVG 或脚本"),
    "svg": (samples.SVG, "scan.svg", "网页、SVG 或脚本"),
    "path traversal": (samples.good_pdf(), "../../../instance/secret_key", "文件名无效"),
    "windows traversal": (samples.good_pdf(), "..\\..\\x.pdf", "文件名无效"),
}


@pytest.mark.parametrize("case", sorted(FUZZ))
def test_upload_fuzzing_stores_nothing(db, client, auth, setup, storage_root, case):
    facility, campaign = setup
    data, name, message = FUZZ[case]
    auth.login("pl_facility")
    before = _files(storage_root)
    response = _upload(client, data, name, campaign.id)
    assert response.status_code == 302
    page = _flashes(client)
    assert "上传失败" in page and message in page, page
    assert _files(storage_root) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(PledgeUpload)) == 0
    pledge = h.pledge_of(db, campaign, facility)
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.NOT_DOWNLOADED


def test_oversized_upload_uses_the_configured_limit(app, db, client, auth, setup, storage_root):
    facility, campaign = setup
    auth.login("pl_facility")
    app.config["PLEDGE_UPLOAD_MAX_BYTES"] = 2048
    try:
        _upload(client, samples.good_pdf() + b"%" * 4096, "big.pdf", campaign.id)
    finally:
        app.config["PLEDGE_UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
    page = _flashes(client)
    assert "文件过大" in page and "MB" in page
    assert _files(storage_root) == []
    # Beyond the request limit the server refuses before reading: a Chinese 413 page.
    previous, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 4096
    try:
        response = _upload(client, b"%PDF-" + b"0" * 8192, "huge.pdf", campaign.id)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
    assert _files(storage_root) == []


def test_a_failed_commit_leaves_no_orphan_file(db, client, auth, setup, storage_root, monkeypatch):
    facility, campaign = setup
    auth.login("pl_facility")
    from portal.operations import audit

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("portal.operations.pledges.record_audit", broken)
    assert audit.record_audit is not broken
    response = _upload(client, samples.good_pdf(pages=3), "scan.pdf", campaign.id)
    assert response.status_code == 500
    assert _files(storage_root) == []


def test_a_shared_file_survives_a_failed_upload(db, client, auth, setup, storage_root, monkeypatch):
    """Content already named by another row is not deleted when a later write fails."""
    facility, campaign = setup
    data = samples.good_pdf(pages=2)
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(None, pledge, data)
    # Replaced before review: the same content may be sent again as a new version.
    h.upload(None, pledge, samples.good_pdf(pages=3))
    db.session.commit()
    auth.login("pl_facility")
    monkeypatch.setattr(
        "portal.operations.pledges.record_audit",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")),
    )
    _upload(client, data, "same.pdf", campaign.id)
    assert hashlib.sha256(data).hexdigest() in _files(storage_root)
    assert _versions(db, pledge) == [1, 2]


def test_facility_without_campaign_sees_an_empty_state(db, client, auth, make_user, make_facility):
    make_user(Role.FACILITY, "lonely", facility=make_facility())
    auth.login("lonely")
    page = client.get("/facility/pledge")
    assert page.status_code == 200
    assert "目前不在任何承诺书签署活动范围内" in page.get_data(as_text=True)
    assert client.get("/facility/pledge/pdf").status_code == 404


def test_contact_email_is_validated_and_audited(db, client, auth, setup):
    from portal.models.pledge_extras import PledgeContact

    facility, _campaign = setup
    auth.login("pl_facility")
    token = csrf_token(client.get("/facility/pledge").get_data(as_text=True))
    client.post("/facility/pledge/contact", data={"csrf_token": token, "email": "yb@example.cn"})
    assert 'value="yb@example.cn"' in _flashes(client)
    assert db.session.scalar(
        db.select(AuditLog).where(AuditLog.action == "pledge.contact")
    ).summary["after"] == {"email": "yb@example.cn"}
    # A refused address is shown again as typed, with the reason under the field, rather
    # than the saved one (which stays) behind a message at the top of the page.
    for typed, why in (("not-an-email", "邮箱地址格式不正确"), ("a" * 250 + "@x.cn", "254")):
        refused = client.post(
            "/facility/pledge/contact", data={"csrf_token": token, "email": typed}
        )
        assert refused.status_code == 200
        page = refused.get_data(as_text=True)
        assert "通知邮箱未保存" in page and why in page
        assert f'value="{typed}"' in page and 'value="yb@example.cn"' not in page
        assert db.session.get(PledgeContact, facility.id).email == "yb@example.cn"
    # Spaces only are no address: the notices stop, and the message says so.
    client.post("/facility/pledge/contact", data={"csrf_token": token, "email": "   "})
    assert "已取消邮件通知" in _flashes(client)
    assert db.session.get(PledgeContact, facility.id) is None


def test_csrf_is_required_for_uploads(app, db, client, auth, setup):
    _facility, campaign = setup
    auth.login("pl_facility")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/facility/pledge/upload",
        data={"campaign_id": str(campaign.id), "file": (io.BytesIO(samples.good_pdf()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert re.search("页面已过期|表单校验失败", response.get_data(as_text=True))
