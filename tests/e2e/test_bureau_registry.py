"""In a real browser: bureau staff register a facility and find it; the public search page
works at phone width."""

from __future__ import annotations

import re

import pytest

from tests.factories import credit_code, site_code

pytestmark = pytest.mark.e2e

NEW_NAME = "南通市崇川区浏览器测试医院"


def _watch_console(page) -> list[str]:
    """Collect console errors (a CSP violation or a broken script shows up here) and failed
    requests. The browser's own favicon probe is not the page's doing."""
    errors: list[str] = []

    def on_console(msg):
        # Failed loads are reported with their URL by on_response below.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    return errors


def test_inspector_registers_a_facility_and_finds_it(live_server, page, tmp_path):
    errors = _watch_console(page)
    username, password = live_server.inspector

    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/bureau/$"))
    assert page.get_by_role("heading", name="医保局工作台").is_visible()
    # The site script loaded under the Content-Security-Policy.
    assert page.evaluate("typeof window.csrfFetch") == "function"

    page.get_by_role("link", name="定点机构", exact=True).click()
    page.wait_for_url(re.compile(r"/bureau/facilities$"))
    page.get_by_role("link", name="登记定点机构").click()
    page.wait_for_url(re.compile(r"/bureau/facilities/new$"))

    new_site_code = site_code(9101)
    page.get_by_label("机构名称").fill(NEW_NAME)
    page.get_by_label("统一社会信用代码").fill(credit_code(9101))
    page.get_by_label("医保定点编码").fill(new_site_code)
    page.get_by_label("机构类别").select_option("hospital")
    page.get_by_label("医院等级").select_option("secondary")
    page.get_by_label("所有制").select_option("public")
    page.get_by_label("县（市、区）").select_option("崇川区")
    page.get_by_label("地址", exact=True).fill("南通市崇川区测试大道9101号")
    page.get_by_label("法定代表人或主要负责人").fill("周测试")
    page.get_by_label("定点协议开始日期").fill("2024-03-01")
    page.get_by_label("状态", exact=True).select_option("active")
    page.get_by_label("联系人", exact=True).fill("吴联系")
    page.get_by_label("联系电话").fill("0513-81234567")
    page.screenshot(path=str(tmp_path / "facility-form.png"), full_page=True)
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(re.compile(r"/bureau/facilities/\d+$"))
    assert page.get_by_text(f"已登记定点机构：{NEW_NAME}").is_visible()
    assert page.get_by_role("heading", name=NEW_NAME).is_visible()

    # Find it in the list by searching.
    page.get_by_role("link", name="定点机构", exact=True).click()
    page.wait_for_url(re.compile(r"/bureau/facilities$"))
    page.get_by_role("searchbox", name="搜索").fill("浏览器测试")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"/bureau/facilities\?.*q="))
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    row_text = rows.first.inner_text()
    assert NEW_NAME in row_text and new_site_code in row_text
    assert page.get_by_text("共 1 条").is_visible()

    # The same facility by its site code, then straight to its record.
    page.get_by_role("searchbox", name="搜索").fill(new_site_code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"q=" + new_site_code))
    page.get_by_role("link", name=NEW_NAME).click()
    page.wait_for_url(re.compile(r"/bureau/facilities/\d+$"))
    assert page.get_by_text(credit_code(9101)).is_visible()

    shot = tmp_path / "facility-found.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []


def _has_no_horizontal_overflow(page) -> tuple[bool, int, int]:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    return scroll_width <= inner_width, scroll_width, inner_width


@pytest.mark.parametrize("path", ["/facilities", "/facilities?q=%E5%8C%BB%E9%99%A2", "/"])
def test_public_pages_fit_a_phone(live_server, phone, tmp_path, path):
    errors = _watch_console(phone)
    phone.goto(f"{live_server.url}{path}")
    assert phone.evaluate("window.innerWidth") == 390
    if path.startswith("/facilities"):
        assert phone.get_by_role("heading", name="定点医药机构查询").is_visible()
        assert phone.locator("table tbody tr").count() >= 1
    shot = tmp_path / "phone.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
    fits, scroll_width, inner_width = _has_no_horizontal_overflow(phone)
    assert fits, f"{path}: page is {scroll_width}px wide on a {inner_width}px screen"
    assert errors == []


def test_public_search_at_phone_width(live_server, phone):
    phone.goto(f"{live_server.url}/facilities")
    phone.get_by_role("searchbox", name="名称或编码").fill("大药房")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_url(re.compile(r"q="))
    rows = phone.locator("table tbody tr")
    assert rows.count() == 1
    assert "启东市汇丰大药房" in rows.first.inner_text()
    assert _has_no_horizontal_overflow(phone)[0]
