"""Facility credit in the portal: facts, recomputation hooks, four eyes, objections,
repair and batch recompute (the key-supervision lists: test_supervision_lists.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.credit_notes import history_adjustments
from portal.models.audit import AuditLog
from portal.models.credit import (
    AdjustmentStatus,
    CreditAppealStatus,
    CreditGrade,
    RepairStatus,
)
from portal.models.enums import (
    FacilityStatus,
    PointSource,
    Responsibility,
    RestorationKind,
    Severity,
)
from portal.models.inspections import FindingStatus
from portal.operations import credit_facts
from portal.operations.credit import collect_facts, latest_grade, recompute_grade
from portal.operations.credit_appeals import decide_credit_appeal, file_credit_appeal
from portal.operations.credit_batch import recompute_batch
from portal.operations.credit_facts import collect_facts_many, facility_row
from portal.operations.credit_workflow import CreditError, decide_adjustment, propose_adjustment
from portal.operations.findings import revoke_finding
from portal.operations.inspections import InspectionError
from portal.operations.points import add_restoration, record_points, revoke_record
from portal.operations.registry import update_facility
from tests.credit_helpers import (
    TODAY,
    confirmed_finding,
    inspection,
)


def test_four_eyes_proposer_cannot_approve(db, make_facility, people):
    facility = make_facility()
    admin, approver = people["admin"], people["approver"]
    adjustment = propose_adjustment(
        admin, facility, points="-4.5", reason="约谈后仍未整改", evidence="约谈记录"
    )
    with pytest.raises(CreditError) as exc:
        decide_adjustment(admin, adjustment, approve=True, note="同意", today=TODAY)
    assert "提出人不能审批" in str(exc.value)
    assert adjustment.status is AdjustmentStatus.PENDING
    assert latest_grade(facility.id) is None  # nothing takes effect before approval
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=TODAY)
    row = latest_grade(facility.id)
    assert row.score == Decimal("95.5") and row.trigger == f"adjustment.approve:{adjustment.id}"
    item = row.breakdown[0]
    assert item["source_type"] == "adjustment" and item["source_id"] == adjustment.id
    assert "测试系统管理员提出" in item["label"] and "测试审批人批准" in item["label"]
    with pytest.raises(CreditError):
        decide_adjustment(approver, adjustment, approve=False, note="再议", today=TODAY)
    actions = db.session.scalars(
        select(AuditLog.action)
        .where(AuditLog.object_type == "credit_adjustment")
        .order_by(AuditLog.seq)
    ).all()
    assert actions == ["credit.adjust_propose", "credit.adjust_approve"]


def test_history_names_the_approved_adjustment(db, make_facility, people):
    """The history row an approval causes names its adjustment; rows stored before the
    trigger named it fall back to the approver's last approval before the row."""
    facility = make_facility()
    officer, admin, approver = people["officer"], people["admin"], people["approver"]
    first = propose_adjustment(officer, facility, points="-1", reason="一", evidence="文号一")
    decide_adjustment(approver, first, approve=True, note="同意", today=TODAY)
    first_row = latest_grade(facility.id)
    second = propose_adjustment(admin, facility, points="-2", reason="二", evidence="文号二")
    decide_adjustment(approver, second, approve=True, note="同意", today=TODAY)
    second_row = latest_grade(facility.id)
    # The approvals' times no longer tell them apart (clocks of two servers, say): the
    # stored reference still does.
    first.decided_at = second.decided_at = second_row.computed_at
    db.session.flush()
    found = history_adjustments(facility.id, [first_row, second_row])
    assert found == {first_row.id: first, second_row.id: second}
    assert found[first_row.id].proposed_by_id == officer.id
    # A row from before: no reference; the approver's last approval by then is used.
    second_row.trigger = "adjustment.approve"
    db.session.flush()
    assert history_adjustments(facility.id, [second_row]) == {second_row.id: second}


def test_grade_adjustment_and_its_validation(db, make_facility, people):
    facility = make_facility()
    officer, approver = people["officer"], people["approver"]
    for bad in ({"points": "1", "grade": "A"}, {}, {"points": "0"}, {"points": "2.25"},
                {"grade": "Z"}, {"points": "abc"}):  # fmt: skip
        with pytest.raises(CreditError):
            propose_adjustment(officer, facility, reason="理由", **bad)
    with pytest.raises(CreditError):
        propose_adjustment(officer, facility, points="-1", reason=" ")
    adjustment = propose_adjustment(
        officer, facility, grade="C", reason="重大舆情", evidence="文号"
    )
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=TODAY)
    row = latest_grade(facility.id)
    assert row.score == Decimal("100.0") and row.grade == "C"
    assert row.breakdown[-1]["rule"] == "adjustment.grade" and row.breakdown[-1]["points"] == 0
    rejected = propose_adjustment(officer, facility, points="5", reason="表彰", evidence="表彰文件")
    decide_adjustment(approver, rejected, approve=False, note="无依据", today=TODAY)
    assert rejected.status is AdjustmentStatus.REJECTED and rejected.approved_on is None
    assert collect_facts(facility, TODAY).adjustments[0].grade == "C"
    assert len(collect_facts(facility, TODAY).adjustments) == 1


