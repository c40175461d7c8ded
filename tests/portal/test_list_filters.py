"""List filters given a value that names nothing (an old bookmark, an address typed by hand):
the list shows everything, as before, and says the filter was not understood."""

from __future__ import annotations

import pytest

from portal.models.enums import Role
from tests.portal import pledge_helpers as h

NOTICE = "筛选条件“zzz”无效，已显示全部。"

#: (page, filter, a value it knows), for an administrator (who may read every list).
BUREAU = [
    ("/bureau/inspections", "kind", "routine"),
    ("/bureau/inspections", "trigger", "plan"),
    ("/bureau/inspections", "status", "open"),
    ("/bureau/credit/appeals", "status", "pending"),
    ("/bureau/credit/repairs", "status", "pending"),
    ("/bureau/credit/adjustments", "status", "pending"),
    ("/bureau/appeals", "status", "pending"),
    ("/bureau/users", "role", "inspector"),
    ("/bureau/facilities", "kind", "hospital"),
    ("/bureau/facilities", "status", "active"),
    ("/bureau/facilities", "ownership", "private"),
    ("/bureau/staff", "profession", "doctor"),
    ("/bureau/credit/supervision", "kind", "hospital"),
    ("/bureau/pledges/campaigns/{campaign}", "kind", "pharmacy"),
    ("/bureau/pledges/campaigns/{campaign}", "status", "overdue"),
]


@pytest.mark.parametrize(("url", "name", "known"), BUREAU)
def test_a_bureau_list_says_an_unknown_filter_value_was_ignored(
    db, client, auth, make_user, make_facility, url, name, known
):
    make_user(Role.ADMIN, "filter_admin")
    if "{campaign}" in url:
        make_facility()
        url = url.format(campaign=h.make_campaign().id)
    db.session.commit()
    assert auth.login("filter_admin").status_code == 302
    response = client.get(f"{url}?{name}=zzz")
    assert response.status_code == 200
    assert NOTICE in response.get_data(as_text=True)
    for fine in (known, ""):
        page = client.get(f"{url}?{name}={fine}").get_data(as_text=True)
        assert "无效，已显示全部" not in page


def test_the_public_list_and_a_facilitys_staff_list_say_so_too(
    db, client, auth, make_user, make_facility
):
    assert NOTICE in client.get("/facilities?kind=zzz").get_data(as_text=True)
    assert "无效，已显示全部" not in client.get("/facilities?kind=pharmacy").get_data(as_text=True)
    make_user(Role.FACILITY, "filter_fac", facility=make_facility())
    assert auth.login("filter_fac").status_code == 302
    assert NOTICE in client.get("/facility/staff?profession=zzz").get_data(as_text=True)


def test_the_notice_shows_the_value_escaped_and_shortened(db, client):
    page = client.get("/facilities?kind=" + "<b>" + "长" * 60).get_data(as_text=True)
    assert "筛选条件“&lt;b&gt;" + "长" * 37 + "”无效" in page
