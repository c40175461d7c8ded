"""In a real browser: an inspector records points; every facility where the person
practises sees the suspension on its must-not-bill list."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models.enums import Role
from tests.e2e.dialogs import answer_yes_to_confirmations, confirmations
from tests.factories import facility_data, staff_data

pytestmark = pytest.mark.e2e
PASSWORD = "E2e-facility-pass1"


@pytest.fixture(scope="module")
def suspended_case(live_server):
    """A doctor practising at two facilities, each with a facility account."""
    from datetime import date

    from portal.operations.registry import create_facility, create_staff
    from portal.operations.users import create_user

    with live_server.app.app_context():
        first = create_facility(None, facility_data(9201, name="通州区石港镇卫生院"))
        second = create_facility(None, facility_data(9202, name="通州区金沙街道社区卫生服务中心"))
        person = create_staff(
            None, staff_data(9201, [first, second], name="钱多点"), date(2026, 1, 5)
        )
        for n, facility in enumerate((first, second), start=1):
            create_user(
                None,
                username=f"e2e_fac{n}",
                display_name=facility.name,
                role=Role.FACILITY,
                password=PASSWORD,
                facility=facility,
            )
        db.session.commit()
        case = {"staff_id": person.id, "name": person.name}
        db.session.remove()
    return case


def _login(page, url, username, password):
    page.goto(f"{url}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_inspector_records_points_and_both_facilities_see_the_suspension(
    live_server, browser, suspended_case
):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    answer_yes_to_confirmations(page)
    try:
        _login(page, live_server.url, *live_server.inspector)
        page.wait_for_url(re.compile(r"/bureau/$"))
        page.goto(f"{live_server.url}/bureau/staff/{suspended_case['staff_id']}")
        page.get_by_role("link", name="记分", exact=True).click()
        page.wait_for_url(re.compile(r"/points/new$"))
        page.get_by_label("违规发生机构").select_option(label="通州区石港镇卫生院")
        page.get_by_label("情节").select_option("gravest")
        page.get_by_label("责任程度").select_option("general")
        page.get_by_label("线索来源").select_option("finding")
        page.get_by_label("决定书文号").fill("通医保记〔2026〕99号")
        page.get_by_label("违规行为").fill("串换诊疗项目收费")
        page.get_by_role("button", name="记分", exact=True).click()
        page.wait_for_url(re.compile(r"/bureau/staff/\d+#points$"))
        assert [q[:5] for q in confirmations(page)] == ["确认记分？"]
        assert page.get_by_text("已记 10 分").is_visible()
        assert page.get_by_text("暂停中").is_visible()
    finally:
        context.close()

    for n in (1, 2):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _login(page, live_server.url, f"e2e_fac{n}", PASSWORD)
            page.wait_for_url(re.compile(r"/facility/$"))
            assert page.get_by_text("医保支付资格被暂停或终止").is_visible()
            page.get_by_role("link", name="今日不得结算人员").click()
            row = page.get_by_role("row").filter(has_text=suspended_case["name"])
            assert row.is_visible()
            assert "暂停中" in row.inner_text()
        finally:
            context.close()