def test_the_grade_adjustment_approved_last_sets_the_grade(db, make_facility, people):
    """Two grade adjustments approved the same day: the later approval sets the grade, not
    the later proposal; the earlier one's line says which took its place."""
    facility = make_facility()
    officer, admin, approver = people["officer"], people["admin"], people["approver"]
    to_d = propose_adjustment(officer, facility, grade="D", reason="降为D", evidence="文号一")
    to_b = propose_adjustment(admin, facility, grade="B", reason="降为B", evidence="文号二")
    decide_adjustment(approver, to_b, approve=True, note="同意", today=TODAY)
    assert latest_grade(facility.id).grade == "B"
    decide_adjustment(approver, to_d, approve=True, note="同意", today=TODAY)
    assert to_b.approved_on == to_d.approved_on and to_b.id > to_d.id
    row = latest_grade(facility.id)
    assert row.grade == "D" and facility.credit_grade == "D"
    superseded, in_force = row.breakdown[-2:]
    assert in_force["rule"] == "adjustment.grade" and in_force["source_id"] == to_d.id
    assert superseded["rule"] == "adjustment.grade_superseded"
    assert superseded["source_id"] == to_b.id and superseded["changes_on"] is None
    assert f"已由其后批准的调整 #{to_d.id} 取代" in superseded["label"]


def test_appeal_deadline_counts_working_days_across_national_day(db, make_facility, people):
    facility = make_facility()
    user_facility = people["insp"]
    insp = inspection(user_facility, facility, [people["insp"], people["insp2"]])
    finding, _row = confirmed_finding(people["insp"], insp)
    appeal = file_credit_appeal(
        None, facility, finding=finding, reason="金额计算有误", today=date(2026, 9, 28)
    )
    # 15 working days from Mon 28 Sep 2026: 1–7 Oct off (National Day), Sat 10 Oct worked.
    assert appeal.deadline == date(2026, 10, 23)
    with pytest.raises(CreditError):
        file_credit_appeal(None, facility, finding=finding, reason="再次", today=date(2026, 9, 29))
    # The person who confirmed the finding may not decide the objection to it.
    with pytest.raises(CreditError):
        decide_credit_appeal(people["insp"], appeal, upheld=True, reason="成立", today=TODAY)
    decide_credit_appeal(people["approver"], appeal, upheld=True, reason="计算有误", today=TODAY)
    assert appeal.status is CreditAppealStatus.UPHELD
    assert finding.status.value == "revoked" and "异议成立" in finding.revoke_reason
    assert latest_grade(facility.id).score == Decimal("100.0")


def test_a_finding_under_a_pending_objection_is_revoked_by_deciding_the_objection(
    db, make_facility, people
):
    facility = make_facility()
    insp = inspection(people["insp"], facility, [people["insp"], people["insp2"]])
    finding, _row = confirmed_finding(people["insp"], insp)
    appeal = file_credit_appeal(None, facility, finding=finding, reason="不服", today=TODAY)
    with pytest.raises(InspectionError) as refused:
        revoke_finding(people["approver"], finding, "复核撤销", TODAY)
    assert f"异议（第{appeal.id}号）尚待处理" in refused.value.errors["reason"]
    assert finding.status is FindingStatus.CONFIRMED
    decide_credit_appeal(people["approver"], appeal, upheld=False, reason="依据充分", today=TODAY)
    revoke_finding(people["approver"], finding, "复核撤销", TODAY)
    assert finding.status is FindingStatus.REVOKED


def test_grade_appeal_needs_a_grade_and_deadline_over_new_year_is_open(
    db, make_facility, people, calendar_until_2026
):
    facility = make_facility()
    with pytest.raises(CreditError):
        file_credit_appeal(None, facility, finding=None, reason="不服", today=TODAY)
    recompute_grade(facility, "manual", today=TODAY)
    appeal = file_credit_appeal(
        None, facility, finding=None, reason="不服", today=date(2026, 12, 20)
    )
    # The calendar has no 2027 schedule yet: the deadline is left open, not guessed.
    assert appeal.deadline is None and appeal.grade_row.grade == "A"
    decide_credit_appeal(people["officer"], appeal, upheld=False, reason="依据充分", today=TODAY)
    assert appeal.status is CreditAppealStatus.REJECTED and appeal.decision_reason == "依据充分"


