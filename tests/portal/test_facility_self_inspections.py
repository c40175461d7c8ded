"""Self-inspection reports (自查自纠报告) filed from the facility area."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.models.enums import Role
from portal.models.inspections import SelfInspectionReport
from tests.conftest import csrf_token
from tests.races import second_meanwhile


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
    try:
        with app.app_context():
            upgrade()
            facility_id = create_facility(None, facility_data(1)).id
            _db.session.commit()

        def submit():
            file_self_inspection(None, _db.session.get(Facility, facility_id), report, today)

        with app.app_context():
            submit()
            outcome = second_meanwhile(
                app, submit, InspectionError, "the second", lambda exc: exc.errors
            )
            assert "内容相同" in outcome["refused"]["problems"]
            count = sa.select(sa.func.count()).select_from(SelfInspectionReport)
            assert _db.session.scalar(count) == 1
    finally:
        with app.app_context():
            _db.engine.dispose()


def _report(db, facility, problems: str, filed_on):
    report = SelfInspectionReport(
        facility=facility,
        cycle=filed_on.year,
        period_start=filed_on.replace(day=1),
        period_end=filed_on,
        problems=problems,
        amount_refunded_fen=0,
        filed_on=filed_on,
        deadline=filed_on,
        on_time=True,
    )
    db.session.add(report)
    db.session.flush()
    return report


def _listed(html: str) -> list[str]:
    """The problems of the reports listed, in order."""
    return re.findall(r'<span class="multiline">(已报送问题\d\d)</span>', html)


def test_filed_reports_are_listed_a_page_at_a_time(app, db, client, auth, make_user, make_facility):
    """Many reports are listed a page at a time, newest first (the id deciding between
    reports of one day), never another facility's; the form above the list keeps working
    on any page, its errors shown with the page of the list it was sent from."""
    per_page = app.config["PAGE_SIZE"]
    own, other = make_facility(), make_facility()
    day = date(2026, 3, 31)
    _report(db, other, "已报送问题99", day)
    names = [f"已报送问题{n:02d}" for n in range(per_page + 2)]
    # Two a day.
    for n, problems in enumerate(names):
        _report(db, own, problems, day - timedelta(days=n // 2))
    make_user(Role.FACILITY, "fac_reports", facility=own)
    db.session.commit()
    auth.login("fac_reports")

    # Newest day first (n // 2 days back), then the later report (the larger id).
    newest_first = [names[n] for n in sorted(range(len(names)), key=lambda n: (n // 2, -n))]
    url = "/facility/self-inspections"
    first = client.get(url).get_data(as_text=True)
    assert _listed(first) == newest_first[:per_page]
    assert f"共 {len(names)} 条" in first and "已报送问题99" not in first
    assert f'<a href="{url}?page=2#reports">下一页</a>' in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert _listed(second) == newest_first[per_page:]
    assert _listed(client.get(f"{url}?page=x").get_data(as_text=True)) == _listed(first)
    response = client.get(f"{url}?page=9")
    assert response.status_code == 302 and response.headers["Location"].endswith("page=2")

    # A report refused from the second page: the errors, what was typed, the same page.
    report = {
        "csrf_token": csrf_token(second),
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "problems": "",
        "amount_refunded": "12.50",
    }
    refused = client.post(f"{url}?page=2", data=report)
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "此项必填" in html and 'value="12.50"' in html
    assert _listed(html) == newest_first[per_page:]
    filed = client.post(f"{url}?page=2", data=report | {"problems": "已报送问题新"})
    assert filed.status_code == 302 and filed.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert page.index("已报送问题新") < page.index(newest_first[0])
    assert f"共 {len(names) + 1} 条" in page
