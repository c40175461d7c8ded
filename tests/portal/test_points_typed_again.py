"""The same decision or certificate typed another way is the same; the restoration cap
holds for a restoration dated back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models.enums import Responsibility, RestorationKind, Role, Severity
from portal.models.points import PointRestoration
from portal.operations.points import DuplicatePoints, PointsError, add_restoration, standing_for
from portal.validators import comparable
from tests.portal.points_helpers import TODAY, record_for
from tests.portal.web_helpers import count_rows

LATER = TODAY + timedelta(days=30)


@pytest.mark.parametrize(
    "typed", ["通医保记（2026）102号", "通医保记[2026]102号", "通医保记【２０２６】102号"]
)
def test_a_decision_number_in_other_brackets_is_the_same_decision(typed):
    assert comparable(typed) == comparable("通医保记〔2026〕102号")
    assert comparable("通医保记〔2026〕103号") != comparable("通医保记〔2026〕102号")


def test_the_same_decision_in_other_brackets_is_refused_naming_the_stored_number(
    db, make_staff, make_user
):
    from portal.models.enums import PointSource
    from portal.operations.points import record_points

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()

    def record(reference):
        return record_points(
            inspector, staff, facility=staff.facilities[0], violation="串换药品",
            severity=Severity.MINOR, responsibility=Responsibility.GENERAL, decided_on=TODAY,
            source=PointSource.FINDING, reference=reference, today=TODAY,
        )  # fmt: skip

    first = record("通医保记〔2026〕102号")
    with pytest.raises(DuplicatePoints) as info:
        record("通医保记（2026）102号")
    assert info.value.existing.id == first.id
    assert "决定书 通医保记〔2026〕102号 就同一违规行为" in str(info.value)


def _restore(actor, staff, evidence, day=TODAY, kind=RestorationKind.TRAINING):
    return add_restoration(actor, staff, kind=kind, granted_on=day, evidence=evidence, today=LATER)


@pytest.mark.parametrize("typed", ["培训证书 001", "培训证书００１", "培训证书\u200b001"])
def test_a_certificate_typed_another_way_restores_once(db, make_staff, make_user, typed):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    record_for(inspector, staff, staff.facilities[0], Severity.SERIOUS, Responsibility.GENERAL)
    _restore(inspector, staff, "培训证书001")
    with pytest.raises(PointsError, match="该证明材料（培训证书001）已于 2026-06-15 用于修复"):
        _restore(inspector, staff, typed, TODAY + timedelta(days=1))
    assert count_rows(db, PointRestoration) == 1


def test_a_restoration_dated_back_does_not_pass_the_cap(db, make_staff, make_user):
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    record_for(inspector, staff, staff.facilities[0], Severity.SERIOUS, Responsibility.GENERAL)
    for day in range(4):
        _restore(inspector, staff, f"证书{day}", TODAY + timedelta(days=10 + day))
    # Dated before all four: the cap counts the whole cycle, not only the days before.
    with pytest.raises(PointsError, match="2026年度已修复 4 分，达到上限 4 分"):
        _restore(inspector, staff, "证书9", TODAY + timedelta(days=5))
    assert count_rows(db, PointRestoration) == 4
    assert standing_for(staff, LATER).restored == 4


def test_a_grade_recomputed_after_a_restoration_names_it(db, make_staff, make_user):
    """The facility's 计算记录 labels each computation's cause in Chinese."""
    from portal.credit_queries import TRIGGER_LABELS
    from portal.operations.credit import latest_grade

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    record_for(inspector, staff, staff.facilities[0], Severity.SERIOUS, Responsibility.GENERAL)
    _restore(inspector, staff, "证书1")
    grade = latest_grade(staff.facilities[0].id)
    assert grade.trigger == "points.restore"
    assert str(TRIGGER_LABELS[grade.trigger]) == "人员记分修复"


def _minor(inspector, staff, offset):
    """3 points at the person's first facility, ``offset`` days into the cycle."""
    return record_for(
        inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.MAIN,
        TODAY - timedelta(days=60 - offset), LATER,
    )  # fmt: skip


def _tasks(db, status=None):
    from portal.models.points import WarningTalkTask

    query = db.select(WarningTalkTask).order_by(WarningTalkTask.id)
    if status is not None:
        query = query.where(WarningTalkTask.status == status)
    return db.session.scalars(query).all()


def test_a_talk_no_longer_due_after_a_restoration_says_why(db, make_staff, make_user):
    from portal.models.enums import TaskStatus

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    _minor(inspector, staff, 0)
    second = _minor(inspector, staff, 10)  # 6 points: a talk is due
    (task,) = _tasks(db)
    assert task.record_id == second.id and task.status is TaskStatus.OPEN
    # Dated between the two, a restoration leaves the second at 5 points: no talk due.
    _restore(inspector, staff, "证书1", TODAY - timedelta(days=55))
    assert task.status is TaskStatus.CANCELLED
    assert task.note == "记分修复后，该条记分未使本周期累计记分达到约谈分值"


def test_a_talk_held_this_cycle_is_not_asked_again(db, make_staff, make_user):
    from portal.models.enums import TaskStatus
    from portal.operations.points import complete_task

    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    _minor(inspector, staff, 0)
    _minor(inspector, staff, 10)  # 6 points: talk due
    (task,) = _tasks(db)
    complete_task(inspector, task, "已约谈")
    # A restoration dated back leaves 5; the next record crosses 6 again this cycle.
    _restore(inspector, staff, "证书1", TODAY - timedelta(days=55))
    _minor(inspector, staff, 20)
    assert _tasks(db, TaskStatus.OPEN) == []
    assert task.status is TaskStatus.DONE
