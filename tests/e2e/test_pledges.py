"""In a real browser: a facility downloads its pre-filled pledge and uploads the signed scan,
the bureau verifies it, and the public sees the verified pledge and the QR target page."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from portal.extensions import db as _db
from portal.models.enums import Role
from tests.e2e.dialogs import answer_yes_to_confirmations, confirmations
from tests.pledges import samples

pytestmark = pytest.mark.e2e

FACILITY_USER = ("e2e_pledge_facility", "E2e-facility-pass1")
OFFICER = ("e2e_pledge_officer", "E2e-officer-pass1")
NAME = "南通市通州区浏览器承诺医院"


@pytest.fixture(scope="module")
def pledge_world(live_server):
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from tests.factories import facility_data
    from tests.portal import pledge_helpers

    with live_server.app.app_context():
        facility = create_facility(None, facility_data(9301, name=NAME, county="通州区"))
        create_user(
            None,
            username=FACILITY_USER[0],
            display_name="承诺医院经办人",
            role=Role.FACILITY,
            password=FACILITY_USER[1],
            facility=facility,
        )
        create_user(
            None,
            username=OFFICER[0],
            display_name="信用科审核员",
            role=Role.CREDIT_OFFICER,
            password=OFFICER[1],
        )
        campaign = pledge_helpers.make_campaign()
        site_code, title = facility.site_code, campaign.title
        _db.session.commit()
        _db.session.remove()
    return site_code, title


def _watch(page) -> list[str]:
    """Console errors, failed requests (the browser's own favicon probe aside) and page
    errors; confirmation prompts (data-confirm) are answered yes and noted
    (``answer_yes_to_confirmations``)."""
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
    answer_yes_to_confirmations(page)
    return errors


def _log_in(page, url: str, user: tuple[str, str]) -> None:
    page.goto(f"{url}/auth/login")
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_pledge_from_download_to_public_verification(
    live_server, pledge_world, browser, tmp_path_factory
):
    tmp_path = tmp_path_factory.mktemp("e2e-pledge")
    site_code, title = pledge_world
    url = live_server.url

    # --- The facility downloads its pledge and uploads the signed scan -----------------------
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(45_000)
    errors = _watch(page)
    _log_in(page, url, FACILITY_USER)
    page.get_by_role("link", name="信用承诺书").click()
    page.wait_for_url(re.compile(r"/facility/pledge$"))
    assert page.get_by_role("heading", name=re.compile(title)).is_visible()
    assert page.get_by_text("未下载").first.is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载承诺书（A4 PDF）").click()
    pdf_path = tmp_path / "pledge.pdf"
    download_info.value.save_as(pdf_path)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True)
    assert NAME in "".join(text.stdout.decode("utf-8").split())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(tmp_path / "page")],
        check=True,
    )
    qr = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert qr.stdout.strip() == f"{url}/v/{site_code}"

    page.reload()
    assert page.get_by_text("已下载").first.is_visible()
    scan = samples.good_pdf(pages=1)
    scan_path = tmp_path / "签字盖章扫描件.pdf"
    scan_path.write_bytes(scan)
    page.get_by_label("签字盖章后的承诺书扫描件").set_input_files(str(scan_path))
    page.get_by_role("button", name="上传扫描件").click()
    page.wait_for_load_state()
    sha = hashlib.sha256(scan).hexdigest()
    assert page.get_by_text(re.compile(f"已上传第 1 版扫描件.*{sha}")).is_visible()
    assert page.get_by_text("已上传待审核").first.is_visible()
    page.screenshot(path=str(tmp_path / "facility-pledge.png"), full_page=True)
    assert errors == []
    context.close()

    # --- The bureau verifies it ---------------------------------------------------------------
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(45_000)
    errors = _watch(page)
    _log_in(page, url, OFFICER)
    page.get_by_role("link", name="信用承诺书", exact=True).click()
    page.get_by_role("link", name="待审核").click()
    page.wait_for_url(re.compile(r"/bureau/pledges/review$"))
    row = page.locator("table tbody tr", has_text=NAME)
    row.get_by_role("link", name="审核").click()
    page.wait_for_url(re.compile(r"/bureau/pledges/\d+/review$"))
    assert page.get_by_role("heading", name="系统生成的承诺书文本").is_visible()
    assert page.get_by_text("根据参保患者病情").first.is_visible()
    assert page.locator("iframe.scan").count() == 1
    page.get_by_label("核验通过").check()
    page.get_by_role("button", name="提交审核结果").click()
    page.wait_for_url(re.compile(r"/bureau/pledges/review$"))
    assert confirmations(page) == ["确认提交审核结果？"]
    assert page.get_by_text(f"已核验通过：{NAME}").is_visible()
    assert page.get_by_text("没有待审核的承诺书扫描件。").is_visible()
    assert errors == []
    context.close()

    # --- The public sees the verified pledge and the QR page ----------------------------------
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(45_000)
    errors = _watch(page)
    page.goto(f"{url}/facilities/{site_code}")
    assert page.get_by_text("已签署并经医保部门核验").is_visible()
    response = page.request.get(f"{url}/facilities/{site_code}/pledge/signed")
    assert response.ok and response.body() == scan
    page.get_by_role("link", name=f"{url}/v/{site_code}").click()
    page.wait_for_url(re.compile(rf"/v/{site_code}$"))
    assert page.get_by_role("heading", name=NAME).is_visible()
    for text in (site_code, sha, "定点医疗机构 第1版", "已签署并经医保部门核验"):
        assert page.get_by_text(text).first.is_visible(), text
    assert page.get_by_role("link", name="查看签署的承诺书").is_visible()
    page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
    assert errors == []
    context.close()
