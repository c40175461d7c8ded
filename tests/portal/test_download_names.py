"""Downloaded files are named in Chinese (``filename*=``) and, for clients that read only
the ASCII ``filename=``, by an English stand-in that still says what the file is."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from portal.models.credit import CreditAppeal
from portal.models.enums import Role
from portal.pledge_web import ascii_name
from portal.web import china_today
from tests.credit_helpers import attach_evidence
from tests.pledges import samples
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root", "fake_pdf_render")


@pytest.fixture
def world(db, make_facility, make_user):
    facility = make_facility(name="南通市崇川区文件名医院")
    make_user(Role.ADMIN, "dn_admin")
    user = make_user(Role.FACILITY, "dn_facility", facility=facility)
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(user, pledge)
    check = h.posting_check(None, facility, campaign, photo=samples.image("PNG", size=(320, 400)))
    db.session.commit()
    return facility, campaign, pledge, check


def _disposition(client, url: str) -> str:
    response = client.get(url)
    response.close()
    assert response.status_code == 200, url
    return response.headers["Content-Disposition"]


def _expected(kind: str, fallback: str, name: str) -> str:
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def test_facility_downloads_name_the_pledge_and_the_poster(client, auth, world):
    facility, campaign, _pledge, _check = world
    stem = f"{facility.site_code}-{campaign.year}"
    auth.login("dn_facility")
    assert _disposition(client, "/facility/pledge/pdf") == _expected(
        "attachment", f"{stem}-pledge.pdf", f"{stem}-承诺书.pdf"
    )
    assert _disposition(client, "/facility/pledge/poster") == _expected(
        "attachment", f"{stem}-poster.pdf", f"{stem}-张贴海报.pdf"
    )
    upload = _disposition(client, "/facility/pledge/scan?download=1")
    assert upload.startswith(f'attachment; filename="{stem}-signed-scan-v1.pdf";')


@pytest.mark.parametrize("cache", [0, 60])
def test_public_and_bureau_pdfs_name_the_pledge_and_the_poster(
    app, client, auth, world, monkeypatch, cache
):
    """Also when the public link answers from what it remembered of a first request."""
    facility, campaign, pledge, check = world
    monkeypatch.setitem(app.config, "PLEDGE_PUBLIC_CACHE_SECONDS", cache)
    monkeypatch.setitem(app.extensions, "medcredit_public_pdfs", {})
    stem = f"{facility.site_code}-{campaign.year}"
    for _ in range(2):
        assert _disposition(client, f"/facilities/{facility.site_code}/pledge.pdf") == (
            _expected("inline", f"{stem}-pledge.pdf", f"{stem}-承诺书.pdf")
        )
        assert _disposition(client, f"/facilities/{facility.site_code}/pledge-poster.pdf") == (
            _expected("inline", f"{stem}-poster.pdf", f"{stem}-张贴海报.pdf")
        )
    auth.login("dn_admin")
    poster = _disposition(client, f"/bureau/pledges/{pledge.id}/document?variant=poster")
    assert poster.startswith(f'inline; filename="{stem}-poster.pdf";')
    photo = _disposition(client, f"/bureau/pledges/posting/{check.id}/photo")
    assert photo.startswith(
        f'inline; filename="{facility.site_code}-posting-check-{check.checked_on}.png";'
    )


def test_an_evidence_file_named_in_chinese_falls_back_to_evidence(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    make_user(Role.INSPECTOR, "dn_viewer")
    appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=china_today())
    db.session.add(appeal)
    db.session.flush()
    row = attach_evidence(name="退款凭证.pdf", appeal=appeal)
    db.session.commit()
    auth.login("dn_viewer")
    assert _disposition(client, f"/bureau/credit/attachments/{row.id}") == _expected(
        "attachment", "evidence.pdf", "退款凭证.pdf"
    )


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("H32061400001-2026-签署扫描件-v2.pdf", "H32061400001-2026-v2.pdf"),
        ("处罚决定书.pdf", "file.pdf"),
        ("scan 2.pdf", "scan 2.pdf"),
        ('a"b\\c.pdf', "abc.pdf"),
        ("说明", "file"),
        ("", "file"),
    ],
)
def test_ascii_name(name, fallback):
    assert ascii_name(name) == fallback
