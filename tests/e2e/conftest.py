"""Browser tests: the portal served on loopback over its own fresh database, driven by
Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal.extensions import db as _db
from portal.models.enums import FacilityKind, HospitalLevel, Role
from tests.conftest import fresh_database, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSPECTOR = ("e2e_inspector", "E2e-inspector-pass1")


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object
    inspector: tuple[str, str]


def _seed(app) -> None:
    """An inspector account and a few facilities for the public list."""
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from tests.factories import facility_data

    with app.app_context():
        create_user(
            None,
            username=INSPECTOR[0],
            display_name="浏览器测试检查员",
            role=Role.INSPECTOR,
            password=INSPECTOR[1],
        )
        for n, name in enumerate(
            ["南通市第一人民医院", "如东县中医院", "海安市城东社区卫生服务中心"], start=9001
        ):
            create_facility(None, facility_data(n, name=name))
        create_facility(
            None,
            facility_data(
                9004,
                name="启东市汇丰大药房连锁有限公司南苑路店",
                kind=FacilityKind.PHARMACY,
                level=HospitalLevel.UNRATED,
                county="启东市",
            ),
        )
        _db.session.commit()
        _db.session.remove()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The app on 127.0.0.1 and a free port, in a thread, over a freshly migrated database."""
    folder = tmp_path_factory.mktemp("e2e")
    with fresh_database(folder) as url:
        app = make_app(url, str(folder / "instance"))
        with app.app_context():
            upgrade()
        _seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, INSPECTOR)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is required (apt-get install chromium)"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()
