"""Bad input gets a clear refusal and changes nothing: no 500 page, nothing half-written.

Cases found by sending odd ids, amounts and numbers to every route."""

from __future__ import annotations

import io

import pytest

from portal.models.enums import Role
from portal.models.pledges import PledgeUpload
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h

#: Past the largest 64-bit integer: the database driver cannot even look it up.
HUGE = "9" * 25


@pytest.fixture
def storage_root(app, tmp_path):
    previous = app.config.get("STORAGE_ROOT")
    app.config["STORAGE_ROOT"] = str(tmp_path / "files")
    yield tmp_path / "files"
    app.config["STORAGE_ROOT"] = previous


@pytest.mark.parametrize(
    "url",
    [
        f"/bureau/facilities/{HUGE}",
        f"/bureau/facilities/{HUGE}/credit",
        f"/bureau/staff/{HUGE}",
        f"/bureau/inspections/{HUGE}",
        f"/bureau/findings/{HUGE}",
        f"/bureau/pledges/{HUGE}/scan",
        f"/bureau/pledges/campaigns/{HUGE}",
        f"/bureau/users/{HUGE}",
        f"/bureau/pledges/templates/new?from={HUGE}",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, auth, make_user, url):
    make_user(Role.ADMIN, "admin")
    auth.login("admin")
    assert client.get(url).status_code == 404


def test_an_inspection_form_for_a_facility_id_too_large_is_a_blank_form(client, auth, make_user):
    make_user(Role.INSPECTOR, "insp")
    auth.login("insp")
    assert client.get(f"/bureau/inspections/new?facility={HUGE}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/facility/staff/{HUGE}/points",
        f"/facility/pledge?campaign={HUGE}",
        f"/facility/pledge/pdf?campaign={HUGE}",
        f"/facility/pledge/scan?upload={HUGE}",
    ],
)
def test_a_facility_user_asking_for_an_id_too_large_gets_no_error_page(
    client, auth, make_user, url
):
    make_user(Role.FACILITY, "fac")
    auth.login("fac")
    # No such object: the page without it, or a 404 where the object is the page.
    assert client.get(url).status_code in (200, 404)


def test_an_upload_naming_a_campaign_id_too_large_stores_nothing(
    db, client, auth, make_facility, make_user, storage_root
):
    facility = make_facility()
    make_user(Role.FACILITY, "fac", facility=facility)
    h.make_campaign()
    db.session.commit()
    auth.login("fac")
    token = csrf_token(client.get("/facility/pledge").get_data(as_text=True))
    response = client.post(
        "/facility/pledge/upload",
        data={
            "csrf_token": token,
            "campaign_id": HUGE,
            "file": (io.BytesIO(samples.good_pdf()), "scan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert db.session.query(PledgeUpload).count() == 0
    assert not storage_root.exists() or not any(p.is_file() for p in storage_root.rglob("*"))
