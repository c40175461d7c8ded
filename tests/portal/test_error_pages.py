"""Error pages: Chinese HTML pages for the site, JSON errors for the API."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.models.enums import Role
from tests.conftest import csrf_token


def _assert_chinese_error(response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert f"{status} · {title}" in body
    assert "返回首页" in body


def test_403_page_is_chinese(client, auth, make_user):
    make_user(Role.APPROVER, "sec_approver")
    auth.login("sec_approver")
    response = client.get("/bureau/users")
    _assert_chinese_error(response, 403, "无权访问")
    assert "您的角色无权执行此操作" in response.get_data(as_text=True)


def test_404_page_is_chinese(client):
    response = client.get("/no/such/page")
    _assert_chinese_error(response, 404, "页面不存在")
    assert "您访问的页面不存在" in response.get_data(as_text=True)


def test_405_page_is_chinese(client):
    response = client.post("/facilities")
    _assert_chinese_error(response, 405, "请求方式不允许")
    assert "不支持该请求方式" in response.get_data(as_text=True)


@pytest.mark.parametrize(("limit", "named"), [(1024, "0.00098 MB"), (3 * 1024 * 1024, "3 MB")])
def test_413_page_is_chinese(app, client, monkeypatch, limit, named):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", limit)
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"username": "x" * (limit + 1), "password": "y", "csrf_token": token},
    )
    _assert_chinese_error(response, 413, "文件过大")
    page = response.get_data(as_text=True)
    assert "上传的文件过大" in page
    # The limit from the config, and the way back to the form with what was typed.
    assert f"超过 {named} 的上限" in page
    assert "浏览器的“返回”按钮回到表单" in page


MB = 1024 * 1024


def _post_multipart(client, url: str, fields: dict):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _file(size: int, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(b"x" * size), filename=name)


def test_413_names_the_file_limit_the_form_states(app, client, auth, make_user):
    # The request limit has room for the other fields (a file at the limit is never refused
    # whole), but the page names the limit the form and the browser check told the user:
    # each file's, not the request's.
    assert app.config["PLEDGE_UPLOAD_MAX_BYTES"] == 10 * MB
    assert app.config["MAX_CONTENT_LENGTH"] > 10 * MB
    make_user(Role.FACILITY, "err_facility")
    auth.login("err_facility")
    token = csrf_token(client.get("/facility/pledge").get_data(as_text=True))
    response = _post_multipart(
        client,
        "/facility/pledge/upload",
        {"csrf_token": token, "campaign_id": "1", "file": _file(12 * MB, "承诺书.pdf")},
    )
    _assert_chinese_error(response, 413, "文件过大")
    page = response.get_data(as_text=True)
    assert "文件不能超过 10 MB" in page
    assert "11 MB" not in page and "上限" not in page
    assert "浏览器的“返回”按钮回到表单" in page


def test_413_names_the_file_limit_of_the_import(app, client, auth, make_user):
    # The import takes larger files than other forms: its own file limit is the one named.
    assert app.config["IMPORT_MAX_BYTES"] == 20 * MB
    make_user(Role.ADMIN, "err_admin")
    auth.login("err_admin")
    token = csrf_token(client.get("/bureau/import").get_data(as_text=True))
    response = _post_multipart(
        client,
        "/bureau/import",
        {"facilities-csrf_token": token, "facilities-file": _file(23 * MB, "机构.csv")},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "文件不能超过 20 MB" in page and "21 MB" not in page


def test_413_on_a_form_of_several_files_names_their_total_and_each_ones(
    app, client, auth, make_user, make_facility, monkeypatch
):
    # Several evidence files: the browser check names their total, the hint each file's.
    monkeypatch.setitem(app.config, "CREDIT_REQUEST_MAX_BYTES", 3 * MB)
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "err_officer")
    auth.login("err_officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = _post_multipart(
        client, url, {"csrf_token": token, "attachments": _file(4 * MB, "证明.pdf")}
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "所选文件合计不能超过 3 MB，每个文件不能超过 10 MB" in page


def test_the_files_total_named_leaves_out_the_margin_for_the_other_fields(
    app, client, auth, make_user, make_facility, monkeypatch
):
    # Five files of at most 1 MB, the request derived as theirs plus the 1 MB margin: the
    # total the user is told is the files' 5 MB, as the hint's "5 files, 1 MB each" implies.
    monkeypatch.setitem(app.config, "PLEDGE_UPLOAD_MAX_BYTES", MB)
    monkeypatch.setitem(app.config, "CREDIT_ATTACHMENT_MAX_FILES", 5)
    monkeypatch.setitem(app.config, "UPLOAD_FORM_MARGIN_BYTES", MB)
    monkeypatch.setitem(app.config, "CREDIT_REQUEST_MAX_BYTES", 6 * MB)
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "err_officer")
    auth.login("err_officer")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    form = client.get(url).get_data(as_text=True)
    assert f'data-request-limit="{5 * MB}"' in form
    response = _post_multipart(
        client, url, {"csrf_token": csrf_token(form), "attachments": _file(7 * MB, "证明.pdf")}
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "所选文件合计不能超过 5 MB，每个文件不能超过 1 MB" in page
    assert "6 MB" not in page


def test_413_from_the_api_is_json_naming_the_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    response = client.post("/api/v1/inspections", json={"notes": "x" * 3 * 2**20})
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["error"]["message"] == "请求过大：上限为 2 MB。"


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/no-such-thing", 404),
        ("get", "/api/v1/facilities/H00000000000", 404),
        ("post", "/api/v1/health", 405),
        ("get", "/api/v1/facilities?page=abc", 400),
        ("get", "/api/v1/staff/D123456789", 401),
    ],
)
def test_api_errors_are_json(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == status
    assert error["message"]
    assert "<html" not in response.get_data(as_text=True)


def _attributes(page: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', page)


def test_upload_forms_tell_the_browser_their_limits(
    app, client, auth, make_user, make_facility, monkeypatch
):
    # static/js/app.js refuses a larger file before sending the form (no 413 page): the
    # limits come from the config.
    monkeypatch.setitem(app.config, "PLEDGE_UPLOAD_MAX_BYTES", 3 * 1024 * 1024)
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 7 * 1024 * 1024)
    facility = make_facility()
    make_user(Role.ADMIN, "lim_admin")
    auth.login("lim_admin")
    page = client.get(f"/bureau/facilities/{facility.id}/credit/adjust").get_data(as_text=True)
    assert _attributes(page, "data-file-limit") == [str(3 * 1024 * 1024)]
    # Their total: all five at the limit (the request's own limit keeps room for the fields).
    assert app.config["CREDIT_REQUEST_MAX_BYTES"] > 5 * 3 * 1024 * 1024
    assert _attributes(page, "data-request-limit") == [str(5 * 3 * 1024 * 1024)]
    assert "超过 3 MB 的上限" in _attributes(page, "data-file-too-large")[0]
    assert "所选文件合计" in _attributes(page, "data-request-too-large")[0]
    # One file a form: its limit is the only one the form states (the request's has room
    # for the other fields, and is never reached by a file within the limit).
    page = client.get("/bureau/import").get_data(as_text=True)
    assert _attributes(page, "data-file-limit") == [str(7 * 1024 * 1024)] * 2
    assert _attributes(page, "data-request-limit") == []
    assert "超过 7 MB 的上限" in _attributes(page, "data-file-too-large")[0]
