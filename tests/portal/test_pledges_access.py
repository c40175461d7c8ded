"""Who sees which pledge: a facility only its own (another's is a 404), the public the
current campaign's status and verified scan, the API the same as JSON, and bureau roles
that do not review pledges read them without the review form."""

from __future__ import annotations

import io

import pytest

from portal.models.enums import Role
from portal.models.pledges import PledgeStatus
from portal.pledge_queries import get_pledge_or_404
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root", "fake_pdf_render")


@pytest.fixture
def two(db, make_facility, make_user):
    """Facility A and B, each in a campaign of its county (one pledge a year each: B is
    not in A's); B has uploaded a scan."""
    a = make_facility(name="甲方医院")
    b = make_facility(name="乙方医院", county="海安市")
    make_user(Role.FACILITY, "user_a", facility=a)
    make_user(Role.FACILITY, "user_b", facility=b)
    templates = h.issue_samples()
    shared = h.make_campaign(templates=templates, counties=[a.county])
    only_b = h.make_campaign(templates=templates, counties=["海安市"], title="海安市补充签署")
    b_upload = h.upload(None, h.pledge_of(db, only_b, b))
    db.session.commit()
    return a, b, shared, only_b, b_upload


def _status(client, url):
    response = client.get(url)
    response.close()
    return response.status_code


