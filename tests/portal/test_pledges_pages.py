"""Every pledge page renders for its audience, without inline script or style (the CSP
forbids them), with the security headers, and escapes what users typed."""

from __future__ import annotations

import pytest

from portal.models.enums import Role
from tests.pledges import samples
from tests.portal import pledge_helpers as h
from tests.portal.page_checks import assert_security_headers as _assert_security_headers
from tests.portal.page_checks import scan

pytestmark = pytest.mark.usefixtures("storage_root", "fake_pdf_render")


@pytest.fixture
def world(db, make_facility, make_user):
    facility = make_facility(
        name='<script>alert("x")</script>医院', legal_representative="<b>张</b>"
    )
    admin = make_user(Role.ADMIN, "pages_admin")
    make_user(Role.FACILITY, "pages_facility", facility=facility)
    campaign = h.make_campaign(admin)
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(None, pledge, name="<img src=x onerror=alert(1)>.pdf")
    h.reject(None, pledge, reason="<script>bad()</script>")
    h.upload(None, pledge, samples.good_pdf(pages=2))
    h.posting_check(None, facility, campaign, photo=samples.image("PNG", size=(320, 400)))
    db.session.commit()
    return facility, campaign, pledge


def _check_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    _assert_security_headers(response, url)
    html = response.get_data(as_text=True)
    page = scan(html)
    assert page.scripts and all(s.get("src", "").startswith("/static/") for s in page.scripts)
    assert not page.inline_script_text and not page.handler_attributes, url
    assert page.style_blocks == 0 and not page.style_attributes, url
    assert "<script>alert" not in html and "<script>bad" not in html, url
    assert "<img src=x" not in html, url
    return html


def test_bureau_pages(client, auth, world):
    facility, campaign, pledge = world
    auth.login("pages_admin")
    urls = [
        "/bureau/pledges",
        "/bureau/pledges/campaigns/new",
        f"/bureau/pledges/campaigns/{campaign.id}",
        f"/bureau/pledges/campaigns/{campaign.id}?status=overdue&county=崇川区&kind=hospital",
        "/bureau/pledges/templates",
        f"/bureau/pledges/templates/{pledge.template_version_id}",
        "/bureau/pledges/templates/new?kind=institution",
        f"/bureau/pledges/templates/new?kind=institution&from={pledge.template_version_id}",
        "/bureau/pledges/review",
        f"/bureau/pledges/{pledge.id}/review",
        f"/bureau/facilities/{facility.id}/pledges",
        f"/bureau/facilities/{facility.id}/pledges/posting",
        f"/bureau/facilities/{facility.id}",
    ]
    for url in urls:
        _check_page(client, url)
    review = _check_page(client, f"/bureau/pledges/{pledge.id}/review")
    assert "&lt;script&gt;bad()&lt;/script&gt;" in review  # the earlier rejection, escaped
    assert client.get("/bureau/pledges/templates/new?kind=bank").status_code == 404


def test_facility_and_public_pages(client, auth, world):
    facility, _campaign, _pledge = world
    for url in (f"/facilities/{facility.site_code}", f"/v/{facility.site_code}"):
        _check_page(client, url)
    auth.login("pages_facility")
    html = _check_page(client, "/facility/pledge")
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    # File formats as users name them, not media types.
    assert "<td>PDF（2 页）</td>" in html and "application/pdf" not in html


def test_stored_files_are_served_as_data(client, auth, world):
    _facility, _campaign, pledge = world
    auth.login("pages_admin")
    response = client.get(f"/bureau/pledges/{pledge.id}/scan?version=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    etag = response.headers["ETag"]
    again = client.get(
        f"/bureau/pledges/{pledge.id}/scan?version=1", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert client.get(f"/bureau/pledges/{pledge.id}/scan?version=9").status_code == 404
