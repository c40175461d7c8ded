"""Self-inspection reports (自查自纠报告) filed from the facility area."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models.enums import Role
from portal.models.inspections import SelfInspectionReport
from tests.conftest import csrf_token


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SelfInspectionReport))


def test_the_same_report_sent_twice_is_filed_once(db, client, auth, make_user, make_facility):
    """A double click on 报送 (or the page sent again) files no second copy of the report;
    a different report filed the same day is taken."""
    facility = make_facility()
    make_user(Role.FACILITY, "fac_self", facility=facility)
    auth.login("fac_self")
    page = client.get("/facility/self-inspections").get_data(as_text=True)
    report = {
        "csrf_token": csrf_token(page),
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "problems": "重复收取诊查费 12 例，已全部退回",
        "amount_refunded": "1,500.50",
    }
    assert client.post("/facility/self-inspections", data=report).status_code == 302
    again = client.post("/facility/self-inspections", data=report)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "今日已报送过内容相同的自查自纠报告" in html
    assert "重复收取诊查费 12 例" in html  # the form keeps what was sent
    assert _count(db) == 1

    other = report | {"problems": "串换药品 3 例，已退回", "amount_refunded": "300"}
    assert client.post("/facility/self-inspections", data=other).status_code == 302
    assert _count(db) == 2


def test_the_same_report_sent_twice_at_once_is_filed_once(fresh_database_url, tmp_path):
    """Two submissions of one report at the same moment: the facility's row is locked while
    the first is filed, so the second waits and then finds it (PostgreSQL); SQLite has one
    writer at a time and refuses the second as the database being busy. Either way one
    report is filed."""
    import threading
    import time
    from datetime import date

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.models.facility import Facility
    from portal.operations.inspections import InspectionError
    from portal.operations.registry import create_facility
    from portal.operations.self_inspections import file_self_inspection
    from tests.conftest import make_app
    from tests.factories import facility_data

    today = date(2026, 6, 15)
    report = {
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 3, 31),
        "problems": "重复收取诊查费 12 例，已全部退回",
        "amount_refunded_fen": 150_050,
    }
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    outcome = {}
    try:
        with app.app_context():
            upgrade()
            facility_id = create_facility(None, facility_data(1)).id
            _db.session.commit()

        def second_submission():
            with app.app_context():
                try:
                    file_self_inspection(
                        None, _db.session.get(Facility, facility_id), report, today
                    )
                    _db.session.commit()
                    outcome["filed"] = True
                except InspectionError as exc:
                    _db.session.rollback()
                    outcome["refused"] = exc.errors
                except sa.exc.OperationalError as exc:
                    _db.session.rollback()
                    outcome["busy"] = str(exc)

        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with app.app_context():
            sqlite = _db.engine.dialect.name == "sqlite"
            file_self_inspection(None, _db.session.get(Facility, facility_id), report, today)
            other = threading.Thread(target=second_submission)
            other.start()
            if sqlite:
                other.join(30)
            else:
                with _db.engine.connect() as watcher:
                    deadline = time.monotonic() + 10
                    while not watcher.execute(waiting).scalar() and time.monotonic() < deadline:
                        watcher.rollback()
                        time.sleep(0.05)
                    assert watcher.execute(waiting).scalar() == 1, "the second did not wait"
            _db.session.commit()
            other.join(10)
            assert not other.is_alive()
            if sqlite:
                assert "database is locked" in outcome["busy"]
            else:
                assert "内容相同" in outcome["refused"]["problems"]
            count = sa.select(sa.func.count()).select_from(SelfInspectionReport)
            assert _db.session.scalar(count) == 1
    finally:
        with app.app_context():
            _db.engine.dispose()