def test_foreign_or_unconfirmed_finding_cannot_be_appealed(db, make_facility, people):
    facility, other = make_facility(), make_facility()
    insp = inspection(people["insp"], other, [people["insp"], people["insp2"]])
    finding, _row = confirmed_finding(people["insp"], insp)
    with pytest.raises(CreditError):
        file_credit_appeal(None, facility, finding=finding, reason="x", today=TODAY)


def test_staff_sanction_counts_at_the_facility_and_revocation_restores(
    db, make_facility, make_staff, people
):
    facility, elsewhere = make_facility(), make_facility()
    staff = make_staff([facility, elsewhere])
    insp = people["insp"]

    def record(at, severity, day):
        return record_points(
            insp, staff, facility=at, violation="串换药品", severity=severity,
            responsibility=Responsibility.MAIN, decided_on=day, source=PointSource.FINDING,
            reference="通医保罚〔2026〕2号", today=TODAY,
        )  # fmt: skip

    record(facility, Severity.MODERATE, date(2026, 3, 1))  # 6 points
    last = record(elsewhere, Severity.MINOR, date(2026, 4, 1))  # 9 -> suspended
    # Both facilities contributed to the points that crossed the threshold.
    for where in (facility, elsewhere):
        row = latest_grade(where.id)
        assert row.score == Decimal("98.0") and row.trigger == "points.record"
        assert row.breakdown[0]["source_type"] == "point_record"
        assert row.breakdown[0]["source_id"] == last.id
    revoke_record(people["approver"], last, "复核不成立", TODAY)
    assert latest_grade(facility.id).score == Decimal("100.0")
    assert latest_grade(elsewhere.id).trigger == "points.revoke"


def test_a_restoration_that_lifts_a_suspension_restores_the_grades(
    db, make_facility, make_staff, people
):
    """Dated before the record that crossed the threshold, a restoration keeps the total
    below it: the suspension falls away, and so does its deduction at each facility."""
    facility, elsewhere = make_facility(), make_facility()
    staff = make_staff([facility, elsewhere])
    for at, severity, day, number in (
        (facility, Severity.MODERATE, date(2026, 5, 20), 3),  # 6 points
        (elsewhere, Severity.MINOR, date(2026, 6, 10), 4),  # 9: suspended for a month
    ):
        record_points(
            people["insp"], staff, facility=at, violation="串换药品", severity=severity,
            responsibility=Responsibility.MAIN, decided_on=day, source=PointSource.FINDING,
            reference=f"通医保罚〔2026〕{number}号", today=TODAY,
        )  # fmt: skip
    assert {latest_grade(f.id).score for f in (facility, elsewhere)} == {Decimal("98.0")}
    add_restoration(
        people["officer"],
        staff,
        kind=RestorationKind.TRAINING,
        granted_on=date(2026, 6, 1),
        evidence="培训证书001",
        today=TODAY,
    )
    for where in (facility, elsewhere):
        row = latest_grade(where.id)
        assert row.score == Decimal("100.0") and row.trigger == "points.restore"
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "points.restore")).one()
    before, after = audit.summary["before"], audit.summary["after"]
    assert (before["standing"], before["total"]) == ("suspended", 9)
    assert (after["standing"], after["total"]) == ("normal", 8)


def test_staff_sanction_facts_match_the_points_module(
    db, make_facility, make_staff, people, monkeypatch
):
    """The batch query keeps only people whose points can reach a sanction; the facts must
    be those the points module's standings give, at every facility where a live record
    this cycle came on or before the sanction's start."""
    from portal.models.points import PointRecord
    from portal.operations.points import standings_for
    from scoring.credit import StaffSanctionFact

    a, b, c = make_facility(), make_facility(), make_facility()
    heavy, light, revoked = (make_staff([a, b, c]) for _ in range(3))

    def record(person, at, severity, day):
        return record_points(
            people["insp"], person, facility=at, violation="串换药品", severity=severity,
            responsibility=Responsibility.MAIN, decided_on=day, source=PointSource.FINDING,
            reference="文号", today=TODAY,
        )  # fmt: skip

    record(heavy, a, Severity.MODERATE, date(2026, 2, 1))
    record(heavy, b, Severity.MODERATE, date(2026, 3, 1))
    record(heavy, c, Severity.MINOR, date(2026, 5, 1))  # after the sanction started
    record(heavy, c, Severity.MINOR, date(2025, 6, 1))  # last cycle: does not count
    record(light, a, Severity.MODERATE, date(2026, 2, 1))
    record(revoked, a, Severity.MODERATE, date(2026, 2, 1))
    revoke_record(people["approver"], record(revoked, b, Severity.MODERATE, date(2026, 3, 1)),
                  "复核不成立", TODAY)  # fmt: skip

    expected: dict[int, list] = {}
    for facility in (a, b, c):
        expected[facility.id] = []
        for person in (heavy, light, revoked):
            days = db.session.scalars(
                select(PointRecord.decided_on).where(
                    PointRecord.staff_id == person.id,
                    PointRecord.facility_id == facility.id,
                    PointRecord.revoked_at.is_(None),
                    PointRecord.decided_on >= date(2026, 1, 1),
                )
            ).all()
            if not days:
                continue
            for s in standings_for([person.id], TODAY)[person.id].sanctions:
                if s.kind.value in ("suspend", "terminate") and min(days) <= s.start <= TODAY:
                    expected[facility.id].append(
                        StaffSanctionFact(s.record_id, person.staff_code, s.kind.value, s.start)
                    )
    facts = collect_facts_many([facility_row(f) for f in (a, b, c)], TODAY)
    assert {f: list(facts[f].staff_sanctions) for f in expected} == expected
    # The same when the people over the threshold are found once, as for a large batch.
    monkeypatch.setattr(credit_facts, "HEAVY_FIRST_FROM", 1)
    facts = collect_facts_many([facility_row(f) for f in (a, b, c)], TODAY)
    assert {f: list(facts[f].staff_sanctions) for f in expected} == expected
    # The case is not empty: the heavy person's sanction counts at a and b, not at c.
    assert expected[a.id] and expected[b.id] and not expected[c.id]


