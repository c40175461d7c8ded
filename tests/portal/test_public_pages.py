"""The public pages (no log-in): the facility search and its page links, each facility's
page."""

from __future__ import annotations

import re

import pytest

from portal.operations.credit import recompute_grade
from portal.web import china_today


@pytest.fixture
def many(app, db, make_facility):
    """More facilities than fit on two pages of the search."""
    for n in range(app.config["PAGE_SIZE"] * 2 + 1):
        make_facility(name=f"分页医院{n:02d}")
    db.session.commit()


def _page_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', nav)]


@pytest.mark.parametrize(
    "extra",
    [
        {"endpoint": "x"},
        {"_method": "POST"},
        {"_scheme": "https", "_external": ""},
    ],
)
def test_query_arguments_named_like_url_for_options_do_not_break_the_search(client, many, extra):
    response = client.get("/facilities", query_string={"q": "分页医院"} | extra)
    assert response.status_code == 200
    links = _page_links(response.get_data(as_text=True))
    assert links and all(link.startswith("/facilities?") for link in links)


def test_page_links_stay_relative_and_carry_no_fragment_from_the_query(client, many):
    query = {"q": "分页医院", "_external": "1", "_anchor": "x", "page": "2"}
    page = client.get("/facilities", query_string=query, base_url="http://evil.example")
    links = _page_links(page.get_data(as_text=True))
    assert links
    for link in links:
        assert link.startswith("/facilities?") and "#" not in link and "evil" not in link
        # The visitor's arguments are kept as they came, the page number replaced.
        assert "q=%E5%88%86%E9%A1%B5%E5%8C%BB%E9%99%A2" in link
        assert link.count("page=") == 1


def test_bureau_lists_share_the_page_links(editor, many):
    response = editor.get("/bureau/facilities", query_string={"q": "分页医院", "endpoint": "x"})
    assert response.status_code == 200
    links = _page_links(response.get_data(as_text=True))
    assert "/bureau/facilities?q=%E5%88%86%E9%A1%B5%E5%8C%BB%E9%99%A2&endpoint=x&page=2" in links


def test_a_page_past_the_end_with_such_arguments_still_leads_to_the_last_page(client, many):
    response = client.get("/facilities", query_string={"q": "分页医院", "endpoint": "x", "page": 9})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("endpoint=x&page=3")


def _grade_entry(html: str) -> str:
    return re.search(r"<dt>信用评价等级</dt><dd>(.*?)</dd>", html, re.S).group(1)


def test_a_facility_page_shows_the_current_grade(db, client, make_facility):
    facility = make_facility(name="公开评级医院")
    db.session.commit()
    page = client.get(f"/facilities/{facility.site_code}").get_data(as_text=True)
    assert _grade_entry(page) == "暂未评级"

    recompute_grade(facility, "manual", today=china_today())
    db.session.commit()
    page = client.get(f"/facilities/{facility.site_code.lower()}").get_data(as_text=True)
    assert facility.credit_grade == "A"
    assert _grade_entry(page) == '<strong class="grade grade-A">A</strong>（信用良好）'
    # The same grade the QR page and the API give.
    assert "<strong>A</strong>" in client.get(f"/v/{facility.site_code}").get_data(as_text=True)
    api = client.get(f"/api/v1/facilities/{facility.site_code}").get_json()
    assert api["grade"] == "A"


def test_a_grade_the_rulebook_no_longer_names_is_shown_without_a_label(db, client, make_facility):
    facility = make_facility(name="旧等级医院")
    facility.credit_grade = "E"
    db.session.commit()
    page = client.get(f"/facilities/{facility.site_code}").get_data(as_text=True)
    assert _grade_entry(page) == '<strong class="grade grade-E">E</strong>'
