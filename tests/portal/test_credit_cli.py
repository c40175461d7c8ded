"""``medcredit grades recompute``: every facility, in batches, appended to the history."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models.credit import CreditGrade
from portal.models.enums import Role
from tests.credit_helpers import TODAY, confirmed_finding, inspection, two_inspectors


def test_recompute_all_grades(db, runner, make_facility, make_user):
    facilities = [make_facility() for _ in range(3)]
    one, two = two_inspectors(make_user)
    confirmed_finding(one, inspection(one, facilities[0], [one, two]), category="inflated_charges",
                      amount_involved_fen=2_500_000)  # fmt: skip
    before = db.session.scalar(select(func.count()).select_from(CreditGrade))
    # One process: worker processes could not see this test's uncommitted rows.
    result = runner.invoke(args=["grades", "recompute", "--as-of", TODAY.isoformat(),
                                 "--batch-size", "2", "--jobs", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "共 3 家机构，2 家等级发生变化" in result.output
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == before + 3
    rows = db.session.scalars(select(CreditGrade).where(CreditGrade.trigger == "batch")).all()
    assert {r.as_of for r in rows} == {TODAY}
    grades = {f.id: f.credit_grade for f in facilities}
    assert sorted(grades.values()) == ["A", "A", "B"]
    # A second run appends again: the history records every computation.
    again = runner.invoke(args=["grades", "recompute", "--as-of", TODAY.isoformat(), "--jobs", "1"])
    assert "0 家等级发生变化" in again.output
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == before + 6


def test_recompute_rejects_a_bad_date(runner, make_user):
    make_user(Role.ADMIN, "admin")
    result = runner.invoke(args=["grades", "recompute", "--as-of", "2026-02-30"])
    assert result.exit_code != 0


def test_recompute_refuses_a_date_before_the_latest_computation(db, runner, make_facility):
    """A run dated back would put an outdated grade in place of the current one."""
    from datetime import timedelta

    facility = make_facility()
    ok = runner.invoke(args=["grades", "recompute", "--as-of", TODAY.isoformat(), "--jobs", "1"])
    assert ok.exit_code == 0, ok.output
    rows = db.session.scalar(select(func.count()).select_from(CreditGrade))
    graded_at = facility.graded_at
    earlier = (TODAY - timedelta(days=1)).isoformat()
    result = runner.invoke(args=["grades", "recompute", "--as-of", earlier, "--jobs", "1"])
    assert result.exit_code == 1
    assert f"早于最近一次计算的日期 {TODAY.isoformat()}" in result.output
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == rows
    assert facility.graded_at == graded_at


def test_recompute_refuses_a_date_after_today_and_audits_each_run(db, runner, make_facility):
    """A run dated ahead would publish that day's grades now and refuse every run until it."""
    from datetime import timedelta

    from portal.models.audit import AuditLog
    from portal.web import china_today

    make_facility()
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["grades", "recompute", "--as-of", tomorrow, "--jobs", "1"])
    assert result.exit_code == 1
    assert f"--as-of {tomorrow} 晚于今天" in result.output
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == 0
    ok = runner.invoke(args=["grades", "recompute", "--as-of", TODAY.isoformat(), "--jobs", "1"])
    assert ok.exit_code == 0, ok.output
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "credit.recompute_all"))
    assert row.actor_id is None and row.object_type == "credit_batch"
    assert row.summary["after"] == {"as_of": TODAY.isoformat(), "facilities": 1, "changed": 1}
