"""Error pages: Chinese HTML pages for the site, JSON errors for the API."""

from __future__ import annotations

import pytest

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


def test_413_page_is_chinese(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"username": "x" * 4096, "password": "y", "csrf_token": token},
    )
    _assert_chinese_error(response, 413, "文件过大")
    assert "上传的文件过大" in response.get_data(as_text=True)


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
