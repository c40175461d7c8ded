"""“我的信用” lists the facility's findings, objections and repair applications a page at a
time, each list paged by an argument of its own so that paging one keeps the others."""

from __future__ import annotations

import re

import pytest

from portal.models.credit import CreditAppeal, CreditAppealStatus, CreditRepair, RepairStatus
from portal.models.enums import Role
from portal.models.inspections import Finding, FindingStatus
from portal.operations.credit import latest_grade, recompute_grade
from portal.web import china_today
from tests.credit_helpers import inspection, two_inspectors

URL = "/facility/credit"
#: Rows of each list the world below holds: a page and two more (PAGE_SIZE is 5).
ROWS = 7


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<h2 id="{anchor}">')
    end = html.find("<h2", start + 1)
    return html[start : end if end != -1 else len(html)]


def _listed(html: str, anchor: str, label: str) -> list[str]:
    """The labels (``label`` and two digits) of the rows of one list, in order."""
    return re.findall(rf"{label}\d\d", _section(html, anchor))


def _links(html: str, anchor: str) -> dict[str, str]:
    """The list's page links, by their text."""
    nav = re.search(r'<nav class="pagination".*?</nav>', _section(html, anchor), re.S)
    assert nav, f"no page links under #{anchor}"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(0))
    return {text: href.replace("&amp;", "&") for href, text in links}


@pytest.fixture
def world(db, make_facility, make_user):
    """A facility with ``ROWS`` findings, objections and repair applications, all made the
    same day (the id orders them), and another facility with one of each."""
    own, other = make_facility(name="本院"), make_facility(name="他院")
    today = china_today()
    one, two = two_inspectors(make_user)
    made = {"findings": [], "appeals": [], "repairs": []}
    for facility, count, mark in ((other, 1, "他院"), (own, ROWS, "")):
        insp = inspection(one, facility, [one, two], start=today)
        for n in range(count):
            finding = Finding(
                inspection=insp, facility=facility, category="improper_charging",
                description="分解收费", decision_number=f"{mark}决定书{n:02d}",
                decision_date=today, status=FindingStatus.CONFIRMED,
            )  # fmt: skip
            appeal = CreditAppeal(
                facility=facility, reason=f"{mark}异议理由{n:02d}", filed_on=today,
                status=CreditAppealStatus.REJECTED, decision_reason="不成立",
            )  # fmt: skip
            repair = CreditRepair(
                facility=facility, statement="已整改", pledge_signed_on=today, filed_on=today,
                status=RepairStatus.REJECTED, decision_reason=f"{mark}修复决定{n:02d}",
            )  # fmt: skip
            db.session.add_all([finding, appeal, repair])
            db.session.flush()
            if facility is own:
                made["findings"].append(finding)
                made["appeals"].append(appeal)
                made["repairs"].append(repair)
    recompute_grade(own, "manual", today=today)
    make_user(Role.FACILITY, "fac_lists", facility=own)
    db.session.commit()
    return made


LISTS = (
    ("findings", "findings_page", "决定书"),
    ("appeals", "appeals_page", "异议理由"),
    ("repairs", "repairs_page", "修复决定"),
)


def _labels(rows, label: str) -> list[str]:
    """``label`` numbered as the rows were made, newest (the largest id) first."""
    return [f"{label}{n:02d}" for n in reversed(range(len(rows)))]