def test_termination_in_the_registry_caps_the_grade(db, make_facility, people):
    facility = make_facility()
    update_facility(people["admin"], facility, {"status": FacilityStatus.TERMINATED})
    row = latest_grade(facility.id)
    assert row.grade == "D" and row.caps == ["terminated"] and row.trigger == "facility.update"
    count = db.session.scalar(select(func.count()).select_from(CreditGrade))
    update_facility(people["admin"], facility, {"contact_name": "王五"})
    assert db.session.scalar(select(func.count()).select_from(CreditGrade)) == count


def test_batch_recompute_matches_single_and_keeps_updated_at(db, make_facility, people):
    facilities = [make_facility() for _ in range(4)]
    young = make_facility(agreement_start=date(2026, 5, 1))
    insp = inspection(people["insp"], facilities[1], [people["insp"], people["insp2"]])
    confirmed_finding(
        people["insp"], insp, category="inflated_charges", amount_involved_fen=2_500_000
    )
    single = {f.id: collect_facts(f, TODAY) for f in [*facilities, young]}
    assert collect_facts_many([facility_row(f) for f in [*facilities, young]], TODAY) == single
    stamps = {f.id: f.updated_at for f in facilities}
    changed = recompute_batch([f.id for f in [*facilities, young]], TODAY)
    db.session.commit()
    assert changed == 3  # three first grades; facility 1 already had B
    for f in facilities:
        db.session.refresh(f)
        assert f.updated_at == stamps[f.id]
    assert [f.credit_grade for f in facilities] == ["A", "B", "A", "A"]
    assert young.credit_grade is None and latest_grade(young.id).graded is False
    assert latest_grade(facilities[1].id).previous_grade == "B"


def test_labels_of_enums_sharing_values_do_not_collide(app):
    from portal.models.credit import AdjustmentStatus, CreditAppealStatus
    from portal.models.enums import AppealStatus, TaskStatus
    from portal.models.inspections import InspectionStatus

    with app.test_request_context():
        assert AppealStatus.PENDING.label == "待处理" and TaskStatus.OPEN.label == "待办"
        assert AdjustmentStatus.PENDING.label == "待审批"
        assert RepairStatus.REJECTED.label == "不予修复"
        assert CreditAppealStatus.REJECTED.label == "异议不成立"
        assert InspectionStatus.OPEN.label == "进行中"


def test_core_standings_match_the_points_module(db, make_facility, make_staff, people):
    from portal.models.enums import RestorationKind
    from portal.operations.credit_facts import standings_many
    from portal.operations.points import add_restoration, standings_for

    facility = make_facility()
    busy, idle = make_staff([facility]), make_staff([facility])
    for severity, day in (
        (Severity.MODERATE, date(2026, 2, 1)),
        (Severity.MINOR, date(2026, 3, 1)),
    ):
        record = record_points(
            people["insp"], busy, facility=facility, violation="串换", severity=severity,
            responsibility=Responsibility.MAIN, decided_on=day, source=PointSource.FINDING,
            reference="文号", today=TODAY,
        )  # fmt: skip
    add_restoration(
        people["insp"], busy, kind=RestorationKind.TRAINING, granted_on=date(2026, 4, 1),
        evidence="培训证书", today=TODAY,
    )  # fmt: skip
    revoke_record(people["approver"], record, "复核", TODAY)
    ids = [busy.id, idle.id]
    assert standings_many(ids, TODAY) == standings_for(ids, TODAY)
