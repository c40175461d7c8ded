"""In a real browser: an upload form refuses a file over the configured limit before sending
it, saying so in Chinese next to the file, and keeps what was typed; a file within the limit
is sent as before. Without the script, the server's 413 page names the limit, and going back
as it says finds the form as it was typed."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db as _db
from portal.models.enums import Role

pytestmark = pytest.mark.e2e

OFFICER = ("e2e_limit_officer", "E2e-officer-pass1")
KB = 1024
MB = 1024 * KB
#: Small limits for the test, so the files stay small: 0.25 MB per file.
FILE_LIMIT = 256 * KB
REASON = "现场检查发现问题已整改到位，依据通医保〔2026〕3号文件申请调整"


@pytest.fixture(scope="module")
def adjust_url(live_server):
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from tests.factories import facility_data

    app = live_server.app
    with app.app_context():
        facility = create_facility(None, facility_data(9401, name="海门区上传限制测试医院"))
        create_user(
            None,
            username=OFFICER[0],
            display_name="信用科上传测试员",
            role=Role.CREDIT_OFFICER,
            password=OFFICER[1],
        )
        facility_id = facility.id
        _db.session.commit()
        _db.session.remove()
    previous = app.config["PLEDGE_UPLOAD_MAX_BYTES"]
    app.config["PLEDGE_UPLOAD_MAX_BYTES"] = FILE_LIMIT
    try:
        yield f"{live_server.url}/bureau/facilities/{facility_id}/credit/adjust"
    finally:
        app.config["PLEDGE_UPLOAD_MAX_BYTES"] = previous


def _log_in(page, url: str) -> None:
    page.goto(f"{url}/auth/login")
    page.get_by_label("用户名").fill(OFFICER[0])
    page.get_by_label("密码").fill(OFFICER[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/bureau/$"))


def _file(name: str, size: int) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * (size - 5)}


def test_a_file_over_the_limit_is_refused_before_sending(live_server, adjust_url, page):
    errors: list[str] = []  # script errors, a CSP violation among them

    def on_console(msg):
        # The browser's own favicon probe (a 404) is not the page's doing.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", on_console)
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    _log_in(page, live_server.url)
    posts.clear()

    page.goto(adjust_url)
    page.get_by_label("调整理由").fill(REASON)
    files = page.locator('input[type="file"]')
    files.set_input_files([_file("检查记录.pdf", 10 * KB), _file("现场照片$&.pdf", 300 * KB)])
    alert = page.get_by_role("alert")
    # Said as soon as the file is chosen, with its name, its size and the limit (config).
    assert alert.inner_text() == (
        "文件“现场照片$&.pdf”大小为 0.29 MB，超过 0.25 MB 的上限，未提交。"
        "请压缩或换用较小的文件；已填写的内容仍在本页。"
    )
    assert files.get_attribute("aria-invalid") == "true"

    # Submitting anyway sends nothing: the form and what was typed stay.
    page.get_by_role("button", name="提交审批").click()
    page.wait_for_timeout(500)
    assert posts == []
    assert page.url == adjust_url
    assert page.get_by_label("调整理由").input_value() == REASON
    assert alert.is_visible()

    # Within the limit, the message goes and the form is sent (the server checks the rest).
    files.set_input_files([_file("检查记录.pdf", 10 * KB)])
    assert page.get_by_role("alert").count() == 0
    assert files.get_attribute("aria-invalid") is None
    with page.expect_request(lambda request: request.method == "POST"):
        page.get_by_role("button", name="提交审批").click()
    page.wait_for_load_state()
    assert errors == []


def test_a_size_just_over_the_limit_reads_as_more_than_the_limit(live_server, adjust_url, page):
    # One byte over: rounded as usual it would read as the limit itself ("0.25 MB, over the
    # 0.25 MB limit"), so it is rounded up; the same from 1 MB (one decimal) and for the
    # files' total.
    app = live_server.app
    _log_in(page, live_server.url)
    page.goto(adjust_url)
    files = page.locator('input[type="file"]')
    alert = page.get_by_role("alert")
    files.set_input_files([_file("扫描件.pdf", FILE_LIMIT + 1)])
    assert alert.inner_text().startswith("文件“扫描件.pdf”大小为 0.26 MB，超过 0.25 MB 的上限")

    previous = app.config["CREDIT_REQUEST_MAX_BYTES"]
    app.config["PLEDGE_UPLOAD_MAX_BYTES"] = MB
    app.config["CREDIT_REQUEST_MAX_BYTES"] = 2 * MB
    try:
        page.goto(adjust_url)
        files.set_input_files([_file("扫描件.pdf", MB + 1)])
        assert alert.inner_text().startswith("文件“扫描件.pdf”大小为 1.1 MB，超过 1 MB 的上限")
        # Well over the limit, rounded as usual.
        files.set_input_files([_file("扫描件.pdf", MB * 3 // 2 + KB)])
        assert alert.inner_text().startswith("文件“扫描件.pdf”大小为 1.5 MB，超过 1 MB 的上限")
        # Each file within the limit, together just over theirs.
        files.set_input_files([_file("一.pdf", MB), _file("二.pdf", MB), _file("三.pdf", 6)])
        assert alert.inner_text().startswith("所选文件合计 2.1 MB，超过一次提交 2 MB 的上限")
    finally:
        app.config["PLEDGE_UPLOAD_MAX_BYTES"] = FILE_LIMIT
        app.config["CREDIT_REQUEST_MAX_BYTES"] = previous


def test_going_back_from_the_413_page_finds_the_form_as_typed(live_server, adjust_url, page):
    app = live_server.app
    previous = app.config["CREDIT_REQUEST_MAX_BYTES"]
    app.config["CREDIT_REQUEST_MAX_BYTES"] = 100 * KB
    try:
        _log_in(page, live_server.url)
        page.goto(adjust_url)
        page.get_by_label("调整理由").fill(REASON)
        # As a browser without the script would: the file goes to the server.
        page.evaluate(
            "document.querySelectorAll('form[data-file-limit]').forEach(function (form) {"
            " form.removeAttribute('data-file-limit'); })"
        )
        page.locator('input[type="file"]').set_input_files([_file("扫描件.pdf", 200 * KB)])
        page.get_by_role("button", name="提交审批").click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        # Several files: their total is named, with each file's limit.
        assert "413 · 文件过大" in text
        assert "所选文件合计不能超过 0.10 MB，每个文件不能超过 0.25 MB" in text
        assert "浏览器的“返回”按钮回到表单" in text
        page.go_back()
        page.wait_for_load_state()
        assert page.url == adjust_url
        assert page.get_by_label("调整理由").input_value() == REASON
    finally:
        app.config["CREDIT_REQUEST_MAX_BYTES"] = previous