@pytest.mark.parametrize(("anchor", "arg", "label"), LISTS)
def test_each_list_is_paged_on_its_own(app, client, auth, world, anchor, arg, label):
    per_page = app.config["PAGE_SIZE"]
    auth.login("fac_lists")
    expected = _labels(world[anchor], label)
    assert len(expected) > per_page

    first = client.get(URL).get_data(as_text=True)
    assert "他院" not in first
    for name, _arg, each in LISTS:
        assert _listed(first, name, each) == _labels(world[name], each)[:per_page]
        assert f"共 {ROWS} 条" in _section(first, name)

    # The other lists on their second page: following this list's link keeps them there.
    others = {other: 2 for _name, other, _label in LISTS if other != arg}
    start = client.get(URL, query_string=others).get_data(as_text=True)
    next_page = _links(start, anchor)["下一页"]
    assert next_page.startswith(f"{URL}?") and next_page.endswith(f"{arg}=2#{anchor}")
    for other in others:
        assert f"{other}=2" in next_page

    second = client.get(next_page.split("#")[0]).get_data(as_text=True)
    assert _listed(second, anchor, label) == expected[per_page:]
    for name, other, each in LISTS:
        if other != arg:
            assert _listed(second, name, each) == _labels(world[name], each)[per_page:]
    back = _links(second, anchor)["上一页"]
    assert f"{arg}=1#{anchor}" in back and all(f"{other}=2" in back for other in others)


@pytest.mark.parametrize(("anchor", "arg", "label"), LISTS)
def test_odd_page_numbers_of_a_list(app, client, auth, world, anchor, arg, label):
    """Not a page number: the first page. Past the last: the last, the others kept."""
    per_page = app.config["PAGE_SIZE"]
    auth.login("fac_lists")
    expected = _labels(world[anchor], label)
    for odd in ("abc", "0", "-1", "", "1.5", "99999999999999999999999"):
        response = client.get(URL, query_string={arg: odd}, follow_redirects=True)
        assert response.status_code == 200
        listed = _listed(response.get_data(as_text=True), anchor, label)
        assert listed in (expected[:per_page], expected[per_page:])
    other = next(other for _name, other, _label in LISTS if other != arg)
    response = client.get(URL, query_string={arg: 9, other: 2})
    assert response.status_code == 302
    target = response.headers["Location"]
    assert f"{arg}=2" in target and f"{other}=2" in target
    page = client.get(target).get_data(as_text=True)
    assert "第 9 页不存在：共 2 页，已转到第 2 页。" in page
    assert _listed(page, anchor, label) == expected[per_page:]


def test_links_to_a_finding_or_an_objection_lead_to_the_page_listing_it(
    app, db, client, auth, world
):
    """The grade's breakdown links each finding to its row, on the page of the list that
    shows it; “异议处理中” leads to the page of objections showing the pending one."""
    per_page = app.config["PAGE_SIZE"]
    findings, appeals = world["findings"], world["appeals"]
    # The oldest objection (on the second page) is pending, about the newest finding.
    pending = appeals[0]
    pending.status, pending.decision_reason = CreditAppealStatus.PENDING, ""
    pending.finding = findings[-1]
    db.session.commit()
    auth.login("fac_lists")

    page = client.get(URL).get_data(as_text=True)
    in_breakdown = {
        i["source_id"]
        for i in latest_grade(findings[0].facility_id).breakdown
        if i.get("source_type") == "finding"
    }
    on_first = {f.id for f in findings[-per_page:]}
    on_second = {f.id for f in findings[:-per_page]}
    assert in_breakdown & on_first and in_breakdown & on_second
    for finding_id in in_breakdown & on_first:
        assert f'href="#finding-{finding_id}"' in page
    for finding_id in in_breakdown & on_second:
        assert f'href="{URL}?findings_page=2#finding-{finding_id}"' in page
        assert f'id="finding-{finding_id}"' not in page
    second = client.get(f"{URL}?findings_page=2").get_data(as_text=True)
    for finding_id in in_breakdown & on_second:
        assert f'href="#finding-{finding_id}"' in second and f'id="finding-{finding_id}"' in second

    row = _section(page, "findings")
    row = row[row.index(f'id="finding-{findings[-1].id}"') :]
    assert re.match(
        rf'.*?<a class="muted" href="{URL}\?appeals_page=2#appeals">异议处理中</a>', row, re.S
    )


