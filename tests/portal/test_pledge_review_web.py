"""A reviewer decides the scan the review page showed: a newer version uploaded while the
page was open is not verified or rejected unseen."""

from __future__ import annotations

import re

import pytest

from portal.models.enums import Role
from portal.models.pledges import PledgeDecision, PledgeStatus
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h
from tests.portal.web_helpers import count_rows

pytestmark = pytest.mark.usefixtures("storage_root")


def _shown_version(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)


@pytest.fixture
def awaiting(db, auth, make_facility, make_user):
    """A pledge whose first scan awaits review, its facility's user, and a credit officer
    logged in."""
    facility = make_facility()
    fac_user = make_user(Role.FACILITY, "rv_facility", facility=facility)
    make_user(Role.CREDIT_OFFICER, "rv_officer")
    pledge = h.pledge_of(db, h.make_campaign(), facility)
    h.upload(fac_user, pledge)
    db.session.commit()
    auth.login("rv_officer")
    return pledge, fac_user


def test_a_scan_uploaded_while_the_review_page_was_open_is_not_decided_unseen(db, client, awaiting):
    pledge, fac_user = awaiting
    url = f"/bureau/pledges/{pledge.id}/review"
    page = client.get(url).get_data(as_text=True)
    assert _shown_version(page) == "1"

    # The facility sends another scan meanwhile.
    h.upload(fac_user, pledge, samples.image("JPEG", size=(400, 560)), "photo.jpg")
    db.session.commit()
    form = {"csrf_token": csrf_token(page), "version": "1", "outcome": "verify"}
    # Refused for something else first (no outcome ticked), the page stays about 第1版.
    unticked = client.post(url, data=form | {"outcome": ""}).get_data(as_text=True)
    assert _shown_version(unticked) == "1"
    response = client.post(url, data=form)
    assert response.status_code == 200
    again = response.get_data(as_text=True)
    assert "机构已上传新的扫描件（第2版），本次审核未保存" in again
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED and count_rows(db, PledgeDecision) == 0
    # The page now shows the new scan, and the decision is about it.
    assert _shown_version(again) == "2"
    assert client.post(url, data=form | {"version": "2"}).status_code == 302
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.VERIFIED and pledge.verified_upload_version == 2


@pytest.mark.parametrize("version", ["", "x", "１", "99999999999"])
def test_a_review_without_the_version_shown_decides_nothing(db, client, awaiting, version):
    pledge, _fac_user = awaiting
    url = f"/bureau/pledges/{pledge.id}/review"
    token = csrf_token(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "version": version, "outcome": "reject", "reason": "不清晰"}
    response = client.post(url, data=form)
    assert "本次审核未保存" in response.get_data(as_text=True)
    db.session.refresh(pledge)
    assert pledge.status is PledgeStatus.UPLOADED and count_rows(db, PledgeDecision) == 0