def test_facility_a_cannot_see_download_or_upload_b_pledge(db, client, auth, two):
    a, b, shared, only_b, b_upload = two
    b_pledge = h.pledge_of(db, only_b, b)
    auth.login("user_a")
    page = client.get("/facility/pledge").get_data(as_text=True)
    assert a.name in page and b.name not in page and b_pledge.document_number not in page
    assert _status(client, f"/facility/pledge?campaign={shared.id}") == 200
    for url in (
        f"/facility/pledge?campaign={only_b.id}",
        f"/facility/pledge/pdf?campaign={only_b.id}",
        f"/facility/pledge/poster?campaign={only_b.id}",
        f"/facility/pledge/scan?upload={b_upload.id}",
        f"/facility/pledge/scan?upload={b_upload.id}&download=1",
    ):
        assert _status(client, url) == 404, url
    token = csrf_token(page)
    response = client.post(
        "/facility/pledge/upload",
        data={
            "csrf_token": token,
            "campaign_id": str(only_b.id),
            "file": (io.BytesIO(samples.good_pdf(pages=4)), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    db.session.refresh(b_pledge)
    assert b_pledge.upload_count == 1
    # The bureau's pledge pages are closed to facility users altogether.
    for url in (
        f"/bureau/pledges/{b_pledge.id}/review",
        f"/bureau/pledges/{b_pledge.id}/scan",
        f"/bureau/facilities/{b.id}/pledges",
        "/bureau/pledges",
    ):
        assert _status(client, url) == 403, url


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TIPOFF_HANDLER])
def test_bureau_readers_open_the_pledge_they_are_linked_to_but_cannot_decide(
    db, client, auth, two, make_user, role
):
    """The campaign and facility pages link every bureau role to a pledge with scans; a
    role that does not review reads it there without the form, and cannot post one."""
    _a, b, _shared, only_b, _upload = two
    pledge = h.pledge_of(db, only_b, b)
    make_user(role, "reader")
    auth.login("reader")
    review = f"/bureau/pledges/{pledge.id}/review"
    for url in (f"/bureau/pledges/campaigns/{only_b.id}", f"/bureau/facilities/{b.id}/pledges"):
        assert f'href="{review}"' in client.get(url).get_data(as_text=True), url
    page = client.get(review)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/bureau/pledges/{pledge.id}/scan?version=1" in html
    assert 'name="outcome"' not in html
    response = client.post(
        review, data={"csrf_token": csrf_token(html), "outcome": "verify", "reason": ""}
    )
    assert response.status_code == 403
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED


def test_the_loader_hides_other_facilities_pledges(db, two, make_user):
    from werkzeug.exceptions import NotFound

    a, b, _shared, only_b, _ = two
    pledge = h.pledge_of(db, only_b, b)
    from portal.models.user import User

    user_a = db.session.scalar(db.select(User).where(User.username == "user_a"))
    user_b = db.session.scalar(db.select(User).where(User.username == "user_b"))
    with pytest.raises(NotFound):
        get_pledge_or_404(pledge.id, for_user=user_a)
    assert get_pledge_or_404(pledge.id, for_user=user_b) is pledge
    inspector = make_user(Role.INSPECTOR, "loader_inspector")
    assert get_pledge_or_404(pledge.id, for_user=inspector) is pledge
    with pytest.raises(NotFound):
        get_pledge_or_404(987654, for_user=inspector)


def test_public_sees_status_and_only_a_verified_scan(db, client, two):
    a, b, _shared, only_b, b_upload = two
    # B's current campaign is the second one; its scan awaits review: not public yet.
    page = client.get(f"/facilities/{b.site_code}").get_data(as_text=True)
    assert "待医保部门核验" in page
    assert _status(client, f"/facilities/{b.site_code}/pledge/signed") == 404
    h.verify(None, h.pledge_of(db, only_b, b))
    db.session.commit()
    response = client.get(f"/facilities/{b.site_code}/pledge/signed")
    assert response.status_code == 200 and response.get_data() == samples.good_pdf()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    response.close()
    assert "尚未提交签署的承诺书" in client.get(f"/v/{a.site_code}").get_data(as_text=True)
    # One sent in and rejected was sent in: the public is not told otherwise.
    a_pledge = h.pledge_of(db, _shared, a)
    h.upload(None, a_pledge)
    h.reject(None, a_pledge)
    db.session.commit()
    page = client.get(f"/v/{a.site_code}").get_data(as_text=True)
    assert "已提交的承诺书未通过医保部门核验，待重新提交" in page and "尚未提交" not in page
    assert _status(client, "/v/H99999999999") == 404
    assert _status(client, f"/facilities/{a.site_code}/pledge.pdf") == 200
    assert _status(client, f"/facilities/{a.site_code}/pledge-poster.pdf") == 200


def test_verify_page_shows_the_grade_when_there_is_one(db, client, make_facility):
    facility = make_facility(name="评级医院")
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    upload = h.upload(None, pledge)
    assert "信用评价等级" not in client.get(f"/v/{facility.site_code}").get_data(as_text=True)
    # Verifying recomputes the grade, which the page then shows.
    h.verify(None, pledge)
    page = client.get(f"/v/{facility.site_code}").get_data(as_text=True)
    assert facility.credit_grade == "A" and "<strong>A</strong>" in page
    for text in (
        "评级医院",
        facility.site_code,
        facility.credit_code,
        "已签署并经医保部门核验",
        "定点医疗机构 第1版",
        upload.file_key,
        pledge.document_number,
    ):
        assert text in page, text
    facility.credit_grade = "B"
    db.session.flush()
    page = client.get(f"/v/{facility.site_code}").get_data(as_text=True)
    assert "信用评价等级" in page and "<strong>B</strong>" in page


def test_api_pledge(db, client, make_facility):
    facility = make_facility()
    empty = client.get(f"/api/v1/facilities/{facility.site_code}/pledge").get_json()
    assert empty["campaign"] is None and empty["status"] is None
    assert empty["verify_url"] == f"http://localhost/v/{facility.site_code}"
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    body = client.get(f"/api/v1/facilities/{facility.site_code}/pledge").get_json()
    assert body["campaign"]["id"] == campaign.id and body["status"] == "not_downloaded"
    assert body["template_version"]["label"] == "定点医疗机构 第1版"
    assert body["pdf_url"].endswith(f"/facilities/{facility.site_code}/pledge.pdf")
    assert body["poster_url"].endswith(f"/facilities/{facility.site_code}/pledge-poster.pdf")
    assert body["signed_sha256"] is None and body["verified_at"] is None
    upload = h.upload(None, pledge)
    h.verify(None, pledge)
    body = client.get(f"/api/v1/facilities/{facility.site_code.lower()}/pledge").get_json()
    assert body["status"] == PledgeStatus.VERIFIED.value
    assert body["signed_sha256"] == upload.file_key and body["verified_at"]
    assert body["signed_url"].endswith("/pledge/signed")
    missing = client.get("/api/v1/facilities/H99999999999/pledge")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == 404


def test_a_remembered_public_pdf_is_only_for_the_address_it_was_made_for(
    app, db, client, two, monkeypatch
):
    """Without PUBLIC_BASE_URL the QR code carries the request's address: a request naming
    another Host gets its own PDF, and what is remembered for it is not handed to others."""
    a = two[0]
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    monkeypatch.setitem(app.config, "PLEDGE_PUBLIC_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "medcredit_public_pdfs", {})

    def etag(variant, **kwargs):
        response = client.get(f"/facilities/{a.site_code}/{variant}", **kwargs)
        response.close()
        assert response.status_code == 200
        return response.headers["ETag"]

    for variant in ("pledge.pdf", "pledge-poster.pdf"):
        own = etag(variant)
        # Twice: rendered, then served from the cache and remembered.
        forged = [etag(variant, base_url="http://evil.example") for _ in range(2)]
        assert forged[0] == forged[1] != own
        assert etag(variant) == own


def test_a_facilitys_own_files_are_marked_private_and_public_ones_are_not(db, client, auth, two):
    """A shared cache (a proxy) may keep the public signed pledge, never what a facility
    opens in its own area: its unverified scans and pre-filled pledge."""
    _a, b, _shared, only_b, b_upload = two
    auth.login("user_b")
    for url in (f"/facility/pledge/scan?campaign={only_b.id}", "/facility/pledge/pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.cache_control.private and response.cache_control.no_cache, url
        response.close()
    auth.logout()
    h.verify(None, h.pledge_of(db, only_b, b))
    db.session.commit()
    response = client.get(f"/facilities/{b.site_code}/pledge/signed")
    assert response.status_code == 200 and not response.cache_control.private
    response.close()


def test_a_name_too_long_is_refused_for_its_length(app):
    """Not as a path or control character, as it was."""
    from pledges.uploads import UploadRejected, check_upload
    from portal.pledge_text import upload_message

    with pytest.raises(UploadRejected) as caught, app.test_request_context():
        check_upload(samples.good_pdf(), "扫" * 300 + ".pdf")
    with app.test_request_context():
        assert upload_message(caught.value) == "文件名过长（不能超过 255 个字符），请重命名后上传。"


def test_a_link_out_of_the_document_is_refused_with_the_portal_wording(app):
    from pledges.uploads import UploadRejected, check_upload
    from portal.pledge_text import upload_message

    with pytest.raises(UploadRejected) as caught:
        check_upload(samples.pdf_with_action("/GoToR", "open"), "证据.pdf")
    with app.test_request_context():
        message = upload_message(caught.value)
    assert message == str(caught.value)
    assert message.startswith(
        "PDF 含有打开时自动访问网址，或指向本机文件、共享目录等文档以外位置的链接或动作（/GoToR）"
    )
    assert "以 http、https 开头的网页链接和邮件地址可以保留" in message
