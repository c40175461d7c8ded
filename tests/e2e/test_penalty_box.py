"""In a real browser: the finding form's penalty box follows the self-inspection report
linked, as saving does (a late report earns no leniency, ticked or not)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.enums import Role
from portal.models.user import User
from tests.factories import facility_data

pytestmark = pytest.mark.e2e
LENIENT = "按期自查自纠并足额退回"


@pytest.fixture(scope="module")
def finding_case(live_server):
    """An open inspection begun today at a facility that filed an on-time and a late report."""
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from portal.web import china_today
    from tests.credit_helpers import inspection, on_time_and_late_reports

    with live_server.app.app_context():
        facility = create_facility(None, facility_data(9301, name="海门区三厂街道卫生院"))
        filer = create_user(
            None, username="e2e_fac_reports", display_name=facility.name,
            role=Role.FACILITY, password="E2e-facility-pass1", facility=facility,
        )  # fmt: skip
        one = db.session.scalar(select(User).where(User.username == live_server.inspector[0]))
        two = create_user(
            None, username="e2e_inspector2", display_name="第二检查员",
            role=Role.INSPECTOR, password="E2e-inspector-pass2",
        )  # fmt: skip
        on_time, late = on_time_and_late_reports(filer, facility, 10_000)
        insp = inspection(one, facility, [one, two], start=china_today())
        db.session.commit()
        case = {"inspection": insp.id, "on_time": str(on_time.id), "late": str(late.id)}
        db.session.remove()
    return case


def test_the_penalty_box_follows_the_linked_report(live_server, page, finding_case):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/auth/login")
    page.get_by_label("用户名").fill(live_server.inspector[0])
    page.get_by_label("密码").fill(live_server.inspector[1])
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/bureau/inspections/{finding_case['inspection']}/findings/new")
    form = page.locator("#finding-form")
    form.locator("[name=category]").select_option("inflated_charges")
    form.locator("[name=legal_article]").select_option("38")
    form.locator("[name=amount_involved]").fill("100")
    form.locator("[name=amount_refunded]").fill("100")
    box = page.locator("#penalty-box [data-part=lines]")
    form.locator("[name=self_corrected]").check()
    expect(box).to_contain_text(LENIENT)  # ticked, no report
    form.locator("[name=self_inspection_id]").select_option(finding_case["late"])
    expect(box).not_to_contain_text(LENIENT)
    form.locator("[name=self_corrected]").uncheck()
    form.locator("[name=self_inspection_id]").select_option(finding_case["on_time"])
    expect(box).to_contain_text(LENIENT)  # the on-time report earns it, box or not
    form.locator("[name=amount_refunded]").fill("99")
    expect(box).not_to_contain_text(LENIENT)
