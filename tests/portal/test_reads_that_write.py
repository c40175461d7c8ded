"""Requests that read (GET) but write: an API token's last use, a pledge's first download
with its PDF rendered on first view. While another request is writing, such a request
waits for it and then writes, on SQLite too, where a page being read begins without the
write lock and, once it has read, could not take it while another holds it (``database
is locked`` at once)."""

from __future__ import annotations

import threading
import time

import pytest

import pledges.render as pledge_render
from portal.models.enums import Role
from portal.models.pledges import Pledge
from portal.models.user import ApiToken
from tests.portal import pledge_helpers as h
from tests.portal.points_helpers import TODAY, record_by_ids


@pytest.fixture
def world(fresh_database_url, tmp_path, monkeypatch):
    """An app on a database of its own (each thread a session and connection of its own):
    an inspector with an API token, a facility with a person, its user, and a campaign."""
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.operations.registry import create_facility, create_staff
    from portal.operations.users import create_api_token, create_user
    from tests.conftest import TEST_PASSWORD, make_app
    from tests.factories import facility_data, staff_data

    monkeypatch.setattr(pledge_render, "render_pdf", h.fake_pdf)
    app = make_app(
        fresh_database_url, str(tmp_path / "instance"), STORAGE_ROOT=str(tmp_path / "files")
    )
    with app.app_context():
        upgrade()
        inspector = create_user(None, username="insp", display_name="检查员",
                                role=Role.INSPECTOR, password=TEST_PASSWORD)  # fmt: skip
        token = create_api_token(None, inspector)
        facility = create_facility(None, facility_data(1))
        staff = create_staff(None, staff_data(1, [facility]), TODAY)
        create_user(None, username="fac", display_name="机构用户", role=Role.FACILITY,
                    password=TEST_PASSWORD, facility=facility)  # fmt: skip
        h.make_campaign()
        _db.session.commit()
        ids = {"staff": staff.id, "inspector": inspector.id, "site_code": facility.site_code}
    try:
        yield app, token, ids
    finally:
        with app.app_context():
            _db.engine.dispose()


def _while_writing(app, ids, client, request) -> dict:
    """``request(client)`` in another thread while points are being written here; the
    writer ends after a moment. Returns the status, or the error that escaped."""
    from portal.extensions import db as _db

    outcome: dict = {}

    def read():
        try:
            response = request(client)
            outcome["status"] = response.status_code
            response.close()
        except Exception as exc:
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    with app.app_context():
        # Points recorded, not committed: this transaction holds what a writer holds
        # (the write lock on SQLite).
        record_by_ids(ids["staff"], ids["inspector"], "通医保记〔2026〕88号")
        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.3)  # the reader is at work meanwhile (on SQLite: waiting)
        _db.session.rollback()
        reader.join(30)
    assert not reader.is_alive()
    return outcome


def test_an_api_read_waits_for_a_writer_and_records_the_token_use(world):
    app, token, ids = world
    outcome = _while_writing(
        app,
        ids,
        app.test_client(),
        lambda client: client.get(
            "/api/v1/inspections",
            headers={"Authorization": f"Bearer {token}"},
        ),
    )
    assert outcome == {"status": 200}
    with app.app_context():
        from portal.extensions import db as _db

        assert _db.session.scalar(_db.select(ApiToken.last_used_at)) is not None


def test_a_first_pledge_download_waits_for_a_writer_and_is_recorded(world):
    app, _token, ids = world

    from tests.conftest import AuthActions

    client = app.test_client()
    assert AuthActions(client).login("fac").status_code == 302
    outcome = _while_writing(app, ids, client, lambda c: c.get("/facility/pledge/pdf"))
    assert outcome == {"status": 200}
    with app.app_context():
        from portal.extensions import db as _db

        assert _db.session.scalar(_db.select(Pledge.first_downloaded_at)) is not None


def test_two_first_downloads_at_once_record_one(world):
    """The second waits for the pledge's row (PostgreSQL; the write lock on SQLite) and
    finds the first download recorded: one audit entry, not two."""
    from portal.extensions import db as _db
    from portal.models.audit import AuditLog
    from portal.operations.pledges import mark_downloaded
    from tests.races import second_meanwhile

    app, _token, _ids = world
    recorded = []

    def download():
        recorded.append(mark_downloaded(None, _db.session.scalar(_db.select(Pledge))))

    with app.app_context():
        download()  # the first, not yet committed
        outcome = second_meanwhile(app, download, (), "the second download")
        assert outcome == {"done": True} and recorded == [True, False]
        entries = _db.select(_db.func.count()).where(AuditLog.action == "pledge.download")
        assert _db.session.scalar(entries) == 1
