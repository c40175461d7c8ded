"""Behind a reverse proxy: trusted X-Forwarded-* headers give the visitor's address."""

from flask import request

from tests.conftest import make_app


def _app(tmp_path, proxies: int):
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", str(tmp_path), TRUSTED_PROXIES=proxies)
    app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_forwarded_address_used_only_when_proxies_are_trusted(tmp_path):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    trusted = _app(tmp_path, 1).test_client().get("/whoami", headers=headers)
    assert trusted.get_data(as_text=True) == "203.0.113.9 https"
    direct = _app(tmp_path, 0).test_client().get("/whoami", headers=headers)
    assert direct.get_data(as_text=True) == "127.0.0.1 http"