def test_the_home_page_links_an_objection_or_repair_to_the_page_listing_it(
    app, db, client, auth, world
):
    """The home page's card lists pending and recently decided objections and repair
    applications; each leads to the page of the credit page's list that shows it."""
    per_page = app.config["PAGE_SIZE"]
    appeals, repairs = world["appeals"], world["repairs"]
    # The oldest of each (on the second page) pending, the newest (first page) too.
    for row in (appeals[0], appeals[-1]):
        row.status, row.decision_reason = CreditAppealStatus.PENDING, ""
    for row in (repairs[0], repairs[-1]):
        row.status, row.decision_reason = RepairStatus.PENDING, ""
    db.session.commit()
    assert len(appeals) > per_page
    auth.login("fac_lists")

    home = client.get("/facility/").get_data(as_text=True)
    for anchor, arg in (("appeals", "appeals_page"), ("repairs", "repairs_page")):
        links = re.findall(rf'href="{URL}\?{arg}=(\d+)#{anchor}"', home)
        assert sorted(links) == ["1", "2"], (anchor, links)
    # The second pages show the oldest ones (the repairs' pending one has no decision text).
    second = client.get(f"{URL}?appeals_page=2").get_data(as_text=True)
    assert "异议理由00" in _listed(second, "appeals", "异议理由")
    second = client.get(f"{URL}?repairs_page=2").get_data(as_text=True)
    assert _listed(second, "repairs", "修复决定") == _labels(repairs, "修复决定")[per_page:-1]


def test_the_history_pages_land_on_the_history(db, client, auth, make_facility, make_user):
    """Paging the computations (计算记录), on “我的信用” and on the bureau's credit page,
    comes back to that table, as the other lists' links do, not to the top of the page."""
    own = make_facility()
    for _ in range(ROWS):
        recompute_grade(own, "manual", today=china_today())
    make_user(Role.FACILITY, "fac_history", facility=own)
    make_user(Role.AUDITOR, "aud_history")
    db.session.commit()
    for user, url in (("fac_history", URL), ("aud_history", f"/bureau/facilities/{own.id}/credit")):
        auth.login(user)
        page = client.get(url).get_data(as_text=True)
        assert '<h3 id="history">' in page
        nav = re.search(r'<h3 id="history">.*?<nav class="pagination".*?</nav>', page, re.S)
        links = re.findall(r'<a href="([^"]+)">', nav.group(0).split('<nav class="pagination"')[1])
        assert links and all(link.endswith("#history") for link in links), links
        auth.logout()


def test_the_objection_page_with_everything_objected_to_links_to_the_pending_ones(
    app, db, client, auth, world
):
    """With every subject's objection pending the objection page offers nothing to object
    to; its link to them leads to the page of the list showing the newest pending one."""
    findings, appeals = world["findings"], world["appeals"]
    for finding in findings[1:]:
        finding.status, finding.revoke_reason = FindingStatus.REVOKED, "复核撤销"
    # The two oldest objections (the second page) pending: one about the grade, one about
    # the only finding still confirmed.
    for appeal, finding in ((appeals[0], None), (appeals[1], findings[0])):
        appeal.status, appeal.decision_reason, appeal.finding = (
            CreditAppealStatus.PENDING,
            "",
            finding,
        )
    db.session.commit()
    assert len(appeals) - 2 >= app.config["PAGE_SIZE"]
    auth.login("fac_lists")

    page = client.get("/facility/credit/appeal").get_data(as_text=True)
    assert "各项违规认定均已有异议正在处理" in page and 'name="subject"' not in page
    assert f'href="{URL}?appeals_page=2#appeals">查看异议处理情况</a>' in page
    listed = _listed(
        client.get(f"{URL}?appeals_page=2").get_data(as_text=True), "appeals", "异议理由"
    )
    assert listed == ["异议理由01", "异议理由00"]

    # One pending on the first page too: the link leads there.
    appeals[-1].status, appeals[-1].decision_reason = CreditAppealStatus.PENDING, ""
    appeals[1].status, appeals[1].decision_reason = CreditAppealStatus.REJECTED, "不成立"
    appeals[-1].finding = findings[0]
    db.session.commit()
    page = client.get("/facility/credit/appeal").get_data(as_text=True)
    assert f'href="{URL}?appeals_page=1#appeals">查看异议处理情况</a>' in page
