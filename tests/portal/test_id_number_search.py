"""Searching staff by a full ID number: only the roles that may reveal ID numbers find the
holder, and each such search is audited without the number; for the other roles the
number matches nothing and the page says why (it would otherwise confirm a guessed number).
The facility area searches its own staff by ID number as before."""

from __future__ import annotations

import re

import pytest

from portal.models.enums import Responsibility, Role, Severity
from portal.web import china_today
from tests.factories import id_number
from tests.portal.points_helpers import record_for
from tests.portal.web_helpers import audit_rows, page_text

FULL = id_number(555, "19880808")  # the ``sample`` person's number
REFUSED = "按完整身份证号查询仅限有权查看完整身份证号的人员"
ENTITLED = [Role.ADMIN, Role.INSPECTOR]
NOT_ENTITLED = [Role.CREDIT_OFFICER, Role.APPROVER, Role.TIPOFF_HANDLER, Role.AUDITOR]


def _listed(html: str) -> list[str]:
    return re.findall(r'<a href="/bureau/staff/\d+(?:#points)?">([^<]+)</a>', html)


def _search(client, url: str, q: str, **filters) -> str:
    response = client.get(url, query_string={"q": q} | filters)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", NOT_ENTITLED)
def test_a_role_that_may_not_see_id_numbers_finds_no_one_by_one_and_is_told(
    db, client, auth, make_user, sample, role
):
    _facility, staff = sample
    make_user(role, "guesser")
    db.session.commit()
    auth.login("guesser")
    for q in (FULL, FULL.lower(), f" {FULL} "):
        page = _search(client, "/bureau/staff", q)
        assert _listed(page) == [], q
        assert REFUSED in page_text(page), q
        assert "没有找到符合条件的人员" not in page
    # The name and the staff code still find the person, without the message.
    for q in (staff.name, staff.staff_code):
        page = _search(client, "/bureau/staff", q)
        assert _listed(page) == [staff.name]
        assert REFUSED not in page
    # Not offered either.
    assert "完整身份证号" not in _search(client, "/bureau/staff", "")
    assert audit_rows(db, "staff.search_id") == []


@pytest.mark.parametrize("role", ENTITLED)
def test_a_role_that_may_see_id_numbers_finds_the_holder_and_the_search_is_audited(
    db, client, auth, make_user, sample, role
):
    _facility, staff = sample
    user = make_user(role, "looker")
    db.session.commit()
    auth.login("looker")
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    page = _search(client, "/bureau/staff", FULL)
    assert _listed(page) == [staff.name]
    assert REFUSED not in page
    (row,) = audit_rows(db, "staff.search_id")
    assert row.actor_id == user.id and row.ip == "10.9.8.7"
    assert row.object_type == "staff" and row.object_id == str(staff.id)
    assert row.summary == {"before": None, "after": {"matches": 1}}
    assert FULL not in str(row.summary) and FULL not in row.note
    assert FULL[6:14] not in str(row.summary) + row.note
    # A registered number left out by another filter, and one registered to no one: audited
    # with what the search showed.
    _search(client, "/bureau/staff", FULL, facility="H99999999999")
    _search(client, "/bureau/staff", id_number(556, "19880808"))
    rows = audit_rows(db, "staff.search_id")[1:]
    assert [(r.object_id, r.summary["after"]) for r in rows] == [
        (str(staff.id), {"matches": 0}),
        ("", {"matches": 0}),
    ]
    # A search by name or code, or by part of a number, is not a search by ID number.
    for q in (staff.name, staff.staff_code, FULL[:17], FULL[-4:]):
        _search(client, "/bureau/staff", q)
    assert len(audit_rows(db, "staff.search_id")) == 3


@pytest.mark.parametrize(("role", "entitled"), [(Role.AUDITOR, False), (Role.INSPECTOR, True)])
def test_the_sanctions_list_searches_by_id_number_under_the_same_rule(
    db, client, auth, make_user, sample, role, entitled
):
    facility, staff = sample
    recorder = make_user(Role.ADMIN, "recorder")
    today = china_today()
    record_for(recorder, staff, facility, Severity.GRAVEST, Responsibility.GENERAL, today, today)
    make_user(role, "searcher")
    db.session.commit()
    auth.login("searcher")
    page = _search(client, "/bureau/sanctions", FULL)
    rows = audit_rows(db, "staff.search_id")
    if entitled:
        assert _listed(page) == [staff.name] and REFUSED not in page
        assert [(r.object_id, r.summary["after"]) for r in rows] == [
            (str(staff.id), {"matches": 1})
        ]
    else:
        assert _listed(page) == [] and REFUSED in page_text(page)
        assert "没有符合条件的人员" not in page
        assert rows == []
    assert _listed(_search(client, "/bureau/sanctions", staff.name)) == [staff.name]


def test_a_facility_finds_its_own_staff_by_id_number_unaudited(
    db, client, auth, make_user, make_staff, sample
):
    """The employer holds its staff's ID numbers: its search by one confirms nothing new.
    Another facility's person is not found by theirs."""
    facility, staff = sample
    other = make_staff(name="别家医生", id_number=id_number(557, "19880808"))
    make_user(Role.FACILITY, "employer", facility=facility)
    db.session.commit()
    auth.login("employer")
    page = client.get("/facility/staff", query_string={"q": FULL}).get_data(as_text=True)
    assert staff.name in page and REFUSED not in page
    page = client.get("/facility/staff", query_string={"q": id_number(557, "19880808")})
    assert other.name not in page.get_data(as_text=True)
    assert audit_rows(db, "staff.search_id") == []
